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
	"github.com/swkit/swkit/internal/manifest"
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
	out.Manifest = &manifest.Result{}
	printBuilt(&stdout, dir, cfg, out)
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
