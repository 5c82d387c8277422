package sitebuild

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
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

// TestDefaultsSuitSites: a package's dist folder copied into a site (as
// swagger-ui-dist is) brings source maps and npm metadata, which the
// default globIgnores leave out; a precache over LargePrecache is a warning
// that names its size and heaviest kinds, and one under it is not.
func TestDefaultsSuitSites(t *testing.T) {
	site := fstest.MapFS{
		"index.html":                      {Data: []byte("<!doctype html>")},
		"vendor/ui/ui-bundle.js":          {Data: bytes.Repeat([]byte("x"), 1<<20)},
		"vendor/ui/ui-bundle.js.map":      {Data: bytes.Repeat([]byte("m"), 2<<20)},
		"vendor/ui/package.json":          {Data: []byte(`{"name": "ui"}`)},
		"vendor/ui/node_modules/dep/i.js": {Data: []byte("x")},
		"vendor/ui/LICENSE":               {Data: []byte("MIT")},
		"img/photo-01.jpg":                {Data: bytes.Repeat([]byte("j"), 1<<20)},
		"img/photo-02.jpg":                {Data: bytes.Repeat([]byte("j"), 1<<20)},
	}
	out, err := Build(site, config.Defaults(config.Config{}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var urls []string
	for _, e := range out.Manifest.Entries {
		urls = append(urls, e.URL)
	}
	want := []string{"img/photo-01.jpg", "img/photo-02.jpg", "index.html", "swkit.js", "vendor/ui/LICENSE", "vendor/ui/ui-bundle.js"}
	if !slices.Equal(urls, want) {
		t.Errorf("precached %q, want %q", urls, want)
	}
	if len(out.Warnings) != 0 {
		t.Errorf("warnings %v for a 3 MiB precache, want none", out.Warnings)
	}

	for i := range 10 {
		site[fmt.Sprintf("img/big-%02d.jpg", i)] = &fstest.MapFile{Data: bytes.Repeat([]byte("j"), 1<<20)}
	}
	out, err = Build(site, config.Defaults(config.Config{}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Warnings) != 1 || out.Warnings[0].Path != "" ||
		!strings.Contains(out.Warnings[0].Message, "the precache is 13.0 MiB in 16 files") ||
		!strings.Contains(out.Warnings[0].Message, "most of it: .jpg 12.0 MiB in 12 files, .js 1.0 MiB in 2 files") {
		t.Errorf("warnings %v, want one about 13.0 MiB, .jpg first", out.Warnings)
	}
}
