package buildcache

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
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
	opts := manifest.Options{MaximumFileSizeToCacheInBytes: 100, Exclude: []string{"sw.js"}}
	relevant, err := manifest.Relevant(opts)
	if err != nil {
		t.Fatal(err)
	}
	w, ok := c.Unchanged(root, inputs, relevant, 2)
	if !ok {
		opts.Cache, opts.Root = c, root
		res, err := manifest.Build(nil, opts)
		if err != nil {
			t.Fatal(err)
		}
		key := fmt.Sprint(inputs, len(res.Entries), res.Bytes)
		c.SetWalk(inputs, key, len(res.Entries), res.Folders)
		w = Walk{Inputs: inputs, Key: key, Files: len(res.Entries), Dirs: res.Folders, Bytes: res.Bytes}
		for _, warn := range res.Warnings {
			info, err := os.Stat(filepath.Join(dir, warn.Path))
			if err != nil {
				t.Fatal(err)
			}
			w.Oversized = append(w.Oversized, Oversized{Path: warn.Path, Stat: StatOf(info)})
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
// walk's result, and rewrites nothing; any change that could change the
// walk's result makes it walk again.
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
	if w.Key != walked.Key || w.Files != 3 || w.Bytes != walked.Bytes || w.Dirs != walked.Dirs || !slices.Equal(w.Oversized, walked.Oversized) ||
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
		{"excluded file replaced: its folder listed again", func() {
			os.Remove(filepath.Join(dir, "sw.js"))
			writeFile(t, filepath.Join(dir, "sw.js"), "// generated again")
		}, true},
		{"file rewritten, same size", func() { writeFile(t, filepath.Join(dir, "css/app.css"), "body{ }") }, false},
		{"file added deep", func() { writeFile(t, filepath.Join(dir, "img/deep/new.png"), "png") }, false},
		{"file removed", func() { os.Remove(filepath.Join(dir, "img/deep/new.png")) }, false},
		{"oversized file grew", func() { writeFile(t, filepath.Join(dir, "img/deep/big.png"), string(make([]byte, 300))) }, false},
		{"oversized file shrank into the precache", func() { writeFile(t, filepath.Join(dir, "img/deep/big.png"), "small") }, false},
		{"dot file added", func() { writeFile(t, filepath.Join(dir, "css/.swp"), "x") }, true},
		{"excluded file removed", func() { os.Remove(filepath.Join(dir, "sw.js")) }, true},
		{"excluded file added", func() { writeFile(t, filepath.Join(dir, "sw.js"), "// new") }, true},
		{"link added", func() {
			if err := os.Symlink("app.css", filepath.Join(dir, "css/alias.css")); err != nil {
				t.Skip("no symlinks here:", err)
			}
		}, true},
		{"link became a file", func() {
			os.Remove(filepath.Join(dir, "css/alias.css"))
			writeFile(t, filepath.Join(dir, "css/alias.css"), "x")
		}, false},
		{"empty folder added", func() {
			if err := os.Mkdir(filepath.Join(dir, "css/empty"), 0o755); err != nil {
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

// A folder whose names changed only where the walk does not look (sw.js
// written) passes without rewriting the cache, and again next time.
func TestUnchangedRelistedNotSaved(t *testing.T) {
	dir, cachePath := newSite(t)
	rebuild(t, dir, cachePath, "in")
	rebuild(t, dir, cachePath, "in")
	saved := modTime(t, cachePath)
	time.Sleep(10 * time.Millisecond)
	writeFile(t, filepath.Join(dir, "sw.js"), "// excluded")
	for i := range 2 {
		if ok, _ := rebuild(t, dir, cachePath, "in"); !ok {
			t.Fatalf("build %d after sw.js was written: not Unchanged", i+1)
		}
		if !modTime(t, cachePath).Equal(saved) {
			t.Fatalf("build %d after sw.js was written: the cache was rewritten", i+1)
		}
	}
}

// Without a relevant function, any change of names in a folder is a
// change.
func TestUnchangedExactListing(t *testing.T) {
	dir, cachePath := newSite(t)
	rebuild(t, dir, cachePath, "in")
	rebuild(t, dir, cachePath, "in")
	time.Sleep(10 * time.Millisecond)
	writeFile(t, filepath.Join(dir, "sw.js"), "// excluded")
	c, _ := Load(cachePath, dir)
	if _, ok := c.Unchanged(openRoot(t, dir), "in", nil, 1); ok {
		t.Error("a name added: Unchanged without a relevant function")
	}
}

// A build that Unchanged confirmed keeps the walk when it saves for another
// reason (a new output record).
func TestUnchangedKeepsWalk(t *testing.T) {
	dir, cachePath := newSite(t)
	rebuild(t, dir, cachePath, "in")
	rebuild(t, dir, cachePath, "in")
	c, _ := Load(cachePath, dir)
	if _, ok := c.Unchanged(openRoot(t, dir), "in", nil, 1); !ok {
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
	res, err := manifest.Build(nil, manifest.Options{Cache: c, Root: openRoot(t, dir)})
	if err != nil {
		t.Fatal(err)
	}
	c.SetWalk("in", "k", len(res.Entries)+1, res.Folders) // one file more than recorded
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	if ok, _ := rebuild(t, dir, cachePath, "in"); ok {
		t.Error("Unchanged with a file of the walk not recorded")
	}
}
