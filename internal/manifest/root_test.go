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

// diskWays are the two ways to build a folder on disk: its os.Root's FS
// (each file opened from the top), and Options.Root (each file opened from
// its folder).
func diskWays(root *os.Root) map[string]func(Options) (*Result, error) {
	return map[string]func(Options) (*Result, error){
		"Root.FS()": func(o Options) (*Result, error) { return Build(root.FS(), o) },
		"Options.Root": func(o Options) (*Result, error) {
			o.Root = root
			return Build(nil, o)
		},
	}
}

// A folder on disk, through an os.Root, gives the same result as the same
// files in memory, whatever the number of workers.
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
	for way, build := range diskWays(root) {
		for _, c := range []int{1, 2, 3, 8, 64} {
			opts.Concurrency = c
			res, err := build(opts)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := json.Marshal(res); !bytes.Equal(got, want) {
				t.Fatalf("%s, concurrency %d: differs from Build of the same files in memory", way, c)
			}
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
	outside := writeTree(t, fstest.MapFS{"secret.txt": file("secret"), "d/secret.txt": file("secret"), "d/d.txt": file("secret")})
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
	for way, build := range diskWays(root) {
		res, err := build(Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := strings.Join(urls(res), " "), "a/b.txt a/ok.txt c/d.txt index.html"; got != want {
			t.Errorf("%s: got %q, want %q", way, got, want)
		}
		// Files, and a file's folder, replaced by links out of the root
		// between the walk and hashing.
		for _, tc := range []struct{ p, swap, target string }{
			{"a/b.txt", "a/b.txt", "secret.txt"},
			{"index.html", "index.html", "secret.txt"},
			{"c/d.txt", "c", "d"},
		} {
			swapped := filepath.Join(dir, filepath.FromSlash(tc.swap))
			saved := swapped + ".saved"
			swap := cacheHook(func(q string) {
				if q == tc.p {
					os.Rename(swapped, saved)
					if err := os.Symlink(filepath.Join(outside, tc.target), swapped); err != nil {
						t.Error(err)
					}
				}
			})
			_, err := build(Options{Cache: swap, Concurrency: 2})
			if err == nil || !strings.Contains(err.Error(), tc.p) {
				t.Errorf("%s: %s became a link out of the root: got %v, want an error naming %s", way, tc.swap, err, tc.p)
			}
			os.Remove(swapped)
			os.Rename(saved, swapped)
		}
	}
}

// A file gone between the walk and its hashing fails the build, naming it.
func TestBuildRootErrorsNamePath(t *testing.T) {
	dir := writeTree(t, fstest.MapFS{"a/b/c.txt": file("c"), "a/b/e.txt": file("e"), "x.txt": file("x")})
	root := openRoot(t, dir)
	for way, build := range diskWays(root) {
		for _, p := range []string{"a/b/e.txt", "x.txt"} {
			gone := cacheHook(func(q string) {
				if q == p {
					os.Remove(filepath.Join(dir, filepath.FromSlash(p)))
				}
			})
			_, err := build(Options{Cache: gone})
			if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), p) {
				t.Errorf("%s, %s: got %v, want ErrNotExist naming the path", way, p, err)
			}
			os.WriteFile(filepath.Join(dir, filepath.FromSlash(p)), []byte("back"), 0o644)
		}
	}
	// An unreadable folder fails the walk, naming it.
	if os.Getuid() != 0 {
		if err := os.Chmod(filepath.Join(dir, "a", "b"), 0); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(filepath.Join(dir, "a", "b"), 0o755)
		_, err := Build(root.FS(), Options{})
		if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), "a/b") {
			t.Errorf("unreadable folder: got %v", err)
		}
	}
}

// Many folders, a large one among them, with few workers: every folder and
// file opened is closed (a leak would show as descriptors left open).
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
	for way, build := range diskWays(root) {
		for _, c := range []int{1, 2, 7} {
			got, err := build(Options{Concurrency: c})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s, concurrency %d: differs from the build in memory", way, c)
			}
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

// Names that sort differently as names and as paths ("a" < "a-b" < "a.html"
// by name, "a-b/" < "a.html" < "a/" by path), with warnings among them: the
// same entries and warnings, in the same order, from disk as from memory.
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
	got, err := Build(openRoot(t, writeTree(t, site)).FS(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if gotJSON, _ := json.Marshal(got); !bytes.Equal(gotJSON, wantJSON) {
		t.Errorf("through an os.Root:\n%s\nin memory:\n%s", gotJSON, wantJSON)
	}
}

// recorder is a WalkRecorder that knows no file and notes the folders and
// oversized files Build tells it about.
type recorder struct {
	cacheHook
	dirs, oversized []string
}

func (r *recorder) StoreDir(p string, info fs.FileInfo) {
	if !info.IsDir() {
		panic(p + " recorded as a folder")
	}
	r.dirs = append(r.dirs, p)
}

func (r *recorder) StoreOversized(p string, info fs.FileInfo) {
	r.oversized = append(r.oversized, fmt.Sprintf("%s %d", p, info.Size()))
}

// A WalkRecorder hears of every folder the walk enters (not dot-folders, not
// trees an ignore pattern drops) and every file left out for its size, in
// walk order, from disk as from memory.
func TestWalkRecorder(t *testing.T) {
	big := &fstest.MapFile{Data: bytes.Repeat([]byte("z"), 100)}
	site := fstest.MapFS{
		"a/x.txt": file("1"), "a/big": big, "a-b/big": big, "a.big": big, ".git/big": big,
		"node_modules/m/big": big, "b/.hidden/x": file("2"), "c/d/e.txt": file("3"),
	}
	opts := Options{MaximumFileSizeToCacheInBytes: 50, GlobIgnores: []string{"node_modules/**"}}
	builds := diskWays(openRoot(t, writeTree(t, site)))
	builds["memory"] = func(o Options) (*Result, error) { return Build(site, o) }
	for name, build := range builds {
		r := &recorder{cacheHook: func(string) {}}
		opts.Cache = r
		res, err := build(opts)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := strings.Join(r.dirs, " "), ". a a-b b c c/d"; got != want {
			t.Errorf("%s: folders %q, want %q", name, got, want)
		}
		if got, want := strings.Join(r.oversized, ", "), "a/big 100, a-b/big 100, a.big 100"; got != want {
			t.Errorf("%s: oversized %q, want %q", name, got, want)
		}
		var warned []string
		for _, w := range res.Warnings {
			warned = append(warned, w.Path)
		}
		if got, want := strings.Join(warned, " "), "a/big a-b/big a.big"; got != want {
			t.Errorf("%s: warnings for %q, want %q", name, got, want)
		}
	}
}
