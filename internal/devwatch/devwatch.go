// Package devwatch watches a site folder for swkit dev: every folder in it
// (new ones too, dot-folders aside) and any further files named, through
// fsnotify, with bursts of events folded into one notice.
package devwatch

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Quiet is how long the folder must stay still after an event before the
// notice: an editor's save (write a temporary file, rename it over the
// old one) or a generator's output is several events in a few
// milliseconds.
const Quiet = 30 * time.Millisecond

// Watcher sends on C after each burst of changes.
type Watcher struct {
	C <-chan []string // the changed paths of a burst, absolute

	w      *fsnotify.Watcher
	dir    string          // the site folder, absolute
	files  map[string]bool // extra files watched through their folders
	ignore func(path string) bool
	done   chan struct{}
	wg     sync.WaitGroup
}

// New watches dir and its folders, and the files extra (a config file
// outside dir, say).
func New(dir string, extra []string) (*Watcher, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	c := make(chan []string, 1)
	abs, err := filepath.Abs(dir)
	if err != nil {
		fw.Close()
		return nil, err
	}
	w := &Watcher{C: c, w: fw, dir: abs, files: map[string]bool{}, done: make(chan struct{})}
	if err := w.addTree(abs); err != nil {
		fw.Close()
		return nil, err
	}
	for _, f := range extra {
		abs, err := filepath.Abs(f)
		if err != nil {
			continue
		}
		w.files[abs] = true
		if err := fw.Add(filepath.Dir(abs)); err != nil {
			fw.Close()
			return nil, err
		}
	}
	w.wg.Add(1)
	go w.loop(c)
	return w, nil
}

// addTree watches dir and every folder under it but dot-folders.
func (w *Watcher) addTree(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // gone meanwhile
			}
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		return w.w.Add(p)
	})
}

func (w *Watcher) loop(c chan<- []string) {
	defer w.wg.Done()
	defer close(c)
	var (
		pending []string
		timer   *time.Timer
		fire    <-chan time.Time
	)
	for {
		select {
		case <-w.done:
			return
		case ev, ok := <-w.w.Events:
			if !ok {
				return
			}
			if !w.relevant(ev) {
				continue
			}
			if ev.Has(fsnotify.Create) {
				if info, err := os.Stat(ev.Name); err == nil && info.IsDir() {
					w.addTree(ev.Name) // a new folder: watch it and what it holds
				}
			}
			pending = append(pending, ev.Name)
			if timer == nil {
				timer = time.NewTimer(Quiet)
			} else {
				timer.Reset(Quiet)
			}
			fire = timer.C
		case <-fire:
			fire = nil
			select {
			case c <- pending:
				pending = nil
			case <-w.done:
				return
			}
		case <-w.w.Errors:
			// An overflowed queue loses events: report a change anyway.
			pending = append(pending, "")
			if timer == nil {
				timer = time.NewTimer(Quiet)
			} else {
				timer.Reset(Quiet)
			}
			fire = timer.C
		}
	}
}

// relevant reports whether ev concerns the site: not a dotfile (editors'
// swap files), and in a watched extra file's folder only that file.
func (w *Watcher) relevant(ev fsnotify.Event) bool {
	if ev.Op == fsnotify.Chmod {
		return false
	}
	if strings.HasPrefix(filepath.Base(ev.Name), ".") {
		return false
	}
	if rel, err := filepath.Rel(w.dir, ev.Name); err != nil || !filepath.IsLocal(rel) {
		return w.files[ev.Name] // outside the site: only the files named
	}
	return true
}

// Close stops watching; C is closed.
func (w *Watcher) Close() error {
	close(w.done)
	err := w.w.Close()
	w.wg.Wait()
	return err
}
