package buildcache

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/swkit/swkit/internal/manifest"
)

// rebuild does with the cache what swkit build does: Unchanged, or else a
// walk of the folder recorded with SetWalk (files over 100 bytes left out,
// sw.js excluded). It returns whether Unchanged held, and the walk.
func rebuild(t *testing.T, dir, cachePath, inputs string) (bool, Walk) {
	t.Helper()
	c, _ := Load(cachePath, dir)
	root := openRoot(t, dir)
	opts := manifest.Options{MaximumFileSizeToCacheInBytes: 100, Exclude: []string{"sw.js"}, Cache: c}
	w, ok := c.Unchanged(root, inputs, 2)
	if !ok {
		res, err := manifest.Build(root.FS(), opts)
		if err != nil {
			t.Fatal(err)
		}
		key := fmt.Sprint(inputs, len(res.Entries), res.Bytes)
		c.SetWalk(inputs, key, len(res.Entries))
		w = Walk{Inputs: inputs, Key: key, Files: len(res.Entries), Bytes: res.Bytes}
		for _, warn := range res.Warnings {
			info, err := os.Stat(filepath.Join(dir, warn.Path))
			if err != nil {
				t.Fatal(err)
			}
			w.Oversized = append(w.Oversized, PathStat{Path: warn.Path, Stat: StatOf(info)})
		}
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	return ok, w
}

// openRoot opens dir as an os.Root, closed when the test ends.
func openRoot(t *testing.T, dir string) *os.Root {
	t.Helper()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return root
}

func modTime(t *testing.T, path string) time.Time {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.ModTime()
}

// A rebuild with nothing changed is told so by Unchanged, with the last
// walk's result, and rewrites nothing; any change to a file the walk
// listed or to a folder it entered (even where it does not look: a dot
// file, sw.js, a link) makes it walk again, once.
func TestUnchanged(t *testing.T) {
	dir, cachePath := newSite(t)
	writeFile(t, filepath.Join(dir, "img/deep/big.png"), string(make([]byte, 200)))
	writeFile(t, filepath.Join(dir, "sw.js"), "// generated")
	if ok, _ := rebuild(t, dir, cachePath, "in"); ok {
		t.Fatal("first build: Unchanged with no cache")
	}
	_, walked := rebuild(t, dir, cachePath, "in") // records trusted from here
	ok, w := rebuild(t, dir, cachePath, "in")
	if !ok {
		t.Fatal("no change: not Unchanged")
	}
	if w.Key != walked.Key || w.Files != 3 || w.Bytes != walked.Bytes || len(w.dirs) != 5 || !slices.Equal(w.Oversized, walked.Oversized) ||
		len(w.Oversized) != 1 || w.Oversized[0].Path != "img/deep/big.png" || w.Oversized[0].Stat.Size != 200 {
		t.Errorf("Unchanged gave %+v, want the walk's %+v", w, walked)
	}
	saved := modTime(t, cachePath)
	if ok, _ := rebuild(t, dir, cachePath, "in"); !ok || !modTime(t, cachePath).Equal(saved) {
		t.Errorf("no change again: Unchanged %v, cache rewritten %v", ok, !modTime(t, cachePath).Equal(saved))
	}
	if ok, _ := rebuild(t, dir, cachePath, "other config"); ok {
		t.Error("other inputs: Unchanged")
	}
	rebuild(t, dir, cachePath, "in")

	for _, step := range []struct {
		name      string
		change    func()
		unchanged bool
	}{
		{"excluded file replaced", func() {
			os.Remove(filepath.Join(dir, "sw.js"))
			writeFile(t, filepath.Join(dir, "sw.js"), "// generated again")
		}, false},
		{"file rewritten, same size", func() { writeFile(t, filepath.Join(dir, "css/app.css"), "body{ }") }, false},
		{"file added deep", func() { writeFile(t, filepath.Join(dir, "img/deep/new.png"), "png") }, false},
		{"file removed", func() { os.Remove(filepath.Join(dir, "img/deep/new.png")) }, false},
		{"oversized file grew", func() { writeFile(t, filepath.Join(dir, "img/deep/big.png"), string(make([]byte, 300))) }, false},
		{"oversized file shrank into the precache", func() { writeFile(t, filepath.Join(dir, "img/deep/big.png"), "small") }, false},
		{"dot file added", func() { writeFile(t, filepath.Join(dir, "css/.swp"), "x") }, false},
		{"link added", func() {
			if err := os.Symlink("app.css", filepath.Join(dir, "css/alias.css")); err != nil {
				t.Skip("no symlinks here:", err)
			}
		}, false},
		{"link became a file", func() {
			os.Remove(filepath.Join(dir, "css/alias.css"))
			writeFile(t, filepath.Join(dir, "css/alias.css"), "x")
		}, false},
		{"empty folder added", func() {
			if err := os.Mkdir(filepath.Join(dir, "css/empty"), 0o755); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"folder became a link to another inside", func() {
			if err := os.Rename(filepath.Join(dir, "img/deep"), filepath.Join(dir, "img/moved")); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("moved", filepath.Join(dir, "img/deep")); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"folder became a link out of the root", func() {
			os.Remove(filepath.Join(dir, "img/deep"))
			outside := t.TempDir()
			writeFile(t, filepath.Join(outside, "secret.png"), "secret")
			if err := os.Symlink(outside, filepath.Join(dir, "img/deep")); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"file mode changed", func() {
			if err := os.Chmod(filepath.Join(dir, "js/app.js"), 0); err != nil {
				t.Fatal(err)
			}
		}, false},
	} {
		time.Sleep(10 * time.Millisecond) // a new timestamp even where they are coarse
		step.change()
		if ok, _ := rebuild(t, dir, cachePath, "in"); ok != step.unchanged {
			t.Errorf("%s: Unchanged %v, want %v", step.name, ok, step.unchanged)
		}
		rebuild(t, dir, cachePath, "in") // records trusted again
		if ok, w := rebuild(t, dir, cachePath, "in"); !ok {
			t.Errorf("%s, then no change: not Unchanged (%+v)", step.name, w)
		}
	}

	// Within the racy window, nothing is trusted.
	RacyWindow = time.Hour
	if ok, _ := rebuild(t, dir, cachePath, "in"); ok {
		t.Error("racy: Unchanged")
	}
	RacyWindow = 0
	rebuild(t, dir, cachePath, "in")

	// A build that saves other records without SetWalk (another
	// selection, as swkit serve's may be) drops the walk.
	c, _ := Load(cachePath, dir)
	if _, err := manifest.Build(os.DirFS(dir), manifest.Options{Cache: c, GlobPatterns: []string{"**/*.css"}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	if ok, _ := rebuild(t, dir, cachePath, "in"); ok {
		t.Error("after a build of other files without SetWalk: Unchanged")
	}
}

// A build that Unchanged confirmed keeps the walk when it saves for another
// reason (a new output record).
func TestUnchangedKeepsWalk(t *testing.T) {
	dir, cachePath := newSite(t)
	rebuild(t, dir, cachePath, "in")
	rebuild(t, dir, cachePath, "in")
	c, _ := Load(cachePath, dir)
	if _, ok := c.Unchanged(openRoot(t, dir), "in", 1); !ok {
		t.Fatal("not Unchanged")
	}
	c.SetOutput(Output{Key: "k", Files: map[string]OutputFile{"sw.js": {Sum: [32]byte{1}}}})
	saved := modTime(t, cachePath)
	time.Sleep(10 * time.Millisecond)
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	if modTime(t, cachePath).Equal(saved) {
		t.Fatal("a new output record was not saved")
	}
	if ok, _ := rebuild(t, dir, cachePath, "in"); !ok {
		t.Error("walk dropped by a save after Unchanged")
	}
}

// A walk whose records are not all saved (a file that changed while it was
// hashed is not stored) is not kept: Unchanged would not check that file.
func TestWalkNotKeptWithoutItsRecords(t *testing.T) {
	dir, cachePath := newSite(t)
	c, _ := Load(cachePath, dir)
	res, err := manifest.Build(openRoot(t, dir).FS(), manifest.Options{Cache: c})
	if err != nil {
		t.Fatal(err)
	}
	c.SetWalk("in", "k", len(res.Entries)+1) // one file more than recorded
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	if ok, _ := rebuild(t, dir, cachePath, "in"); ok {
		t.Error("Unchanged with a file of the walk not recorded")
	}
}

// The record of a walk starts at its root: a second walk in the same
// build replaces the first's folders and oversized files, and the record
// lists each once.
func TestWalkRecordStartsAtRoot(t *testing.T) {
	dir, cachePath := newSite(t)
	writeFile(t, filepath.Join(dir, "img/big.png"), string(make([]byte, 200)))
	c, _ := Load(cachePath, dir)
	root := openRoot(t, dir)
	opts := manifest.Options{Cache: c, MaximumFileSizeToCacheInBytes: 100}
	var res *manifest.Result
	for range 2 {
		var err error
		if res, err = manifest.Build(root.FS(), opts); err != nil {
			t.Fatal(err)
		}
	}
	c.SetWalk("in", "k", len(res.Entries))
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	c, _ = Load(cachePath, dir)
	var dirs []string
	for _, d := range c.walk.dirs {
		dirs = append(dirs, d.Path)
	}
	if got, want := strings.Join(dirs, " "), ". css img js"; got != want || len(c.walk.Oversized) != 1 {
		t.Errorf("folders %q and %d oversized files recorded, want %q and 1", got, len(c.walk.Oversized), want)
	}
	if _, ok := c.Unchanged(root, "in", 1); !ok {
		t.Error("not Unchanged after two walks")
	}
}
