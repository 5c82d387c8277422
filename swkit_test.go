package swkit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/sitebuild"
)

const immutable = "public, max-age=31536000, immutable"

// site is a small site as embed.FS presents one: no modification times.
func site() fstest.MapFS {
	return fstest.MapFS{
		"index.html":               {Data: []byte("<!doctype html><title>home</title><link rel=stylesheet href=style.css>")},
		"style.css":                {Data: []byte("body { margin: 0 }\n")},
		"about/index.html":         {Data: []byte("<!doctype html><title>about</title>")},
		"assets/app.3f9a1c2b.js":   {Data: []byte("console.log('app')\n")},
		"vendor/lib.js":            {Data: []byte("export const lib = 1;\n")},
		"img/logo.svg":             {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>`)},
		".env":                     {Data: []byte("SECRET=1\n")},
		".git/config":              {Data: []byte("[core]\n")},
		"big/video.mp4":            {Data: bytes.Repeat([]byte{0}, 64<<10)},
		"notes/long-text-file.txt": {Data: []byte(strings.Repeat("swkit ", 400))},
	}
}

func newTestHandler(t *testing.T, fsys fstest.MapFS, cfg Config) *Handler {
	t.Helper()
	h, err := New(fsys, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return h
}

// get requests path from h with the given header lines ("Name: value").
func get(t *testing.T, h http.Handler, path string, header ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for _, line := range header {
		k, v, _ := strings.Cut(line, ": ")
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestETagsWithoutModTimes checks that files without modification times, as
// in an embed.FS, get strong ETags from their content: present, equal across
// handlers (so across restarts and replicas), and honoured with 304.
func TestETagsWithoutModTimes(t *testing.T) {
	h1 := newTestHandler(t, site(), Config{})
	h2 := newTestHandler(t, site(), Config{})
	for _, path := range []string{"/style.css", "/", "/about/", "/sw.js", "/swkit.js"} {
		t.Run(path, func(t *testing.T) {
			r1 := get(t, h1, path)
			r2 := get(t, h2, path)
			if r1.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200", r1.StatusCode)
			}
			etag := r1.Header.Get("ETag")
			if !strings.HasPrefix(etag, `"`) || len(etag) < 10 {
				t.Fatalf("ETag = %q, want a strong content hash", etag)
			}
			if got := r2.Header.Get("ETag"); got != etag {
				t.Errorf("second handler's ETag = %q, want %q", got, etag)
			}
			if lm := r1.Header.Get("Last-Modified"); lm != "" {
				t.Errorf("Last-Modified = %q, want none", lm)
			}
			r3 := get(t, h1, path, "If-None-Match: "+etag)
			if r3.StatusCode != http.StatusNotModified {
				t.Errorf("If-None-Match: status %d, want 304", r3.StatusCode)
			}
			r4 := get(t, h1, path, `If-None-Match: "other"`)
			if r4.StatusCode != http.StatusOK {
				t.Errorf("If-None-Match other: status %d, want 200", r4.StatusCode)
			}
		})
	}
}

// TestSameAsBuild checks that the served worker and page helper are the bytes
// `swkit build` writes for the same folder and swkit.json (which is
// sitebuild.Build over the parsed, defaulted config), whether the options come
// from the file through LoadConfig or are written in Go.
func TestSameAsBuild(t *testing.T) {
	const js = `{
  "cacheId": "shop",
  "globIgnores": ["notes/**"],
  "navigateFallback": "index.html",
  "navigateFallbackDenylist": ["^/api/"],
  "offlinePage": "about/index.html",
  "clientsClaim": true,
  "navigationPreload": true,
  "ignoreURLParametersMatching": ["^utm_", "^ref$"],
  "runtimeCaching": [
    {"urlPattern": "/api/*", "handler": "NetworkFirst", "options": {"networkTimeoutSeconds": 3, "cacheName": "api"}},
    {"urlPattern": "/\\.png$/i", "handler": "staleWhileRevalidate", "options": {"broadcastUpdate": {}, "cacheableResponse": {"statuses": [0, 200]}}}
  ]
}`
	cfg, err := config.Parse("swkit.json", []byte(js))
	if err != nil {
		t.Fatal(err)
	}
	want, err := sitebuild.Build(site(), config.Defaults(cfg), sitebuild.Options{Hidden: []string{ConfigFile}})
	if err != nil {
		t.Fatal(err)
	}

	fromFile, err := LoadConfig(fstest.MapFS{"swkit.json": {Data: []byte(js)}}, "swkit.json")
	if err != nil {
		t.Fatal(err)
	}
	inGo := Config{
		CacheID:                     "shop",
		GlobIgnores:                 []string{"notes/**"},
		NavigateFallback:            "index.html",
		NavigateFallbackDenylist:    []string{"^/api/"},
		OfflinePage:                 "about/index.html",
		ClientsClaim:                true,
		NavigationPreload:           true,
		IgnoreURLParametersMatching: []string{"^utm_", "^ref$"},
		RuntimeCaching: []RuntimeCaching{
			{URLPattern: "/api/*", Handler: NetworkFirst, Options: RuntimeOptions{NetworkTimeoutSeconds: 3, CacheName: "api"}},
			{URLPattern: `/\.png$/i`, Handler: StaleWhileRevalidate, Options: RuntimeOptions{
				BroadcastUpdate:   &BroadcastUpdate{},
				CacheableResponse: &CacheableResponse{Statuses: []int{0, 200}},
			}},
		},
	}
	for name, cfg := range map[string]Config{"LoadConfig": fromFile, "Go": inGo} {
		t.Run(name, func(t *testing.T) {
			h := newTestHandler(t, site(), cfg)
			resp := get(t, h, "/sw.js")
			if got := body(t, resp); !bytes.Equal(got, want.Worker) {
				t.Errorf("sw.js differs from sitebuild.Build's (%d bytes, want %d)", len(got), len(want.Worker))
			}
			if got := body(t, get(t, h, "/swkit.js")); !bytes.Equal(got, want.PageHelper) {
				t.Errorf("swkit.js differs from sitebuild.Build's")
			}
			got := h.Result().Entries
			if len(got) != len(want.Manifest.Entries) {
				t.Fatalf("Result has %d entries, want %d", len(got), len(want.Manifest.Entries))
			}
			for i, e := range want.Manifest.Entries {
				if w := (PrecacheEntry{e.URL, e.Revision, e.Integrity, e.Size}); got[i] != w {
					t.Errorf("Entries[%d] = %+v, want %+v", i, got[i], w)
				}
			}
		})
	}
}

func TestWorkerHeaders(t *testing.T) {
	h := newTestHandler(t, site(), Config{Server: Server{
		ServiceWorkerAllowed: "/",
		Headers:              map[string]string{"X-Frame-Options": "DENY"},
	}})
	resp := get(t, h, "/sw.js")
	for k, want := range map[string]string{
		"Cache-Control":          "no-cache",
		"Content-Type":           "text/javascript; charset=utf-8",
		"Service-Worker-Allowed": "/",
		"X-Frame-Options":        "DENY",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("/sw.js %s = %q, want %q", k, got, want)
		}
	}
	if !bytes.Contains(body(t, resp), []byte("style.css")) {
		t.Errorf("/sw.js does not precache style.css")
	}
	// Extra headers go on errors too; Service-Worker-Allowed only on the worker.
	nf := get(t, h, "/missing.html")
	if nf.StatusCode != http.StatusNotFound || nf.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("404: status %d, X-Frame-Options %q", nf.StatusCode, nf.Header.Get("X-Frame-Options"))
	}
	if got := get(t, h, "/style.css").Header.Get("Service-Worker-Allowed"); got != "" {
		t.Errorf("/style.css Service-Worker-Allowed = %q, want none", got)
	}
}

// TestOwnWorker checks that a worker already in the file system (a folder
// that went through `swkit build`, or a hand-written worker) is served as it
// is, and nothing is generated.
func TestOwnWorker(t *testing.T) {
	own := []byte("// built elsewhere\nself.addEventListener('fetch', () => {});\n")
	fsys := site()
	fsys["app/worker.js"] = &fstest.MapFile{Data: own}
	h := newTestHandler(t, fsys, Config{SwDest: "app/worker.js"})
	resp := get(t, h, "/app/worker.js")
	if got := body(t, resp); !bytes.Equal(got, own) {
		t.Errorf("worker = %q, want the file's own", got)
	}
	if got := resp.Header.Get("Cache-Control"); got != "no-cache" {
		t.Errorf("Cache-Control = %q, want no-cache", got)
	}
	if r := h.Result(); r != nil {
		t.Errorf("Result = %+v, want nil", r)
	}
	for _, path := range []string{"/swkit.js", "/sw.js"} {
		if got := get(t, h, path).StatusCode; got != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404 (nothing generated)", path, got)
		}
	}
}

func TestSwDest(t *testing.T) {
	h := newTestHandler(t, site(), Config{SwDest: "app/sw.js"})
	if got := get(t, h, "/app/sw.js").StatusCode; got != http.StatusOK {
		t.Errorf("/app/sw.js: status %d, want 200", got)
	}
	if got := get(t, h, "/sw.js").StatusCode; got != http.StatusNotFound {
		t.Errorf("/sw.js: status %d, want 404", got)
	}
	if got := get(t, h, "/swkit.js").StatusCode; got != http.StatusOK {
		t.Errorf("/swkit.js: status %d, want 200", got)
	}
}

// TestBadConfig: an invalid option is a *config.Error that names its
// swkit.json key, as the command line reports it.
func TestBadConfig(t *testing.T) {
	route := func(r RuntimeCaching) Config { return Config{RuntimeCaching: []RuntimeCaching{r}} }
	tests := []struct {
		name string
		cfg  Config
		want string // the whole error
	}{
		{"invalid glob", Config{GlobPatterns: []string{"**/*.html", "[a-"}},
			`globPatterns[1]: invalid glob pattern "[a-"`},
		{"invalid ignore glob", Config{GlobIgnores: []string{"{a"}},
			`globIgnores[0]: invalid glob pattern "{a"`},
		{"bad regexp", Config{IgnoreURLParametersMatching: []string{"^utm_", "(ref"}},
			"ignoreURLParametersMatching[1]: invalid regular expression: missing closing ) in `(ref`"},
		{"go-only regexp", Config{NavigateFallbackDenylist: []string{`(?i)^/api`}},
			"navigateFallbackDenylist[0]: inline flags (?i) are Go-only; JavaScript sets flags on the whole expression"},
		{"go-only dontCacheBust", Config{DontCacheBustURLsMatching: `(?P<h>[0-9a-f]{8})`},
			"dontCacheBustURLsMatching: (?P<name>...) is Go-only; write (?<name>...)"},
		{"bad swDest", Config{SwDest: "worker"}, `swDest: "worker" must end in .js`},
		{"swDest outside", Config{SwDest: "../sw.js"},
			`swDest: "../sw.js" must be a relative file path without "..", "." or empty segments`},
		{"unknown handler", route(RuntimeCaching{URLPattern: "/api/*", Handler: "fastest"}),
			`runtimeCaching[0].handler: unknown handler "fastest": want one of cacheFirst, networkFirst, staleWhileRevalidate, networkOnly, cacheOnly`},
		{"missing pattern", route(RuntimeCaching{Handler: CacheFirst}),
			`runtimeCaching[0].urlPattern: required`},
		{"timeout off networkFirst", route(RuntimeCaching{URLPattern: "/x", Handler: CacheFirst, Options: RuntimeOptions{NetworkTimeoutSeconds: 2}}),
			`runtimeCaching[0].options.networkTimeoutSeconds: only allowed with handler networkFirst, not cacheFirst`},
		{"bad status", route(RuntimeCaching{URLPattern: "/x", Handler: CacheFirst, Options: RuntimeOptions{CacheableResponse: &CacheableResponse{Statuses: []int{200, 42}}}}),
			`runtimeCaching[0].options.cacheableResponse.statuses[1]: 42 is not an HTTP status (0 for opaque responses, or 100 to 599)`},
		{"lowercase method", route(RuntimeCaching{URLPattern: "/x", Handler: NetworkOnly, Method: "post"}),
			`runtimeCaching[0].method: "post" is not an uppercase HTTP method such as GET or POST`},
		{"managed header", Config{Server: Server{Headers: map[string]string{"Cache-Control": "no-store"}}},
			`server.headers.Cache-Control: set by the server itself`},
		{"push endpoint", Config{Push: &Push{Endpoint: "/push"}},
			`push.endpoint: "/push" must end in / (the worker appends public-key and subscriptions)`},
		{"invalid header", Config{Server: Server{Headers: map[string]string{"Bad Name": "x"}}},
			`server.headers.Bad Name: "Bad Name" is not a header name`},
		{"invalid Service-Worker-Allowed", Config{Server: Server{ServiceWorkerAllowed: "/\n"}},
			`server.serviceWorkerAllowed: "/\n" holds a control character`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for name, f := range map[string]func() error{
				"New":   func() error { _, err := New(site(), tt.cfg); return err },
				"Build": func() error { _, err := Build(site(), tt.cfg); return err },
			} {
				err := f()
				if err == nil {
					t.Fatalf("%s succeeded, want an error", name)
				}
				if got := err.Error(); got != tt.want {
					t.Errorf("%s:\n got %s\nwant %s", name, got, tt.want)
				}
				var ce *config.Error
				if !errors.As(err, &ce) || ce.Key == "" {
					t.Errorf("%s: %v is not a *config.Error with its key", name, err)
				}
			}
		})
	}
	if _, err := New(nil, Config{}); err == nil {
		t.Error("New(nil) succeeded, want an error")
	}
}

// TestConfigNotModified checks that New leaves the caller's config alone
// (validation normalises handler names in a copy).
func TestConfigNotModified(t *testing.T) {
	cfg := Config{RuntimeCaching: []RuntimeCaching{{URLPattern: "/img/**", Handler: "CacheFirst"}}}
	newTestHandler(t, site(), cfg)
	if got := cfg.RuntimeCaching[0].Handler; got != "CacheFirst" {
		t.Errorf("Handler = %q after New, want the caller's %q", got, "CacheFirst")
	}
}

func TestCaching(t *testing.T) {
	tests := []struct {
		name, path string
		cfg        Config
		want       string
	}{
		{"fingerprinted", "/assets/app.3f9a1c2b.js", Config{}, immutable},
		{"plain", "/vendor/lib.js", Config{}, "no-cache"},
		{"html", "/", Config{}, "no-cache"},
		// DontCacheBustURLsMatching says which names carry a hash: the
		// server caches them as immutable too.
		{"dontCacheBust", "/vendor/lib.js", Config{DontCacheBustURLsMatching: "^vendor/"}, immutable},
		{"dontCacheBust not html", "/about/", Config{DontCacheBustURLsMatching: "^about/"}, "no-cache"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newTestHandler(t, site(), tt.cfg)
			resp := get(t, h, tt.path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if got := resp.Header.Get("Cache-Control"); got != tt.want {
				t.Errorf("Cache-Control = %q, want %q", got, tt.want)
			}
		})
	}
	h := newTestHandler(t, site(), Config{DontCacheBustURLsMatching: "^vendor/"})
	for _, e := range h.Result().Entries {
		if e.URL == "vendor/lib.js" && e.Revision != "" {
			t.Errorf("vendor/lib.js precached with revision %q, want none", e.Revision)
		}
	}
}

func TestHidden(t *testing.T) {
	h := newTestHandler(t, site(), Config{})
	for _, path := range []string{"/.env", "/.git/config", "/img/../.env", "/%2e%2e/etc/passwd", "/.git/"} {
		if got := get(t, h, path).StatusCode; got != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, got)
		}
	}
	for _, e := range h.Result().Entries {
		if strings.HasPrefix(e.URL, ".") {
			t.Errorf("Manifest lists %s", e.URL)
		}
	}
}

func TestManifestAndWarnings(t *testing.T) {
	h := newTestHandler(t, site(), Config{MaximumFileSizeToCacheInBytes: 32 << 10, GlobIgnores: []string{"notes/**"}})
	var urls []string
	for _, e := range h.Result().Entries {
		urls = append(urls, e.URL)
	}
	want := []string{"about/index.html", "assets/app.3f9a1c2b.js", "img/logo.svg", "index.html", "style.css", "swkit.js", "vendor/lib.js"}
	if !reflect.DeepEqual(urls, want) {
		t.Errorf("Manifest URLs = %q, want %q", urls, want)
	}
	w := h.Result().Warnings
	if len(w) != 1 || w[0].Path != "big/video.mp4" || !strings.HasPrefix(w[0].String(), "big/video.mp4: 65536 bytes, over maximumFileSizeToCacheInBytes") {
		t.Errorf("Warnings = %q, want one about big/video.mp4", w)
	}
}

// TestStripPrefix mounts the handler under /app/: the worker's URLs are
// relative to its folder, so the same worker serves there.
func TestStripPrefix(t *testing.T) {
	h := newTestHandler(t, site(), Config{})
	mux := http.NewServeMux()
	mux.Handle("/app/", http.StripPrefix("/app", h))
	mux.HandleFunc("GET /api/ping", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "pong") })
	for path, want := range map[string]int{"/app/sw.js": 200, "/app/style.css": 200, "/app/": 200, "/api/ping": 200, "/style.css": 404} {
		if got := get(t, mux, path).StatusCode; got != want {
			t.Errorf("%s: status %d, want %d", path, got, want)
		}
	}
	// The folder redirect is relative, so it stays under the prefix.
	resp := get(t, mux, "/app/about")
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusMovedPermanently || loc != "./about/" {
		t.Errorf("/app/about: status %d, Location %q; want 301 to ./about/", resp.StatusCode, loc)
	}
}

// TestConcurrent serves many requests at once; run with -race.
func TestConcurrent(t *testing.T) {
	h := newTestHandler(t, site(), Config{})
	paths := []string{"/", "/style.css", "/sw.js", "/swkit.js", "/notes/long-text-file.txt", "/img/logo.svg", "/.env", "/about"}
	var wg sync.WaitGroup
	errs := make(chan error, 64*len(paths))
	for i := range 64 {
		wg.Go(func() {
			for _, p := range paths {
				req := httptest.NewRequest(http.MethodGet, p, nil)
				if i%2 == 0 {
					req.Header.Set("Accept-Encoding", "gzip")
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code >= 500 {
					errs <- fmt.Errorf("%s: status %d", p, rec.Code)
				}
			}
			_ = h.Result().Entries
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestCompress: on-the-fly gzip is on by default, and off with
// server.compress false.
func TestCompress(t *testing.T) {
	resp := get(t, newTestHandler(t, site(), Config{}), "/notes/long-text-file.txt", "Accept-Encoding: gzip")
	if got := resp.Header.Get("Content-Encoding"); got != "gzip" {
		t.Errorf("Content-Encoding = %q, want gzip", got)
	}
	off := false
	resp = get(t, newTestHandler(t, site(), Config{Server: Server{Compress: &off}}), "/notes/long-text-file.txt", "Accept-Encoding: gzip")
	if got := resp.Header.Get("Content-Encoding"); got != "" {
		t.Errorf("with compress false: Content-Encoding = %q, want none", got)
	}
}

// TestOSRoot serves a folder on disk through os.Root, as the docs advise.
func TestOSRoot(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte("<!doctype html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	h, err := New(root.FS(), Config{})
	if err != nil {
		t.Fatal(err)
	}
	if got := get(t, h, "/sw.js").StatusCode; got != http.StatusOK {
		t.Errorf("/sw.js: status %d", got)
	}
	if got := get(t, h, "/").StatusCode; got != http.StatusOK {
		t.Errorf("/: status %d", got)
	}
}

func TestLoadConfigErrors(t *testing.T) {
	fsys := fstest.MapFS{
		"bad.json":     {Data: []byte("{\n  \"runtimeCaching\": [{\"urlPattern\": \"/x\", \"handler\": \"fastest\"}]\n}")},
		"unknown.json": {Data: []byte(`{"globPattern": ["**/*"]}`)},
	}
	tests := []struct{ name, want string }{
		{"bad.json", `bad.json:2: runtimeCaching[0].handler: unknown handler "fastest": want one of cacheFirst, networkFirst, staleWhileRevalidate, networkOnly, cacheOnly`},
		{"unknown.json", `unknown.json:1: unknown key "globPattern" (did you mean "globPatterns"?)`},
		{"missing.json", `read config: open missing.json: file does not exist`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadConfig(fsys, tt.name)
			if err == nil || err.Error() != tt.want {
				t.Errorf("LoadConfig:\n got %v\nwant %s", err, tt.want)
			}
		})
	}
}

// TestTypedErrors: what a caller may act on is reachable with errors.Is and
// errors.As through every layer.
func TestTypedErrors(t *testing.T) {
	src := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(src, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	syntax := write("syntax.js", "import { precacheAndRoute } from 'swkit/sw';\nprecacheAndRoute(self.__SWKIT_MANIFEST);\nconst a = ;\n")
	noManifest := write("nomanifest.js", "import { skipWaitingOnMessage } from 'swkit/sw';\nskipWaitingOnMessage();\n")

	_, err := Build(site(), Config{SwSrc: syntax})
	var se *SourceError
	if !errors.As(err, &se) || se.File != filepath.ToSlash(syntax) || se.Line != 3 || se.Column != 11 {
		t.Errorf("syntax error: %v; as *SourceError %+v", err, se)
	}
	if _, err := Build(site(), Config{SwSrc: noManifest}); !errors.Is(err, ErrNoPlaceholder) {
		t.Errorf("no placeholder: %v, want ErrNoPlaceholder", err)
	}
	_, err = Build(site(), Config{SwSrc: filepath.Join(src, "missing.js")})
	var ce *config.Error
	if !errors.Is(err, fs.ErrNotExist) || !errors.As(err, &ce) || ce.Key != "swSrc" {
		t.Errorf("missing source: %v, want fs.ErrNotExist and a *config.Error on swSrc", err)
	}
	_, err = Build(site(), Config{NavigateFallback: "app.html"})
	if !errors.As(err, &ce) || ce.Key != "navigateFallback" {
		t.Errorf("fallback not precached: %v, want a *config.Error on navigateFallback", err)
	}
	locked := fstest.MapFS{"index.html": {Data: []byte("x")}}
	_, err = Build(errFS{locked, "index.html", fs.ErrPermission}, Config{})
	if !errors.Is(err, fs.ErrPermission) {
		t.Errorf("unreadable file: %v, want fs.ErrPermission", err)
	}

	dir := t.TempDir()
	own := filepath.Join(dir, "sw.js")
	if err := os.WriteFile(own, []byte("/* my worker, built with swkit in mind */\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteDir(dir, Config{}, DirOptions{NoCache: true}); !errors.Is(err, ErrNotOurs) {
		t.Errorf("hand-written sw.js: %v, want ErrNotOurs", err)
	}
}

// errFS is fsys, except that opening name fails with err.
type errFS struct {
	fs.FS
	name string
	err  error
}

func (f errFS) Open(name string) (fs.File, error) {
	if name == f.name {
		return nil, &fs.PathError{Op: "open", Path: name, Err: f.err}
	}
	return f.FS.Open(name)
}
