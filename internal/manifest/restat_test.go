package manifest

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

var restatSite = fstest.MapFS{
	"index.html":        file("home"),
	"a/x.css":           file("x"),
	"a/b/c/deep.js":     file("deep"),
	"a/b/c/.hidden":     file("h"),
	"a-b/y.css":         file("y"),
	"empty/.keep":       file(""),
	"z/zz/zzz/last.txt": file("last"),
}

// stats is a Restat check that records what it saw.
type stats struct {
	mu    sync.Mutex
	dirs  map[string]int // calls by folder
	files map[string]int64
	lists map[string]string
	// reject names a folder or file to refuse; listDir a folder whose
	// listing to ask for.
	reject, listDir string
}

func (s *stats) check(dirs, files []string) RestatCheck {
	s.dirs, s.files, s.lists = map[string]int{}, map[string]int64{}, map[string]string{}
	return RestatCheck{
		Dir: func(i int, info fs.FileInfo, list func() ([]string, []fs.FileMode, error)) bool {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.dirs[dirs[i]]++
			if dirs[i] == s.listDir {
				names, types, err := list()
				if err != nil {
					return false
				}
				var b strings.Builder
				for k, n := range names {
					fmt.Fprintf(&b, "%s:%v ", n, types[k].IsDir())
				}
				s.lists[dirs[i]] = b.String()
			}
			return info.IsDir() && dirs[i] != s.reject
		},
		File: func(k int, info fs.FileInfo) bool {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.files[files[k]] = info.Size()
			return files[k] != s.reject
		},
	}
}

// restatThrough runs Restat with the native folder handle (the descriptor
// one on Linux) or, when portable, os.Root's.
func restatThrough(t *testing.T, portable bool, root *os.Root, dirs, files []string, check RestatCheck, workers int) bool {
	t.Helper()
	if !portable {
		return Restat(root, dirs, files, check, workers)
	}
	return restat(rootHandle{r: root}, dirs, files, check, workers)
}

func TestRestat(t *testing.T) {
	dirs := []string{".", "a", "a-b", "a/b", "a/b/c", "empty", "z", "z/zz", "z/zz/zzz"}
	files := []string{"a-b/y.css", "a/b/c/deep.js", "a/x.css", "index.html", "z/zz/zzz/last.txt"}
	for _, tc := range []struct {
		workers  int
		portable bool
	}{{1, false}, {2, false}, {8, false}, {2, true}} {
		t.Run(fmt.Sprintf("%d workers, portable %v", tc.workers, tc.portable), func(t *testing.T) {
			workers := tc.workers
			dir := writeTree(t, restatSite)
			root := openRoot(t, dir)
			var s stats
			s.listDir = "a/b/c"
			if !restatThrough(t, tc.portable, root, dirs, files, s.check(dirs, files), workers) {
				t.Fatal("unchanged tree: Restat said changed")
			}
			for _, d := range dirs {
				if s.dirs[d] != 1 {
					t.Errorf("folder %s checked %d times, want once", d, s.dirs[d])
				}
			}
			for _, f := range files {
				if got, want := s.files[f], int64(len(restatSite[f].Data)); got != want {
					t.Errorf("file %s: size %d, want %d", f, got, want)
				}
			}
			if got, want := s.lists["a/b/c"], "deep.js:false "; got != want {
				t.Errorf("listing of a/b/c: %q, want %q (no dot names)", got, want)
			}
			s.listDir = "a"
			restatThrough(t, tc.portable, root, dirs, files, s.check(dirs, files), workers)
			if got, want := s.lists["a"], "b:true x.css:false "; got != want {
				t.Errorf("listing of a: %q, want %q", got, want)
			}
		})
	}
}

func TestRestatChanged(t *testing.T) {
	dirs := []string{".", "a", "a-b", "a/b", "a/b/c", "empty", "z", "z/zz", "z/zz/zzz"}
	files := []string{"a-b/y.css", "a/b/c/deep.js", "a/x.css", "index.html", "z/zz/zzz/last.txt"}
	for _, tc := range []struct {
		name        string
		dirs, files []string
		reject      string
		change      func(t *testing.T, dir string)
	}{
		{name: "file refused", reject: "a/x.css"},
		{name: "folder refused", reject: "z/zz"},
		{name: "file gone", change: func(t *testing.T, dir string) { remove(t, dir, "a/b/c/deep.js") }},
		{name: "folder gone", change: func(t *testing.T, dir string) { remove(t, dir, "z") }},
		{name: "file now a folder", change: func(t *testing.T, dir string) {
			remove(t, dir, "index.html")
			mkdir(t, dir, "index.html")
		}},
		{name: "folder now a file", change: func(t *testing.T, dir string) {
			remove(t, dir, "empty")
			writeFileIn(t, dir, "empty", "now a file")
		}},
		{name: "file now a link", change: func(t *testing.T, dir string) {
			remove(t, dir, "a/x.css")
			symlink(t, filepath.Join(dir, "index.html"), filepath.Join(dir, "a/x.css"))
		}},
		{name: "folder now a link inside", change: func(t *testing.T, dir string) {
			// The same files are there through the link: it must not be
			// followed all the same.
			if err := os.Rename(filepath.Join(dir, "a/b"), filepath.Join(dir, "moved")); err != nil {
				t.Fatal(err)
			}
			symlink(t, filepath.Join(dir, "moved"), filepath.Join(dir, "a/b"))
		}},
		{name: "folder now a link outside", change: func(t *testing.T, dir string) {
			outside := writeTree(t, fstest.MapFS{"zzz/last.txt": file("last")})
			remove(t, dir, "z/zz")
			symlink(t, outside, filepath.Join(dir, "z/zz"))
		}},
		{name: "a file's folder not listed", dirs: []string{".", "a"}, files: []string{"a/x.css", "a-b/y.css"}},
	} {
		for _, portable := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, portable %v", tc.name, portable), func(t *testing.T) {
				dir := writeTree(t, restatSite)
				if tc.change != nil {
					tc.change(t, dir)
				}
				d, f := dirs, files
				if tc.dirs != nil {
					d, f = tc.dirs, tc.files
				}
				s := stats{reject: tc.reject}
				if restatThrough(t, portable, openRoot(t, dir), d, f, s.check(d, f), 2) {
					t.Errorf("Restat said unchanged; checked folders %v, files %v", s.dirs, s.files)
				}
			})
		}
	}
}

// Each handle opens a folder by its path below it, one element at a time
// or (Linux) with openat2, and refuses a path through a link.
func TestOpenPath(t *testing.T) {
	outside := writeTree(t, fstest.MapFS{"c/secret.txt": file("secret")})
	dir := writeTree(t, fstest.MapFS{"a/b/c/in.txt": file("in"), "x/y.txt": file("y")})
	symlink(t, filepath.Join(dir, "a/b"), filepath.Join(dir, "x/inside"))
	symlink(t, outside, filepath.Join(dir, "x/outside"))
	root := openRoot(t, dir)
	native, err := openRootHandle(root)
	if err != nil {
		t.Fatal(err)
	}
	defer native.close()
	type opener struct {
		name string
		open func(string) (dirHandle, error)
	}
	openers := []opener{
		{"rootHandle", rootHandle{r: root}.openPath},
		{"native", native.openPath},
		{"native by name", func(p string) (dirHandle, error) { return openPathByName(native, p) }},
	}
	for _, o := range openers {
		for _, tc := range []struct {
			path string
			want []string // the names listed, nil: refused
		}{
			{"a", []string{"b"}},
			{"a/b/c", []string{"in.txt"}},
			{"x/inside", nil},
			{"x/inside/c", nil},
			{"x/outside/c", nil},
			{"a/../x", nil},
			{"../" + filepath.Base(dir), nil},
			{"x/y.txt", nil},
			{"a//b", nil},
		} {
			h, err := o.open(tc.path)
			if tc.want == nil {
				if err == nil {
					h.close()
					t.Errorf("%s: opened %s", o.name, tc.path)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s: %s: %v", o.name, tc.path, err)
				continue
			}
			list, err := h.readDir(make([]byte, 4096))
			h.close()
			var names []string
			for _, e := range list {
				names = append(names, e.name)
			}
			slices.Sort(names)
			if err != nil || !slices.Equal(names, tc.want) {
				t.Errorf("%s: %s lists %v (%v), want %v", o.name, tc.path, names, err, tc.want)
			}
		}
	}
}

func remove(t *testing.T, dir, name string) {
	t.Helper()
	if err := os.RemoveAll(filepath.Join(dir, filepath.FromSlash(name))); err != nil {
		t.Fatal(err)
	}
}

func mkdir(t *testing.T, dir, name string) {
	t.Helper()
	if err := os.Mkdir(filepath.Join(dir, filepath.FromSlash(name)), 0o755); err != nil {
		t.Fatal(err)
	}
}

func writeFileIn(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(name)), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skip("no symlinks here:", err)
	}
}

// Relevant accepts exactly the entries Build would enter or select.
func TestRelevant(t *testing.T) {
	relevant, err := Relevant(Options{GlobPatterns: []string{"**/*.{html,css}"}, GlobIgnores: []string{"node_modules/**", "**/*.min.css"}, Exclude: []string{"sw.js", "a/skip.html"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		p    string
		typ  fs.FileMode
		want bool
	}{
		{"index.html", 0, true},
		{"a/b/style.css", 0, true},
		{"a/skip.html", 0, false},
		{"sw.js", 0, false},
		{"app.js", 0, false},
		{"vendor.min.css", 0, false},
		{".hidden.html", 0, false},
		{"a/.cache", fs.ModeDir, false},
		{"a", fs.ModeDir, true},
		{"a/js", fs.ModeDir, true}, // entered, whatever it holds
		{"node_modules", fs.ModeDir, false},
		{"page.html", fs.ModeSymlink, false},
		{"fifo.html", fs.ModeNamedPipe, false},
	} {
		if got := relevant(tc.p, tc.typ); got != tc.want {
			t.Errorf("relevant(%q, %v) = %v, want %v", tc.p, tc.typ, got, tc.want)
		}
	}
	if _, err := Relevant(Options{GlobPatterns: []string{"a/[b"}}); err == nil {
		t.Error("a bad pattern: no error")
	}
}
