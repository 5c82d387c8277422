package swkit

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/buildcache"
)

// outputCache returns a cache whose output record is rec, saved and loaded
// again (so that its stats are dated by a build that began before now).
func outputCache(t *testing.T, dir string, rec buildcache.Output) *buildcache.Cache {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c.bin")
	c, _ := buildcache.Load(path, dir)
	c.SetOutput(rec)
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	c, err := buildcache.Load(path, dir)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writeOutputs(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// previousOutput reuses the generated files only for the same key and only
// when each is on disk with the digest recorded.
func TestPreviousOutput(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{"sw.js": "// swkit worker", "swkit.js": "// swkit helper", "swkit-manifest-1.js": "// swkit part"}
	writeOutputs(t, dir, files)
	rec := buildcache.Output{Key: "k", Files: map[string]buildcache.OutputFile{}}
	for name, content := range files {
		rec.Files[name] = buildcache.OutputFile{Sum: sha256.Sum256([]byte(content))} // no stat: read and hashed
	}
	cfg := config.Defaults(config.Config{})
	c := outputCache(t, dir, rec)
	out, ok := (&siteDir{dir: dir}).previousOutput(cfg, c, "k")
	if !ok || string(out.Worker) != files["sw.js"] || string(out.PageHelper) != files["swkit.js"] ||
		len(out.Imports) != 1 || string(out.Imports["swkit-manifest-1.js"]) != files["swkit-manifest-1.js"] {
		t.Fatalf("same key, files intact: %v, %+v", ok, out)
	}
	if _, ok := (&siteDir{dir: dir}).previousOutput(cfg, c, "other"); ok {
		t.Error("reused for another key")
	}
	if _, ok := (&siteDir{dir: dir}).previousOutput(cfg, outputCache(t, dir, buildcache.Output{}), ""); ok {
		t.Error("reused with no record")
	}
	bad := buildcache.Output{Key: "k", Files: map[string]buildcache.OutputFile{"sw.js": rec.Files["sw.js"], "swkit.js": rec.Files["swkit.js"], "../x": {}}}
	if _, ok := (&siteDir{dir: dir}).previousOutput(cfg, outputCache(t, dir, bad), "k"); ok {
		t.Error("reused with a path outside the folder")
	}
	if err := os.WriteFile(filepath.Join(dir, "swkit-manifest-1.js"), []byte("// swkit edited"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, ok := (&siteDir{dir: dir}).previousOutput(cfg, c, "k"); ok {
		t.Error("reused with a manifest part changed on disk")
	}
	if err := os.Remove(filepath.Join(dir, "swkit-manifest-1.js")); err != nil {
		t.Fatal(err)
	}
	if _, ok := (&siteDir{dir: dir}).previousOutput(cfg, c, "k"); ok {
		t.Error("reused with a manifest part missing")
	}
}

// A generated file whose stat is the one recorded (and trusted) is not
// hashed; one whose stat changed is, and is refused when its content did
// too; the new stats of files confirmed by their digest are recorded when
// that saves reading enough bytes.
func TestPreviousOutputStats(t *testing.T) {
	defer func(w time.Duration) { buildcache.RacyWindow = w }(buildcache.RacyWindow)
	buildcache.RacyWindow = 0
	dir := t.TempDir()
	big := "// swkit part\n" + string(bytes.Repeat([]byte("x"), refreshBytes))
	files := map[string]string{"sw.js": "// swkit worker", "swkit.js": "// swkit helper", "swkit-manifest-1.js": big}
	writeOutputs(t, dir, files)
	cfg := config.Defaults(config.Config{})
	rec := buildcache.Output{Key: "k", Files: map[string]buildcache.OutputFile{}}
	for name := range files {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		// A wrong digest with the right stat: reused only if not hashed.
		rec.Files[name] = buildcache.OutputFile{Sum: [32]byte{1}, Stat: buildcache.StatOf(info)}
	}
	c := outputCache(t, dir, rec)
	out, ok := (&siteDir{dir: dir}).previousOutput(cfg, c, "k")
	if !ok {
		t.Fatal("files with their recorded stats were hashed")
	}
	if data, ok := out.Imports["swkit-manifest-1.js"]; !ok || data != nil || string(out.Worker) != files["sw.js"] {
		t.Errorf("manifest part as recorded: listed %v, read %d bytes (want listed, not read); worker %q", ok, len(data), out.Worker)
	}
	// Rewritten, same content: hashed, reused, and the big one's new stat
	// recorded.
	time.Sleep(10 * time.Millisecond)
	writeOutputs(t, dir, files)
	rec = buildcache.Output{Key: "k", Files: map[string]buildcache.OutputFile{}}
	for name, content := range files {
		rec.Files[name] = buildcache.OutputFile{Sum: sha256.Sum256([]byte(content)), Stat: buildcache.Stat{Size: 1}}
	}
	c = outputCache(t, dir, rec)
	if _, ok := (&siteDir{dir: dir}).previousOutput(cfg, c, "k"); !ok {
		t.Fatal("rewritten with the same content: not reused")
	}
	info, _ := os.Stat(filepath.Join(dir, "swkit-manifest-1.js"))
	if got := c.Output().Files["swkit-manifest-1.js"]; got.Stat != buildcache.StatOf(info) {
		t.Errorf("new stat of a %d-byte file not recorded: %+v", len(big), got)
	}
	// Rewritten, other content of the same size: refused.
	time.Sleep(10 * time.Millisecond)
	writeOutputs(t, dir, map[string]string{"sw.js": "// swkit workeR"})
	if _, ok := (&siteDir{dir: dir}).previousOutput(cfg, c, "k"); ok {
		t.Error("reused a worker edited to the same size")
	}
}

// A build with nothing changed since the last finds it so without a walk,
// reports what a walk reports and leaves the files as they are; any change a
// walk would see makes the build walk.
func TestWriteDirUnchanged(t *testing.T) {
	defer func(w time.Duration) { buildcache.RacyWindow = w }(buildcache.RacyWindow)
	buildcache.RacyWindow = 0
	dir := t.TempDir()
	site := map[string]string{
		"index.html":           "<!doctype html><title>home</title>",
		"css/app.css":          "body{}",
		"img/deep/big.png":     strings.Repeat("x", 5000),
		"img/deep/small.png":   "png",
		"swkit.json":           `{"maximumFileSizeToCacheInBytes": 4096}`,
		"js/vendor/lib.min.js": "lib()",
	}
	for name, content := range site {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	opts := DirOptions{Cache: filepath.Join(t.TempDir(), "cache.bin"), ConfigFile: filepath.Join(dir, "swkit.json")}
	build := func() *Result {
		t.Helper()
		cfg, err := config.Load(opts.ConfigFile)
		if err != nil {
			t.Fatal(err)
		}
		r, err := WriteDir(dir, cfg, opts)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	readWorker := func() string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, "sw.js"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	first := build()
	if first.Unchanged || first.Files != 5 || len(first.Warnings) != 1 || first.Warnings[0].Path != "img/deep/big.png" {
		t.Fatalf("first build: unchanged %v, %d files, warnings %v", first.Unchanged, first.Files, first.Warnings)
	}
	worker := readWorker()
	// The first build wrote sw.js and swkit.js into the folder it listed,
	// which changed the folder's stat: the next build walks and writes
	// nothing; the one after finds no change without a walk.
	if second := build(); second.Unchanged || second.Files != first.Files || readWorker() != worker {
		t.Fatalf("right after the first build: unchanged %v, %d files; want a walk, %d files, the same sw.js", second.Unchanged, second.Files, first.Files)
	}
	again := build()
	if !again.Unchanged || again.Files != first.Files || again.Bytes != first.Bytes ||
		!slices.Equal(again.Warnings, first.Warnings) || string(again.Worker) != worker {
		t.Fatalf("no change: unchanged %v, %d files, %d bytes, warnings %v; want %d, %d, %v",
			again.Unchanged, again.Files, again.Bytes, again.Warnings, first.Files, first.Bytes, first.Warnings)
	}

	for _, step := range []struct {
		name   string
		change func()
		want   string // in sw.js after the build, or "" for the same sw.js
	}{
		{"sw.js removed", func() { os.Remove(filepath.Join(dir, "sw.js")) }, ""},
		{"deep file changed", func() { writeOutputs(t, filepath.Join(dir, "img/deep"), map[string]string{"small.png": "PNG"}) }, "img/deep/small.png"},
		{"file added deep", func() { writeOutputs(t, filepath.Join(dir, "js/vendor"), map[string]string{"new.js": "n()"}) }, "js/vendor/new.js"},
		{"config changed", func() {
			writeOutputs(t, dir, map[string]string{"swkit.json": `{"maximumFileSizeToCacheInBytes": 8192}`})
		}, "img/deep/big.png"},
	} {
		time.Sleep(10 * time.Millisecond) // a new timestamp even where they are coarse
		before := readWorkerOrEmpty(dir)
		step.change()
		if r := build(); r.Unchanged {
			t.Errorf("%s: taken for no change", step.name)
		}
		build() // the folder as the last build left it
		got := readWorker()
		switch {
		case step.want == "" && got != before:
			t.Errorf("%s: sw.js changed", step.name)
		case step.want != "" && (got == before || !strings.Contains(got, step.want)):
			t.Errorf("%s: sw.js does not name %s anew", step.name, step.want)
		}
		if r := build(); !r.Unchanged {
			t.Errorf("%s, then no change: not taken for no change", step.name)
		}
	}
}

func readWorkerOrEmpty(dir string) string {
	b, _ := os.ReadFile(filepath.Join(dir, "sw.js"))
	return string(b)
}

// TestUserFilesUntouched: swkit overwrites or removes only files that start
// with the exact line it writes first; a file that merely mentions swkit,
// or has the name of a manifest part, is the user's.
func TestUserFilesUntouched(t *testing.T) {
	dir := t.TempDir()
	writeOutputs(t, dir, map[string]string{"index.html": "<!doctype html>"})
	if _, err := WriteDir(dir, Config{}, DirOptions{NoCache: true}); err != nil {
		t.Fatal(err)
	}
	mine := map[string]string{
		"swkit-manifest.0123456789abcdef.js": "/* swkit precache manifest, my own copy */\n",
		"swkit-manifest.fedcba9876543210.js": "// kept by hand\n",
	}
	writeOutputs(t, dir, mine)
	if _, err := WriteDir(dir, Config{}, DirOptions{NoCache: true}); err != nil {
		t.Fatal(err)
	}
	for name, content := range mine {
		if got, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(got) != content {
			t.Errorf("%s: %q, %v; want it untouched", name, got, err)
		}
	}
	for _, own := range []string{
		"/* swkit service worker — hand-written, swkit in the first comment */\nself.skipWaiting();\n",
		"// swkit\n",
		"/* swkit service worker — generated, do not edit */ but edited on the same line\n",
	} {
		writeOutputs(t, dir, map[string]string{"sw.js": own})
		_, err := WriteDir(dir, Config{}, DirOptions{NoCache: true})
		if !errors.Is(err, ErrNotOurs) {
			t.Errorf("sw.js %q: %v, want ErrNotOurs", own, err)
		}
		if got := readWorkerOrEmpty(dir); got != own {
			t.Errorf("sw.js %q overwritten with %d bytes", own, len(got))
		}
	}
}

// TestBuildInputsHidden: the config file and the worker source are inputs
// of the build wherever they sit in the folder: never precached, and 404.
func TestBuildInputsHidden(t *testing.T) {
	dir := t.TempDir()
	writeOutputs(t, dir, map[string]string{"index.html": "<!doctype html>", "swkit.json": "{}"})
	if err := os.MkdirAll(filepath.Join(dir, "conf"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeOutputs(t, filepath.Join(dir, "conf"), map[string]string{
		"site.json": `{"clientsClaim": true}`,
		"worker.js": "import { precacheAndRoute } from 'swkit/sw';\nprecacheAndRoute(self.__SWKIT_MANIFEST);\n",
	})
	opts := DirOptions{NoCache: true, ConfigFile: filepath.Join(dir, "conf", "site.json")}
	for _, tt := range []struct {
		cfg    Config
		hidden []string
	}{
		{Config{ClientsClaim: true}, []string{"swkit.json", "conf/site.json"}},
		{Config{SwSrc: filepath.Join(dir, "conf", "worker.js")}, []string{"swkit.json", "conf/site.json", "conf/worker.js"}},
	} {
		cfg := tt.cfg
		h, err := NewDir(dir, cfg, opts)
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close()
		for _, e := range h.Result().Entries {
			if slices.Contains(tt.hidden, e.URL) {
				t.Errorf("swSrc %q: %s precached", cfg.SwSrc, e.URL)
			}
		}
		worker := body(t, get(t, h, "/sw.js"))
		for _, name := range tt.hidden {
			p := "/" + name
			if got := get(t, h, p).StatusCode; got != http.StatusNotFound {
				t.Errorf("swSrc %q: GET %s: status %d, want 404", cfg.SwSrc, p, got)
			}
			if bytes.Contains(worker, []byte(strings.TrimPrefix(p, "/")+`"`)) {
				t.Errorf("swSrc %q: sw.js names %s", cfg.SwSrc, p)
			}
		}
	}
}

// TestInside: an input is inside the folder however the paths spell it.
func TestInside(t *testing.T) {
	dir := t.TempDir()
	site := filepath.Join(dir, "site")
	if err := os.MkdirAll(filepath.Join(site, "conf"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeOutputs(t, filepath.Join(site, "conf"), map[string]string{"a.json": "{}"})
	if err := os.Symlink(site, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		dir, file, want string
		ok              bool
	}{
		{site, filepath.Join(site, "conf", "a.json"), "conf/a.json", true},
		{site, filepath.Join(dir, "site", "..", "site", "conf", "a.json"), "conf/a.json", true},
		{filepath.Join(dir, "link"), filepath.Join(site, "conf", "a.json"), "conf/a.json", true},
		{site, filepath.Join(dir, "link", "conf", "a.json"), "conf/a.json", true},
		{site, filepath.Join(dir, "elsewhere.json"), "", false},
		{site, "", "", false},
	} {
		got, ok := inside(tt.dir, tt.file)
		if got != tt.want || ok != tt.ok {
			t.Errorf("inside(%s, %s) = %q, %v; want %q, %v", tt.dir, tt.file, got, ok, tt.want, tt.ok)
		}
	}
}
