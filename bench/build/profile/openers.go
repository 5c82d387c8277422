package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// compareOpeners hashes every file under dir with two workers, as
// manifest.Build does, opening the files three ways, and prints the median
// time of n rounds of each: the cost of os.Root's component-by-component
// opening next to a plain path open and to opening each folder once.
func compareOpeners(dir string, root *os.Root, n int) {
	var paths []string
	check(fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			paths = append(paths, p)
		}
		return err
	}))
	rootFS, dirFS := root.FS(), os.DirFS(dir)
	// One os.Root per folder, opened on first use and shared by the workers.
	var mu sync.Mutex
	var subs map[string]*os.Root
	perDir := func(p string) (fs.File, error) {
		d := path.Dir(p)
		mu.Lock()
		r, ok := subs[d]
		if !ok {
			var err error
			if d == "." {
				r = root
			} else if r, err = root.OpenRoot(d); err != nil {
				mu.Unlock()
				return nil, err
			}
			subs[d] = r
		}
		mu.Unlock()
		return r.Open(path.Base(p))
	}
	ways := []struct {
		name string
		open func(string) (fs.File, error)
	}{
		{"os.Root.FS().Open (what swkit build does)", rootFS.Open},
		{"os.DirFS(dir).Open (one openat of the whole path)", dirFS.Open},
		{"one os.Root per folder, then Open(base)", perDir},
	}
	for _, w := range ways {
		var times, cpus []time.Duration
		for range n {
			subs = map[string]*os.Root{}
			start, cpu0 := time.Now(), cpuTime()
			hashAll(paths, w.open)
			times = append(times, time.Since(start))
			cpus = append(cpus, cpuTime()-cpu0)
			for d, r := range subs {
				if d != "." {
					r.Close()
				}
			}
		}
		slices.Sort(times)
		slices.Sort(cpus)
		fmt.Printf("%-50s wall median %v (min %v), CPU median %v, of %d\n", w.name,
			times[len(times)/2].Round(time.Microsecond), times[0].Round(time.Microsecond), cpus[len(cpus)/2].Round(time.Microsecond), n)
	}
}

// cpuTime is the process's user + system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	check(syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func hashAll(paths []string, open func(string) (fs.File, error)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			h := sha256.New()
			buf := make([]byte, 64<<10)
			for {
				i := int(next.Add(1)) - 1
				if i >= len(paths) {
					return
				}
				f, err := open(paths[i])
				check(err)
				h.Reset()
				_, err = io.CopyBuffer(struct{ io.Writer }{h}, struct{ io.Reader }{f}, buf)
				check(err)
				f.Close()
			}
		})
	}
	wg.Wait()
}
