package migrate

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/swkit/swkit"
	"github.com/swkit/swkit/config"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// site is what the configs' site folders hold, enough for each to build:
// the pages their fallbacks name, the template files of templatedURLs.
func site() fstest.MapFS {
	f := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	return fstest.MapFS{
		"index.html":            f("<!doctype html><title>home</title>"),
		"offline.html":          f("<!doctype html><title>offline</title>"),
		"app.3f9a1c2b.js":       f("console.log(1)"),
		"css/site.css":          f("body{}"),
		"assets/app.css":        f("body{}"),
		"layouts/base.html":     f("<main></main>"),
		"pwa-192x192.png":       {Data: pngSquare(192)},
		"img/logo.png":          f("png"),
		"analytics-sw.js":       f("// analytics"),
		"reports/summary.html":  f("<p>report</p>"),
		"data/index.json":       f("{}"),
		"favicon.ico":           f("ico"),
		"robots.txt":            f("User-agent: *"),
		"service-worker-old.js": f("// old"),
	}
}

// TestTranslate translates configs in the shapes real projects write
// (workbox-cli, workbox-build, vite-plugin-pwa, workbox-webpack-plugin,
// next-pwa) and checks each against its golden swkit.json and notes. Every
// translation must be a swkit.json that swkit reads back and builds, with
// no hand edits.
func TestTranslate(t *testing.T) {
	files, err := filepath.Glob("testdata/*")
	if err != nil {
		t.Fatal(err)
	}
	worked := 0
	// The Workbox config of the parity test (e2e/workbox_test.go) too.
	configs := []string{"../../config/testdata/workbox/generateSW.config.js"}
	for _, f := range files {
		if !strings.HasSuffix(f, ".swkit.json") && !strings.HasSuffix(f, ".notes") {
			configs = append(configs, f)
		}
	}
	for _, f := range configs {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Translate(filepath.Base(f), src)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(res.Config); err != nil {
				t.Fatal(err)
			}
			var notes strings.Builder
			notes.WriteString("from: " + res.From + "\n")
			for _, n := range res.Notes {
				notes.WriteString(n.String() + "\n")
			}
			g := filepath.Join("testdata", filepath.Base(f))
			golden(t, g+".swkit.json", b.Bytes())
			golden(t, g+".notes", []byte(notes.String()))

			cfg, err := config.Parse("swkit.json", b.Bytes())
			if err != nil {
				t.Fatalf("the translation does not parse: %v", err)
			}
			if _, err := swkit.Build(site(), cfg); err != nil {
				t.Fatalf("the translation does not build: %v", err)
			}
			worked++
		})
	}
	t.Logf("%d of %d configs translated into a swkit.json that builds", worked, len(configs))
	if len(configs) < 22 {
		t.Errorf("only %d configs: keep at least 22", len(configs))
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(name, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(name)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run go test -update after checking):\n%s", name, got)
	}
}

func TestFromFunction(t *testing.T) {
	tests := []struct {
		src, pattern string
		dest         []string
	}{
		{`({url}) => url.pathname.startsWith('/api/')`, "/api/**", nil},
		{`({ url }) => { return url.pathname.endsWith('.png'); }`, "/**.png", nil},
		{`function ({url}) { return url.origin === 'https://cdn.example/'; }`, "https://cdn.example/**", nil},
		{`({request}) => request.destination === 'image'`, "", []string{"image"}},
		{`(ctx) => ctx.request.destination === "font"`, "", []string{"font"}},
		{`({request}) => request.mode === 'navigate'`, "", []string{"document"}},
		{`({request: r}) => ['style', 'script'].includes(r.destination)`, "", []string{"style", "script"}},
		{`({request, url}) => request.destination === 'image' && url.origin === self.location.origin`, "/**", []string{"image"}},
		{`({url}) => url.pathname.includes('/static/')`, `/\/static\//`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			m, why := fromFunction(tt.src)
			if why != "" {
				t.Fatal(why)
			}
			if m.pattern != tt.pattern || strings.Join(m.destination, ",") != strings.Join(tt.dest, ",") {
				t.Errorf("got %q %v, want %q %v", m.pattern, m.destination, tt.pattern, tt.dest)
			}
		})
	}
	if _, why := fromFunction(`({url}) => url.searchParams.has('x')`); why == "" {
		t.Error("an unknown form was translated")
	}
}

// pngSquare is a PNG image of n×n pixels, for a manifest's source icon.
func pngSquare(n int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, n, n))
	for i := range img.Pix {
		img.Pix[i] = 0x80
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// TestManifest: a wrapper's manifest becomes the manifest section, its
// largest raster icon the source; manifest: false is dropped.
func TestManifest(t *testing.T) {
	res, err := Translate("vite.config.js", []byte(`
import { VitePWA } from 'vite-plugin-pwa';
export default { plugins: [VitePWA({ manifest: {
  name: 'Notes', display: 'standalone', lang: 'en', theme_color: 'white', background_color: '#123456',
  icons: [
    { src: '/logo.svg', sizes: 'any', type: 'image/svg+xml' },
    { src: '/icons/192.png', sizes: '192x192' },
    { src: '/icons/512.png', sizes: '512x512', purpose: 'any maskable' },
  ],
} })] };`))
	if err != nil {
		t.Fatal(err)
	}
	m := res.Config.Manifest
	if m == nil || m.Name != "Notes" || m.Display != "standalone" || m.Icon != "icons/512.png" || m.ThemeColor != "" || m.BackgroundColor != "#123456" {
		t.Fatalf("manifest section %+v, want Notes, standalone, icons/512.png, no theme colour, background #123456", m)
	}
	if err := config.Validate(&res.Config); err != nil {
		t.Errorf("the translated manifest section fails swkit.json's checks: %v", err)
	}
	if !strings.Contains(fmt.Sprint(res.Notes), "manifest.lang: not in swkit.json's manifest section") {
		t.Errorf("notes %v do not say that lang was dropped", res.Notes)
	}

	res, err = Translate("vite.config.js", []byte(`
import { VitePWA } from 'vite-plugin-pwa';
export default { plugins: [VitePWA({ manifest: false })] };`))
	if err != nil {
		t.Fatal(err)
	}
	if res.Config.Manifest != nil || !strings.Contains(fmt.Sprint(res.Notes), "manifest: no web app manifest (false): dropped") {
		t.Errorf("manifest: false gave %+v, notes %v", res.Config.Manifest, res.Notes)
	}
}
