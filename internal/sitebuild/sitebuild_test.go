package sitebuild

import (
	"bytes"
	"testing"
	"testing/fstest"

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/manifest"
)

func TestBuildAlwaysPrecachesPageHelper(t *testing.T) {
	site := fstest.MapFS{
		"index.html": {Data: []byte("<!doctype html><title>x</title>")},
		"swkit.js":   {Data: []byte("// a stale copy from an older build")},
		"sw.js":      {Data: []byte("// the worker is never precached")},
	}
	cfg := config.Defaults(config.Config{
		GlobPatterns:                  []string{"**/*.html"}, // no .js at all
		MaximumFileSizeToCacheInBytes: 100,                   // smaller than the helper
	})
	out, err := Build(site, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var urls []string
	for _, e := range out.Manifest.Entries {
		urls = append(urls, e.URL)
	}
	if len(urls) != 2 || urls[0] != "index.html" || urls[1] != PageHelperName {
		t.Fatalf("precached %q, want [index.html swkit.js]", urls)
	}
	if want := manifest.EntryFor(PageHelperName, out.PageHelper); out.Manifest.Entries[1] != want {
		t.Errorf("helper entry %+v, want the generated helper's %+v", out.Manifest.Entries[1], want)
	}
	if !bytes.Contains(out.Worker, []byte(PageHelperName)) {
		t.Error("the worker does not list the page helper")
	}
	if !IsOurs(out.Worker) || !IsOurs(out.PageHelper) {
		t.Error("generated files must be recognisable as swkit's, or build would refuse to rewrite them")
	}
}
