package buildcache

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/swkit/swkit/internal/manifest"
)

var _ manifest.HashCache = (*Cache)(nil)

// countingFS counts the files opened for reading.
type countingFS struct {
	fs.FS
	opens atomic.Int64
}

func (c *countingFS) Open(name string) (fs.File, error) {
	f, err := c.FS.Open(name)
	if err == nil {
		if st, err := f.Stat(); err == nil && !st.IsDir() {
			c.opens.Add(1)
		}
	}
	return f, err
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// build runs manifest.Build over dir with the cache file at cachePath and
// returns the entries, the files read, and Load's warning.
func build(t *testing.T, dir, cachePath string) ([]manifest.Entry, int64, error) {
	t.Helper()
	c, warn := Load(cachePath, dir)
	fsys := &countingFS{FS: os.DirFS(dir)}
	res, err := manifest.Build(fsys, manifest.Options{Cache: c})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	return res.Entries, fsys.opens.Load(), warn
}

func newSite(t *testing.T) (dir, cachePath string) {
	t.Helper()
	dir = t.TempDir()
	writeFile(t, filepath.Join(dir, "index.html"), "<h1>home</h1>")
	writeFile(t, filepath.Join(dir, "css/app.css"), "body{}")
	writeFile(t, filepath.Join(dir, "js/app.js"), "console.log(1)")
	return dir, filepath.Join(t.TempDir(), "cache", "site.json")
}

func TestHitAndMiss(t *testing.T) {
	dir, cachePath := newSite(t)
	first, reads, warn := build(t, dir, cachePath)
	if warn != nil || reads != 3 {
		t.Fatalf("first build: read %d files, warning %v; want 3, none", reads, warn)
	}

	// Nothing changed: nothing is read, the same entries come out, and the
	// cache file is not rewritten.
	before, err := os.Stat(cachePath)
	if err != nil {
		t.Fatal(err)
	}
	second, reads, _ := build(t, dir, cachePath)
	if reads != 0 {
		t.Errorf("no-change build read %d files, want 0", reads)
	}
	if !equalEntries(first, second) {
		t.Errorf("no-change build gave %v, want %v", second, first)
	}
	if after, _ := os.Stat(cachePath); !after.ModTime().Equal(before.ModTime()) {
		t.Error("a no-change build rewrote the cache file")
	}

	// One file rewritten with another size: only it is read again.
	writeFile(t, filepath.Join(dir, "css/app.css"), "body{color:red}")
	third, reads, _ := build(t, dir, cachePath)
	if reads != 1 {
		t.Errorf("after one change: read %d files, want 1", reads)
	}
	if equalEntries(first, third) {
		t.Error("the changed file kept its old revision")
	}

	// Same size, new modification time: read again.
	writeFile(t, filepath.Join(dir, "js/app.js"), "console.log(2)")
	future := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "js/app.js"), future, future); err != nil {
		t.Fatal(err)
	}
	if _, reads, _ = build(t, dir, cachePath); reads != 1 {
		t.Errorf("after a same-size change: read %d files, want 1", reads)
	}
}

// TestForgetsRemovedFiles: the saved cache holds only the files of the last
// build.
func TestForgetsRemovedFiles(t *testing.T) {
	dir, cachePath := newSite(t)
	build(t, dir, cachePath)
	if err := os.Remove(filepath.Join(dir, "js/app.js")); err != nil {
		t.Fatal(err)
	}
	build(t, dir, cachePath)
	data, err := os.ReadFile(cachePath)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "js/app.js") {
		t.Errorf("cache still lists a removed file: %s", data)
	}
}

func TestBadCacheIsIgnoredAndRewritten(t *testing.T) {
	for _, tc := range []struct {
		name, content, warning string
	}{
		{"corrupt", `{"version":1,"files":{`, "corrupt"},
		{"not json", "\x00\x01garbage", "corrupt"},
		{"other version", `{"version":99,"files":{}}`, "format 99"},
		{"other folder", `{"version":1,"root":"/elsewhere","files":{}}`, "belongs to /elsewhere"},
		{"bad digest", "", ""}, // filled in below
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, cachePath := newSite(t)
			want, _, _ := build(t, dir, filepath.Join(t.TempDir(), "reference.json"))
			content := tc.content
			if tc.name == "bad digest" {
				// A well-formed file whose digests are not hex: those
				// entries are misses, with no warning.
				build(t, dir, cachePath)
				data, _ := os.ReadFile(cachePath)
				content = strings.ReplaceAll(string(data), `"sha256":"`, `"sha256":"zz`)
			}
			writeFile(t, cachePath, content)
			got, reads, warn := build(t, dir, cachePath)
			if tc.warning == "" && warn != nil || tc.warning != "" && (warn == nil || !strings.Contains(warn.Error(), tc.warning)) {
				t.Errorf("warning %v, want one containing %q", warn, tc.warning)
			}
			if reads != 3 || !equalEntries(got, want) {
				t.Errorf("read %d files, entries %v; want 3, %v", reads, got, want)
			}
			// Rewritten: the next build reads nothing.
			if _, reads, warn := build(t, dir, cachePath); reads != 0 || warn != nil {
				t.Errorf("after the rewrite: read %d files, warning %v; want 0, none", reads, warn)
			}
		})
	}
}

func TestUnreadableCacheWarns(t *testing.T) {
	dir, _ := newSite(t)
	c, warn := Load(t.TempDir(), dir) // a folder, not a file
	if warn == nil || !strings.Contains(warn.Error(), "unreadable") {
		t.Errorf("warning %v, want one saying unreadable", warn)
	}
	res, err := manifest.Build(os.DirFS(dir), manifest.Options{Cache: c})
	if err != nil || len(res.Entries) != 3 {
		t.Errorf("build with an empty cache: %v, %v", res, err)
	}
}

func TestDefaultPath(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", "/cache-home")
	a, err := DefaultPath("/srv/site")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := DefaultPath("/srv/site/../site")
	c, _ := DefaultPath("/srv/other")
	if a != b || a == c || filepath.Dir(a) != filepath.Join("/cache-home", "swkit") || filepath.Ext(a) != ".json" {
		t.Errorf("DefaultPath: %s, %s, %s", a, b, c)
	}
}

func equalEntries(a, b []manifest.Entry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
