package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/swkit/swkit/internal/buildcache"
	"github.com/swkit/swkit/internal/config"
)

// previousOutput reuses the generated files only for the same key and only
// when each is on disk with the digest recorded.
func TestPreviousOutput(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{"sw.js": "// swkit worker", "swkit.js": "// swkit helper", "swkit-manifest-1.js": "// swkit part"}
	rec := buildcache.Output{Key: "k", Files: map[string]string{}}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		rec.Files[name] = sha256Hex([]byte(content))
	}
	cfg := config.Defaults(config.Config{})
	out, ok := previousOutput(dir, cfg, rec, "k")
	if !ok || string(out.Worker) != files["sw.js"] || string(out.PageHelper) != files["swkit.js"] ||
		len(out.Imports) != 1 || string(out.Imports["swkit-manifest-1.js"]) != files["swkit-manifest-1.js"] {
		t.Fatalf("same key, files intact: %v, %+v", ok, out)
	}
	if _, ok := previousOutput(dir, cfg, rec, "other"); ok {
		t.Error("reused for another key")
	}
	if _, ok := previousOutput(dir, cfg, buildcache.Output{}, ""); ok {
		t.Error("reused with no record")
	}
	bad := buildcache.Output{Key: "k", Files: map[string]string{"sw.js": rec.Files["sw.js"], "swkit.js": rec.Files["swkit.js"], "../x": "00"}}
	if _, ok := previousOutput(dir, cfg, bad, "k"); ok {
		t.Error("reused with a path outside the folder")
	}
	if err := os.WriteFile(filepath.Join(dir, "swkit-manifest-1.js"), []byte("// swkit edited"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, ok := previousOutput(dir, cfg, rec, "k"); ok {
		t.Error("reused with a manifest part changed on disk")
	}
	if err := os.Remove(filepath.Join(dir, "swkit-manifest-1.js")); err != nil {
		t.Fatal(err)
	}
	if _, ok := previousOutput(dir, cfg, rec, "k"); ok {
		t.Error("reused with a manifest part missing")
	}
}
