package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
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

// A link that leads out of the root is never followed: the walk skips links,
// and a file or folder replaced by one after the walk fails to open.
func TestBuildRootLinks(t *testing.T) {
	outside := writeTree(t, fstest.MapFS{"secret.txt": file("secret"), "d/secret.txt": file("secret")})
	dir := writeTree(t, fstest.MapFS{"index.html": file("hi"), "a/ok.txt": file("ok")})
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
	if got, want := strings.Join(urls(res), " "), "a/ok.txt index.html"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// What a worker does with a path that became a link after the walk.
	w := (&folderOpener{root: root}).worker()
	defer w.close()
	for _, p := range []string{"alias.html", "a/alias.txt", "out/secret.txt"} {
		if f, err := w.open(p); err == nil {
			f.Close()
			t.Errorf("%s: opened a file outside the root", p)
		} else if !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %q does not name the path", p, err)
		}
	}
	if f, err := w.open("a/ok.txt"); err != nil {
		t.Errorf("a/ok.txt: %v", err)
	} else {
		f.Close()
	}
}

// A file gone between the walk and its hashing fails the build, naming it.
func TestBuildRootErrorsNamePath(t *testing.T) {
	root := openRoot(t, writeTree(t, fstest.MapFS{"a/b/c.txt": file("c"), "x.txt": file("x")}))
	w := (&folderOpener{root: root}).worker()
	defer w.close()
	for _, p := range []string{"a/b/gone.txt", "a/nope/c.txt", "gone.txt"} {
		_, err := w.open(p)
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: got %v, want ErrNotExist naming the path", p, err)
		}
	}
	if _, err := Build(os.DirFS("/nonexistent-swkit"), Options{Root: root}); err != nil {
		t.Errorf("with Root set, fsys is not used: %v", err)
	}
}
