package sitebuild

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/manifest"
)

func reuseSite(t *testing.T) (string, *os.Root) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{"index.html": "<h1>home</h1>", "css/app.css": "body{}"} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return dir, root
}

// BuildRootReusing without a previous output generates what BuildRoot does,
// and with the previous output for its key returns it and the same manifest
// without generating.
func TestBuildRootReusing(t *testing.T) {
	_, root := reuseSite(t)
	cfg := config.Defaults(config.Config{})
	want, err := Build(root.FS(), cfg, Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	first, err := Build(root.FS(), cfg, Options{Root: root, Reuse: &Reuse{Extra: []byte("v1")}})
	if err != nil {
		t.Fatal(err)
	}
	if first.Reused || first.Key == "" || !bytes.Equal(first.Worker, want.Worker) || !bytes.Equal(first.PageHelper, want.PageHelper) {
		t.Fatalf("first build: reused %v, key %q, same worker %v", first.Reused, first.Key, bytes.Equal(first.Worker, want.Worker))
	}
	var asked []string
	prev := func(key string) (*Output, bool) {
		asked = append(asked, key)
		if key != first.Key {
			return nil, false
		}
		return &Output{Worker: []byte("previous worker"), PageHelper: first.PageHelper}, true
	}
	again, err := Build(root.FS(), cfg, Options{Root: root, Reuse: &Reuse{Extra: []byte("v1"), Previous: prev}})
	if err != nil {
		t.Fatal(err)
	}
	wm, _ := json.Marshal(want.Manifest)
	gm, _ := json.Marshal(again.Manifest)
	if !again.Reused || again.Key != first.Key || string(again.Worker) != "previous worker" || !bytes.Equal(gm, wm) {
		t.Errorf("no-change build: reused %v, key %q (want %q), worker %q, manifest\n%s\nwant\n%s",
			again.Reused, again.Key, first.Key, again.Worker, gm, wm)
	}

	// Another swkit build: another key, generated.
	other, err := Build(root.FS(), cfg, Options{Root: root, Reuse: &Reuse{Extra: []byte("v2"), Previous: prev}})
	if err != nil {
		t.Fatal(err)
	}
	if other.Reused || other.Key == first.Key || !bytes.Equal(other.Worker, want.Worker) {
		t.Errorf("other swkit build: reused %v, key %q", other.Reused, other.Key)
	}
	if len(asked) != 2 {
		t.Errorf("Previous asked %d times, want 2", len(asked))
	}
}

// The key changes with any file's content, the config and Extra, and only
// with them.
func TestKeyChanges(t *testing.T) {
	dir, root := reuseSite(t)
	cfg := config.Defaults(config.Config{})
	key := func(cfg config.Config, extra string) string {
		t.Helper()
		out, err := Build(root.FS(), cfg, Options{Root: root, Reuse: &Reuse{Extra: []byte(extra)}})
		if err != nil {
			t.Fatal(err)
		}
		return out.Key
	}
	k := key(cfg, "v1")
	if key(cfg, "v1") != k {
		t.Fatal("same inputs, another key")
	}
	if key(cfg, "v2") == k {
		t.Error("another Extra (swkit build), same key")
	}
	other := cfg
	other.SwDest = "service-worker.js"
	if key(other, "v1") == k {
		t.Error("another config, same key")
	}
	if err := os.WriteFile(filepath.Join(dir, "css/app.css"), []byte("body{color:red}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if key(cfg, "v1") == k {
		t.Error("a changed file, same key")
	}
}

// BuildID names the running binary: stable within a process.
func TestBuildID(t *testing.T) {
	a, b := BuildID(), BuildID()
	if len(a) == 0 || !bytes.Equal(a, b) || !bytes.Contains(a, []byte("exe ")) {
		t.Errorf("BuildID: %q, %q", a, b)
	}
}

// Key over several chunks: the same for any number of goroutines, another
// for any change of an entry's field, or of their order.
func TestKeyChunks(t *testing.T) {
	cfg := config.Defaults(config.Config{})
	var entries []manifest.Entry
	for i := range 3*keyChunk + 7 {
		e := manifest.EntryFor(fmt.Sprintf("f%05d.txt", i), []byte(fmt.Sprint(i)))
		entries = append(entries, e)
	}
	key := func(es []manifest.Entry) string {
		t.Helper()
		k, err := Key(es, cfg, []byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	k := key(entries)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	if key(entries) != k {
		t.Fatal("another key with one goroutine")
	}
	runtime.GOMAXPROCS(7)
	if key(entries) != k {
		t.Fatal("another key with seven goroutines")
	}
	last := len(entries) - 1
	for name, change := range map[string]func(e *manifest.Entry){
		"url":       func(e *manifest.Entry) { e.URL += "x" },
		"integrity": func(e *manifest.Entry) { e.Integrity = "sha256-x" },
		"size":      func(e *manifest.Entry) { e.Size++ },
		"revision":  func(e *manifest.Entry) { e.Revision = "" },
	} {
		for _, i := range []int{0, keyChunk, last} {
			es := slices.Clone(entries)
			change(&es[i])
			if key(es) == k {
				t.Errorf("entry %d's %s changed, same key", i, name)
			}
		}
	}
	es := slices.Clone(entries)
	es[keyChunk], es[keyChunk+1] = es[keyChunk+1], es[keyChunk]
	if key(es) == k {
		t.Error("two entries swapped, same key")
	}
	if key(entries[:last]) == k {
		t.Error("one entry fewer, same key")
	}
}
