package main

import (
	"bytes"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swkit/swkit/internal/buildcache"
	"github.com/swkit/swkit/internal/config"
	"github.com/swkit/swkit/internal/sitebuild"
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
	out, ok := previousOutput(dir, cfg, c, "k")
	if !ok || string(out.Worker) != files["sw.js"] || string(out.PageHelper) != files["swkit.js"] ||
		len(out.Imports) != 1 || string(out.Imports["swkit-manifest-1.js"]) != files["swkit-manifest-1.js"] {
		t.Fatalf("same key, files intact: %v, %+v", ok, out)
	}
	if _, ok := previousOutput(dir, cfg, c, "other"); ok {
		t.Error("reused for another key")
	}
	if _, ok := previousOutput(dir, cfg, outputCache(t, dir, buildcache.Output{}), ""); ok {
		t.Error("reused with no record")
	}
	bad := buildcache.Output{Key: "k", Files: map[string]buildcache.OutputFile{"sw.js": rec.Files["sw.js"], "swkit.js": rec.Files["swkit.js"], "../x": {}}}
	if _, ok := previousOutput(dir, cfg, outputCache(t, dir, bad), "k"); ok {
		t.Error("reused with a path outside the folder")
	}
	if err := os.WriteFile(filepath.Join(dir, "swkit-manifest-1.js"), []byte("// swkit edited"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, ok := previousOutput(dir, cfg, c, "k"); ok {
		t.Error("reused with a manifest part changed on disk")
	}
	if err := os.Remove(filepath.Join(dir, "swkit-manifest-1.js")); err != nil {
		t.Fatal(err)
	}
	if _, ok := previousOutput(dir, cfg, c, "k"); ok {
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
	out, ok := previousOutput(dir, cfg, c, "k")
	if !ok {
		t.Fatal("files with their recorded stats were hashed")
	}
	if data, ok := out.Imports["swkit-manifest-1.js"]; !ok || data != nil || string(out.Worker) != files["sw.js"] {
		t.Errorf("manifest part as recorded: listed %v, read %d bytes (want listed, not read); worker %q", ok, len(data), out.Worker)
	}
	var stdout bytes.Buffer
	printBuilt(&stdout, dir, cfg, out, 0, 0)
	if !strings.Contains(stdout.String(), "1 manifest files (256.0 KiB)") {
		t.Errorf("summary %q: want the part's size from its stat", stdout.String())
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
	if _, ok := previousOutput(dir, cfg, c, "k"); !ok {
		t.Fatal("rewritten with the same content: not reused")
	}
	info, _ := os.Stat(filepath.Join(dir, "swkit-manifest-1.js"))
	if got := c.Output().Files["swkit-manifest-1.js"]; got.Stat != buildcache.StatOf(info) {
		t.Errorf("new stat of a %d-byte file not recorded: %+v", len(big), got)
	}
	// Rewritten, other content of the same size: refused.
	time.Sleep(10 * time.Millisecond)
	writeOutputs(t, dir, map[string]string{"sw.js": "// swkit workeR"})
	if _, ok := previousOutput(dir, cfg, c, "k"); ok {
		t.Error("reused a worker edited to the same size")
	}
}

// A build with nothing changed since the last (buildUnchanged) prints what
// a walk prints and leaves the files as they are; any change to a file or
// folder the walk saw makes the build walk.
func TestBuildUnchanged(t *testing.T) {
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
	cachePath := filepath.Join(t.TempDir(), "cache.bin")
	build := func() (stdout, stderr string) {
		t.Helper()
		var out, errs bytes.Buffer
		if err := runBuild([]string{"--cache", cachePath, dir}, &out, &errs); err != nil {
			t.Fatal(err, errs.String())
		}
		return out.String(), errs.String()
	}
	unchanged := func() (ok bool, stdout, stderr string) {
		t.Helper()
		cfg, err := loadConfig("", dir)
		if err != nil {
			t.Fatal(err)
		}
		root, err := os.OpenRoot(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer root.Close()
		c, _ := buildcache.Load(cachePath, dir)
		inputs, err := sitebuild.Inputs(cfg, sitebuild.BuildID())
		if err != nil {
			t.Fatal(err)
		}
		var out, errs bytes.Buffer
		ok, err = buildUnchanged(&out, &errs, dir, root, cfg, c, inputs)
		if err != nil {
			t.Fatal(err)
		}
		return ok, out.String(), errs.String()
	}
	// Without the build time, which differs.
	summary := func(s string) string { return s[:strings.LastIndex(s, " in ")] }
	readWorker := func() string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, "sw.js"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	wantOut, wantErr := build()
	if !strings.Contains(wantOut, "precached 6 files") || !strings.Contains(wantErr, "img/deep/big.png is 5000 bytes") {
		t.Fatalf("first build: %q %q", wantOut, wantErr)
	}
	worker := readWorker()
	// The first build wrote sw.js and swkit.js into the folder it listed,
	// which changed the folder's stat: the next build walks, writes
	// nothing, and records the folder as it is now.
	if ok, _, _ := unchanged(); ok {
		t.Fatal("right after the first build: buildUnchanged took the folder for unchanged")
	}
	if out, _ := build(); summary(out) != summary(wantOut) {
		t.Fatalf("second build printed %q, want %q", out, wantOut)
	}
	ok, gotOut, gotErr := unchanged()
	if !ok || summary(gotOut) != summary(wantOut) || gotErr != wantErr {
		t.Fatalf("no change: buildUnchanged %v, printed %q %q, want %q %q", ok, gotOut, gotErr, wantOut, wantErr)
	}
	if readWorker() != worker {
		t.Error("no change: sw.js changed")
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
		if ok, _, _ := unchanged(); ok {
			t.Errorf("%s: buildUnchanged took it for no change", step.name)
		}
		build()
		build() // the folder as the last build left it
		got := readWorker()
		switch {
		case step.want == "" && got != before:
			t.Errorf("%s: sw.js changed", step.name)
		case step.want != "" && (got == before || !strings.Contains(got, step.want)):
			t.Errorf("%s: sw.js does not name %s anew", step.name, step.want)
		}
		if ok, _, _ := unchanged(); !ok {
			t.Errorf("%s, then no change: buildUnchanged did not take it", step.name)
		}
	}
}

func readWorkerOrEmpty(dir string) string {
	b, _ := os.ReadFile(filepath.Join(dir, "sw.js"))
	return string(b)
}
