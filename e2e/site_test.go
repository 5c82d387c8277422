package e2e

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/swkit/swkit"
	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/browsertest"
	"github.com/swkit/swkit/server"
)

// Site layout: 10 pages, each with its own stylesheet, script and picture,
// 10 more pictures no page shows, and one fingerprinted script: 50 files,
// plus swkit.js (the page helper, written beside them and precached like
// any file) and sw.js (served from memory, never precached).
const (
	numPages   = 10
	numPics    = 19
	vendorFile = "js/vendor.3f9a2c1d.js"
)

func pageName(i int) string {
	if i == 0 {
		return "index.html"
	}
	return fmt.Sprintf("page-%02d.html", i)
}

func cssName(i int) string { return fmt.Sprintf("css/style-%02d.css", i) }
func jsName(i int) string  { return fmt.Sprintf("js/app-%02d.js", i) }
func picName(i int) string { return fmt.Sprintf("img/pic-%02d.png", i) }

// pageColor is the background that page i's stylesheet gives it in version v.
func pageColor(i, v int) string { return fmt.Sprintf("rgb(%d, %d, %d)", 10+i, 20*v, 200) }

// site is a generated static site in a temporary folder, deployed behind a
// browsertest.Server. Deploy swaps in a new worker (as a real deployment
// swaps files) without restarting the server.
type site struct {
	t       *testing.T
	dir     string
	cfg     config.Config
	handler atomic.Pointer[http.Handler]
	srv     *browsertest.Server

	entries []swkit.PrecacheEntry
	worker  []byte
	helper  []byte
}

// newSite builds and serves the site. api, when not nil, answers the paths
// under /api/ (dynamic content for runtime routes).
func newSite(t *testing.T, cfg config.Config, api http.Handler) *site {
	t.Helper()
	return newSiteWith(t, cfg, api, nil)
}

// newSiteWith is newSite with extra files (name -> content) in the site.
func newSiteWith(t *testing.T, cfg config.Config, api http.Handler, extra map[string]string) *site {
	t.Helper()
	s := &site{t: t, dir: t.TempDir(), cfg: cfg}
	for name, content := range extra {
		s.write(name, content)
	}
	for i := range numPages {
		s.write(pageName(i), pageHTML(i, 1))
		s.write(cssName(i), fmt.Sprintf("body { background-color: %s; }\n", pageColor(i, 1)))
		s.write(jsName(i), fmt.Sprintf("window.appLoaded = %d;\n", i))
	}
	for i := range numPics {
		s.write(picName(i), pngBytes(t, i))
	}
	s.write(vendorFile, "window.vendorLoaded = true;\n")
	s.Deploy()
	s.srv = browsertest.NewServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if api != nil && strings.HasPrefix(r.URL.Path, "/api/") {
			api.ServeHTTP(w, r)
			return
		}
		(*s.handler.Load()).ServeHTTP(w, r)
	}))
	return s
}

func pageHTML(i, v int) string {
	return fmt.Sprintf(`<!doctype html>
<html><head><meta charset="utf-8"><title>page %d</title>
<link rel="icon" href="data:,">
<script>`+loadCounter+`</script>
<link rel="stylesheet" href="/%s">
<script src="/%s"></script>
<script type="module">
import { register } from '/swkit.js';
const updates = register('/sw.js');
window.swkit = updates;
window.swEvents = [];
window.swDetails = [];
for (const type of ['waiting', 'controlling', 'activated', 'cache-updated', 'error']) {
  updates.addEventListener(type, (e) => { window.swEvents.push(type); window.swDetails.push({ type, detail: e.detail }); });
}
</script>
</head>
<body data-version="%d"><h1>page %d, version %d</h1><img src="/%s" alt=""></body></html>
`, i, cssName(i), jsName(i), v, i, v, picName(i))
}

// pngBytes is an 8x8 picture of one colour per index.
func pngBytes(t *testing.T, i int) string {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for p := 0; p < len(img.Pix); p += 4 {
		img.Pix[p], img.Pix[p+1], img.Pix[p+2], img.Pix[p+3] = uint8(i*13), uint8(255-i*7), 90, 255
	}
	img.Set(0, 0, color.RGBA{A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func (s *site) write(name, content string) {
	s.t.Helper()
	p := filepath.Join(s.dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		s.t.Fatal(err)
	}
}

// Build hashes the folder and generates sw.js and swkit.js, as `swkit
// build` would, without serving them yet.
func (s *site) Build() {
	s.t.Helper()
	res, err := swkit.Build(os.DirFS(s.dir), s.cfg)
	if err != nil {
		s.t.Fatal(err)
	}
	s.entries, s.worker, s.helper = res.Entries, res.Worker, res.PageHelper
}

// Serve serves the folder as it is on disk now, with the last built sw.js,
// as a Go program serving a worker built beforehand would. A fresh handler,
// so that no cached validator outlives a change.
func (s *site) Serve() {
	s.t.Helper()
	h, err := server.New(os.DirFS(s.dir), s.cfg, server.Options{Generated: map[string][]byte{"sw.js": s.worker, "swkit.js": s.helper}})
	if err != nil {
		s.t.Fatal(err)
	}
	var hh http.Handler = h
	s.handler.Store(&hh)
}

// Deploy is Build then Serve.
func (s *site) Deploy() {
	s.t.Helper()
	s.Build()
	s.Serve()
}

// URL is the absolute URL of a site path ("" or "index.html", "css/x.css").
func (s *site) URL(name string) string { return s.srv.URL("/" + name) }

// precacheName is the cache the worker precaches into (docs/architecture.md).
func (s *site) precacheName() string { return "swkit-precache-v1-" + s.URL("") }

// wantKeys are the precache keys of the last build.
func (s *site) wantKeys() []string {
	keys := make([]string, len(s.entries))
	for i, e := range s.entries {
		keys[i] = s.URL(e.URL)
		if e.Revision != "" {
			keys[i] += "?__swkit_rev=" + e.Revision
		}
	}
	return keys
}
