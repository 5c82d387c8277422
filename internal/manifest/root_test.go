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

// rootFolder (the way files are opened where openat is not used directly)
// opens a folder's files and refuses links out of it.
func TestRootFolder(t *testing.T) {
	outside := writeTree(t, fstest.MapFS{"secret.txt": file("secret")})
	dir := writeTree(t, fstest.MapFS{"x.txt": file("x")})
	if err := os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(dir, "alias.txt")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	f := rootFolder{openRoot(t, dir)}
	if r, err := f.open("x.txt"); err != nil {
		t.Error(err)
	} else {
		r.Close()
	}
	if r, err := f.open("alias.txt"); err == nil {
		r.Close()
		t.Error("opened a link out of the folder")
	}
}
