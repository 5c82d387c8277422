package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// writeTree writes site into a new folder and returns it.
func writeTree(t *testing.T, site fstest.MapFS) string {
	t.Helper()
	dir := t.TempDir()
	for name, f := range site {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func openRoot(t *testing.T, dir string) *os.Root {
	t.Helper()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return root
}

// Options.Root gives the same result as the generic fs.FS path, whatever the
// number of workers.
func TestBuildRootSameAsFS(t *testing.T) {
	site := tree(500)
	site[".hidden/x.txt"] = file("x")
	site["big/huge.bin"] = &fstest.MapFile{Data: bytes.Repeat([]byte("z"), 5000)}
	root := openRoot(t, writeTree(t, site))
	opts := Options{MaximumFileSizeToCacheInBytes: 4096}
	first, err := Build(site, opts)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(first)
	if len(first.Entries) != 500 || len(first.Warnings) != 1 {
		t.Fatalf("got %d entries and %d warnings, want 500 and 1", len(first.Entries), len(first.Warnings))
	}
	for _, c := range []int{1, 2, 3, 8, 64} {
		opts.Concurrency, opts.Root = c, root
		res, err := Build(nil, opts)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := json.Marshal(res); !bytes.Equal(got, want) {
			t.Fatalf("concurrency %d: Build through Options.Root differs from Build of the same files in an fs.FS", c)
		}
	}
}

// cacheHook runs before each file is opened for hashing (HashCache.Lookup
// is called first), and knows no file.
type cacheHook func(p string)

func (c cacheHook) Lookup(p string, _ fs.FileInfo) (sum [32]byte, ok bool) {
	c(p)
	return sum, false
}
func (cacheHook) Store(string, fs.FileInfo, [32]byte) {}

// A link that leads out of the root is never followed: the walk skips links,
// and a file or folder replaced by one after the walk fails to open.
func TestBuildRootLinks(t *testing.T) {
	outside := writeTree(t, fstest.MapFS{"secret.txt": file("secret"), "d/secret.txt": file("secret")})
	dir := writeTree(t, fstest.MapFS{"index.html": file("hi"), "a/ok.txt": file("ok"), "a/b.txt": file("b"), "c/d.txt": file("d")})
	for link, target := range map[string]string{
		"alias.html":  filepath.Join(outside, "secret.txt"),
		"a/alias.txt": filepath.Join(outside, "secret.txt"),
		"out":         filepath.Join(outside, "d"),
	} {
		if err := os.Symlink(target, filepath.Join(dir, filepath.FromSlash(link))); err != nil {
			t.Skip("no symlinks here:", err)
		}
	}
	root := openRoot(t, dir)
	res, err := Build(nil, Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(urls(res), " "), "a/b.txt a/ok.txt c/d.txt index.html"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// Files replaced by links out of the root between the walk and hashing.
	for _, p := range []string{"a/b.txt", "index.html"} {
		swap := cacheHook(func(q string) {
			if q == p {
				os.Remove(filepath.Join(dir, filepath.FromSlash(p)))
				if err := os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(dir, filepath.FromSlash(p))); err != nil {
					t.Error(err)
				}
			}
		})
		_, err := Build(nil, Options{Root: root, Cache: swap, Concurrency: 2})
		if err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s became a link out of the root: got %v, want an error naming it", p, err)
		}
	}
}

// A file gone between the walk and its hashing fails the build, naming it.
func TestBuildRootErrorsNamePath(t *testing.T) {
	dir := writeTree(t, fstest.MapFS{"a/b/c.txt": file("c"), "a/b/e.txt": file("e"), "x.txt": file("x")})
	root := openRoot(t, dir)
	for _, p := range []string{"a/b/e.txt", "x.txt"} {
		gone := cacheHook(func(q string) {
			if q == p {
				os.Remove(filepath.Join(dir, filepath.FromSlash(p)))
			}
		})
		_, err := Build(nil, Options{Root: root, Cache: gone})
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: got %v, want ErrNotExist naming the path", p, err)
		}
	}
	if _, err := Build(os.DirFS("/nonexistent-swkit"), Options{Root: root}); err != nil {
		t.Errorf("with Root set, fsys is not used: %v", err)
	}
	// An unreadable folder fails the walk, naming it.
	if os.Getuid() != 0 {
		if err := os.Chmod(filepath.Join(dir, "a", "b"), 0); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(filepath.Join(dir, "a", "b"), 0o755)
		_, err := Build(nil, Options{Root: root})
		if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), "a/b") {
			t.Errorf("unreadable folder: got %v", err)
		}
	}
}

// Many folders, a large one among them, with few workers: every folder
// handle is closed once its files are hashed (a leak would show as fds
// left open).
func TestBuildRootManyFolders(t *testing.T) {
	site := fstest.MapFS{}
	for i := range 300 {
		site[fmt.Sprintf("f%03d/x.txt", i)] = file(fmt.Sprint(i))
	}
	for i := range 200 {
		site[fmt.Sprintf("big/%03d.txt", i)] = file(fmt.Sprint(i))
	}
	root := openRoot(t, writeTree(t, site))
	want, err := Build(site, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fds := openFDs()
	for _, c := range []int{1, 2, 7} {
		got, err := Build(nil, Options{Root: root, Concurrency: c})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("concurrency %d: differs from the fs.FS build", c)
		}
	}
	if after := openFDs(); fds >= 0 && after > fds {
		t.Errorf("%d descriptors open before the builds, %d after", fds, after)
	}
}

// openFDs counts the process's open descriptors (-1 where it cannot tell).
func openFDs() int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(entries)
}

// Each folder handle (the os.Root one everywhere, the descriptor one on
// Linux) opens a folder's files and folders and refuses links, even to
// inside the folder.
func TestDirHandles(t *testing.T) {
	outside := writeTree(t, fstest.MapFS{"secret.txt": file("secret"), "d/s.txt": file("s")})
	dir := writeTree(t, fstest.MapFS{"x.txt": file("x"), "sub/y.txt": file("y")})
	for link, target := range map[string]string{
		"alias.txt": filepath.Join(outside, "secret.txt"),
		"out":       filepath.Join(outside, "d"),
		"in":        "sub",
		"in.txt":    "x.txt",
	} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Skip("no symlinks here:", err)
		}
	}
	root := openRoot(t, dir)
	native, err := openRootHandle(root)
	if err != nil {
		t.Fatal(err)
	}
	defer native.close()
	for _, h := range []dirHandle{rootHandle{r: root}, native} {
		name := fmt.Sprintf("%T", h)
		list, err := h.readDir(make([]byte, 64))
		if err != nil {
			t.Fatal(name, err)
		}
		got := map[string]fs.FileMode{}
		for _, e := range list {
			if !e.known {
				info, err := h.lstat(e.name, nil)
				if err != nil {
					t.Fatal(name, err)
				}
				e.typ = info.Mode().Type()
			}
			got[e.name] = e.typ
		}
		want := map[string]fs.FileMode{"x.txt": 0, "sub": fs.ModeDir, "alias.txt": fs.ModeSymlink, "out": fs.ModeSymlink, "in": fs.ModeSymlink, "in.txt": fs.ModeSymlink}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: listed %v, want %v", name, got, want)
		}
		if info, err := h.lstat("x.txt", nil); err != nil || info.Size() != 1 || !info.Mode().IsRegular() || info.Name() != "x.txt" {
			t.Errorf("%s: lstat x.txt: %v, %v", name, info, err)
		}
		if info, err := h.lstat("alias.txt", nil); err != nil || info.Mode().Type() != fs.ModeSymlink {
			t.Errorf("%s: lstat alias.txt: %v, %v", name, info, err)
		}
		if r, err := h.openFile("x.txt"); err != nil {
			t.Error(name, err)
		} else {
			r.Close()
		}
		sub, err := h.openDir("sub")
		if err != nil {
			t.Fatal(name, err)
		}
		if r, err := sub.openFile("y.txt"); err != nil {
			t.Error(name, err)
		} else {
			r.Close()
		}
		sub.close()
		for _, link := range []string{"alias.txt", "in.txt"} {
			if r, err := h.openFile(link); err == nil {
				r.Close()
				if link == "alias.txt" {
					t.Errorf("%s: opened a link out of the folder", name)
				}
			}
		}
		for _, link := range []string{"out", "in"} {
			if d, err := h.openDir(link); err == nil {
				d.close()
				t.Errorf("%s: opened the link %s as a folder", name, link)
			}
		}
	}
}

// The descriptor handle lists a folder larger than its buffer, across
// several getdents64 calls, names intact.
func TestDirHandleLargeFolder(t *testing.T) {
	site := fstest.MapFS{}
	for i := range 700 {
		site[fmt.Sprintf("%s-%04d.txt", strings.Repeat("n", i%50), i)] = file("x")
	}
	root := openRoot(t, writeTree(t, site))
	h, err := openRootHandle(root)
	if err != nil {
		t.Fatal(err)
	}
	defer h.close()
	list, err := h.readDir(make([]byte, 1024))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, e := range list {
		got[e.name] = true
	}
	if len(got) != len(site) {
		t.Fatalf("listed %d names, want %d", len(got), len(site))
	}
	for name := range site {
		if !got[name] {
			t.Fatalf("%q not listed", name)
		}
	}
}

// Names that sort differently as names and as paths ("a" < "a-b" < "a.html"
// by name, "a-b/" < "a.html" < "a/" by path), with warnings among them: the
// same entries and warnings, in the same order, as the fs.FS walk.
func TestBuildRootOrder(t *testing.T) {
	big := &fstest.MapFile{Data: bytes.Repeat([]byte("z"), 100)}
	site := fstest.MapFS{
		"a/x.txt": file("1"), "a/big": big, "a.html": file("2"), "a-b/x.txt": file("3"), "a-b/big": big,
		"a b.txt": file("4"), "a.big": big, "a%/y": file("5"), "a~": file("6"), "ab/c/d": file("7"), "ab/c.big": big,
		"é/x": file("8"), "e/x": file("9"), "a/b/c/big": big, "a/b.big": big,
	}
	opts := Options{MaximumFileSizeToCacheInBytes: 50}
	want, err := Build(site, opts)
	if err != nil {
		t.Fatal(err)
	}
	wantJSON, _ := json.Marshal(want)
	opts.Root = openRoot(t, writeTree(t, site))
	got, err := Build(nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	if gotJSON, _ := json.Marshal(got); !bytes.Equal(gotJSON, wantJSON) {
		t.Errorf("through Root:\n%s\nfs.FS:\n%s", gotJSON, wantJSON)
	}
}

func TestCompareOrders(t *testing.T) {
	dir := func(n string) dirEntry { return dirEntry{name: n, typ: fs.ModeDir} }
	reg := func(n string) dirEntry { return dirEntry{name: n} }
	for _, tc := range []struct {
		a, b dirEntry
		want int
	}{
		{dir("a"), reg("a-b"), 1}, {dir("a"), reg("a.b"), 1}, {reg("a"), reg("a.b"), -1},
		{dir("a"), dir("a0"), -1}, {reg("a"), dir("a"), -1}, {reg("b"), dir("a"), 1}, {dir("ab"), dir("ab"), 0},
	} {
		if got := compareEntries(&tc.a, &tc.b); (got > 0) != (tc.want > 0) || (got < 0) != (tc.want < 0) {
			t.Errorf("compareEntries(%v, %v) = %d, want sign %d", tc.a, tc.b, got, tc.want)
		}
	}
	walk := []string{"a", "a/b", "a/b/c", "a/c", "a-b", "a-b/x", "a.b", "b"}
	for i := range walk {
		for j := range walk {
			if got := compareWalkOrder(walk[i], walk[j]); (got < 0) != (i < j) || (got == 0) != (i == j) {
				t.Errorf("compareWalkOrder(%q, %q) = %d", walk[i], walk[j], got)
			}
		}
	}
}
