package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"image"
	"image/png"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"github.com/swkit/swkit"
)

// TestServeSameAsLibrary runs a table of sites and configs through `swkit
// serve` and through swkit.New (a Go program's way) and asks both for every
// file, the generated ones, the build inputs and a few paths that must fail,
// with and without compression, ranges and validators: the bodies must be
// byte-identical and the headers identical (Date aside).
func TestServeSameAsLibrary(t *testing.T) {
	pages := map[string]string{
		"index.html":            "<!doctype html><title>home</title><link rel=stylesheet href=css/app.css>",
		"about/index.html":      "<!doctype html><title>about</title>",
		"css/app.css":           strings.Repeat("body { margin: 0 }\n", 200),
		"js/main.1a2b3c4d.js":   strings.Repeat("console.log('main');\n", 100),
		"js/vendor-BfK2x9Qa.js": "export const v = 1;\n",
		"img/logo.svg":          `<svg xmlns="http://www.w3.org/2000/svg"/>`,
		"data/app.webmanifest":  `{"name": "app"}`,
		".env":                  "SECRET=1\n",
		// RFC 8615's folder, the one dot-folder served.
		".well-known/security.txt": "Contact: mailto:security@example.com\n",
	}
	tests := []struct {
		name   string
		config string            // DIR/swkit.json, "" for none
		extra  map[string]string // more files
		cache  map[string]string // path -> the Cache-Control both must send
	}{
		{name: "defaults", cache: map[string]string{"/js/main.1a2b3c4d.js": immutable, "/css/app.css": "no-cache", "/sw.js": "no-cache"}},
		// What the worker trusts never to change is exactly what browsers
		// may cache as immutable.
		{name: "no hashed names", config: `{"dontCacheBustURLsMatching": "^$never"}`,
			cache: map[string]string{"/js/main.1a2b3c4d.js": "no-cache", "/js/vendor-BfK2x9Qa.js": "no-cache"}},
		{name: "own hashed names", config: `{"dontCacheBustURLsMatching": "^css/"}`,
			cache: map[string]string{"/css/app.css": immutable, "/js/main.1a2b3c4d.js": "no-cache"}},
		{name: "navigateFallback", config: `{"navigateFallback": "index.html", "navigateFallbackDenylist": ["^/api/"], "offlinePage": "about/index.html"}`},
		{name: "security headers", config: `{"server": {"securityHeaders": true, "headers": {"Referrer-Policy": "no-referrer", "X-Test": "1"}}}`},
		{name: "worker in a folder", config: `{"swDest": "app/sw.js", "server": {"serviceWorkerAllowed": "/"}}`},
		{name: "no compression", config: `{"server": {"compress": false}}`},
		{name: "precompressed siblings", extra: map[string]string{
			"css/app.css.gz": gzipped(t, strings.Repeat("body { margin: 0 }\n", 200)),
			"css/app.css.br": brotlied(t, strings.Repeat("body { margin: 0 }\n", 200)),
		}},
		{name: "split manifest", extra: manyFiles(2500)},
		{name: "kill switch", config: `{"killSwitch": true}`},
		{name: "web app manifest", config: `{"manifest": {"name": "App", "icon": "img/logo.png", "theme_color": "#2563eb"}}`,
			extra: map[string]string{"img/logo.png": logoPNG(t)},
			cache: map[string]string{"/manifest.webmanifest": "no-cache", "/icon-512.png": "no-cache"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			files := map[string]string{}
			for name, content := range pages {
				files[name] = content
			}
			for name, content := range tt.extra {
				files[name] = content
			}
			if tt.config != "" {
				files["swkit.json"] = tt.config
			}
			for name, content := range files {
				writeFile(t, filepath.Join(dir, filepath.FromSlash(name)), content)
			}

			cli, _ := startCommand(t, "serve", "--addr", "127.0.0.1:0", "--no-cache", dir)
			cli = strings.TrimSuffix(cli, "/")

			var cfg swkit.Config
			if tt.config != "" {
				var err error
				if cfg, err = swkit.LoadConfig(os.DirFS(dir), "swkit.json"); err != nil {
					t.Fatal(err)
				}
			}
			root, err := os.OpenRoot(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer root.Close()
			h, err := swkit.New(root.FS(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			lib := serveLocal(t, h)

			paths := []string{"/", "/about/", "/about", "/swkit.json", "/.env", "/missing.html", "/swkit.js",
				"/sw.js", "/app/sw.js", "/css/", "/css/app.css.gz"}
			for name := range files {
				paths = append(paths, "/"+name)
			}
			if res := h.Result(); res != nil {
				for name := range res.Parts {
					paths = append(paths, "/"+name)
				}
				for name := range res.App {
					paths = append(paths, "/"+name)
				}
			}
			slices.Sort(paths)
			paths = slices.Compact(paths)
			client := &http.Client{
				Transport:     &http.Transport{DisableCompression: true},
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			}
			defer client.CloseIdleConnections()
			fetch := func(t *testing.T, url string, header []string) response { return fetchWith(t, client, url, header) }
			compared := 0
			for _, p := range paths {
				for _, header := range [][]string{
					nil,
					{"Accept-Encoding", "gzip, br"},
					{"Accept-Encoding", "gzip"},
					{"Range", "bytes=2-9"},
					{"Range", "bytes=0-3,2-9"}, // overlapping: ignored
				} {
					a := fetch(t, cli+p, header)
					b := fetch(t, lib+p, header)
					if diff := a.diff(b); diff != "" {
						t.Errorf("GET %s %v: swkit serve and swkit.New differ: %s", p, header, diff)
					}
					compared++
					if etag := a.header.Get("ETag"); etag != "" && header == nil {
						a := fetch(t, cli+p, []string{"If-None-Match", etag})
						b := fetch(t, lib+p, []string{"If-None-Match", etag})
						if a.status != http.StatusNotModified {
							t.Errorf("GET %s If-None-Match: status %d, want 304", p, a.status)
						}
						if diff := a.diff(b); diff != "" {
							t.Errorf("GET %s If-None-Match: swkit serve and swkit.New differ: %s", p, diff)
						}
					}
				}
			}
			for p, want := range tt.cache {
				if got := fetch(t, cli+p, nil).header.Get("Cache-Control"); got != want {
					t.Errorf("GET %s: Cache-Control %q, want %q", p, got, want)
				}
			}
			if got := fetch(t, cli+"/.well-known/security.txt", nil).status; got != http.StatusOK {
				t.Errorf("GET /.well-known/security.txt: status %d, want 200", got)
			}
			// The build input and the dotfile are not served by either.
			for _, p := range []string{"/swkit.json", "/.env"} {
				if got := fetch(t, lib+p, nil).status; got != http.StatusNotFound {
					t.Errorf("GET %s: status %d, want 404", p, got)
				}
			}
			t.Logf("%d requests compared", compared)
		})
	}
}

const immutable = "public, max-age=31536000, immutable"

// response is what a test compares of an HTTP response.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (a response) diff(b response) string {
	if a.status != b.status {
		return fmt.Sprintf("status %d vs %d", a.status, b.status)
	}
	if !bytes.Equal(a.body, b.body) {
		return fmt.Sprintf("bodies differ (%d vs %d bytes)", len(a.body), len(b.body))
	}
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range a.header {
			if !yield(k) {
				return
			}
		}
		for k := range b.header {
			if _, ok := a.header[k]; !ok && !yield(k) {
				return
			}
		}
	}) {
		if k == "Date" {
			continue
		}
		if !slices.Equal(a.header[k], b.header[k]) {
			return fmt.Sprintf("%s: %q vs %q", k, a.header[k], b.header[k])
		}
	}
	return ""
}

// fetchWith GETs url with one optional header (name, value); client must
// not decompress anything.
func fetchWith(t *testing.T, client *http.Client, url string, header []string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", "identity")
	if header != nil {
		req.Header.Set(header[0], header[1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, body}
}

// serveLocal serves h on 127.0.0.1 on a free port until the test ends, and
// returns its base URL.
func serveLocal(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

func gzipped(t *testing.T, s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	io.WriteString(w, s)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func brotlied(t *testing.T, s string) string {
	var b bytes.Buffer
	w := brotli.NewWriter(&b)
	io.WriteString(w, s)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// manyFiles is a site folder's worth of small files: enough for a manifest
// that is split into parts.
func manyFiles(n int) map[string]string {
	files := map[string]string{}
	for i := range n {
		files[fmt.Sprintf("pages/p%04d/index.html", i)] = fmt.Sprintf("<!doctype html><title>%d</title>", i)
	}
	return files
}

// logoPNG is a small square PNG, a source icon.
func logoPNG(t *testing.T) string {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	for i := range img.Pix {
		img.Pix[i] = byte(i)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}
