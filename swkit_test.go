package swkit

import (
	"bytes"
	"fmt"
	"io"
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

func newHandler(t *testing.T, fsys fstest.MapFS, opts Options) *Handler {
	t.Helper()
	h, err := New(fsys, opts)
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
	h1 := newHandler(t, site(), Options{})
	h2 := newHandler(t, site(), Options{})
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
	want, err := sitebuild.Build(site(), config.Defaults(cfg))
	if err != nil {
		t.Fatal(err)
	}

	fromFile, err := LoadConfig(fstest.MapFS{"swkit.json": {Data: []byte(js)}}, "swkit.json")
	if err != nil {
		t.Fatal(err)
	}
	inGo := Options{
		CacheID:                     "shop",
		GlobIgnores:                 []string{"notes/**"},
		NavigateFallback:            "index.html",
		NavigateFallbackDenylist:    []string{"^/api/"},
		OfflinePage:                 "about/index.html",
		ClientsClaim:                true,
		NavigationPreload:           true,
		IgnoreURLParametersMatching: []string{"^utm_", "^ref$"},
		RuntimeCaching: []RuntimeRoute{
			{URLPattern: "/api/*", Handler: NetworkFirst, Options: RouteOptions{NetworkTimeoutSeconds: 3, CacheName: "api"}},
			{URLPattern: `/\.png$/i`, Handler: StaleWhileRevalidate, Options: RouteOptions{
				BroadcastUpdate:   &BroadcastUpdate{},
				CacheableResponse: &CacheableResponse{Statuses: []int{0, 200}},
			}},
		},
	}
	for name, opts := range map[string]Options{"LoadConfig": fromFile, "Go": inGo} {
		t.Run(name, func(t *testing.T) {
			h := newHandler(t, site(), opts)
			resp := get(t, h, "/sw.js")
			if got := body(t, resp); !bytes.Equal(got, want.Worker) {
				t.Errorf("sw.js differs from sitebuild.Build's (%d bytes, want %d)", len(got), len(want.Worker))
			}
			if got := body(t, get(t, h, "/swkit.js")); !bytes.Equal(got, want.PageHelper) {
				t.Errorf("swkit.js differs from sitebuild.Build's")
			}
			if got := h.Manifest(); len(got) != len(want.Manifest.Entries) {
				t.Fatalf("Manifest has %d entries, want %d", len(got), len(want.Manifest.Entries))
			}
			for i, e := range want.Manifest.Entries {
				if got, w := h.Manifest()[i], (PrecacheEntry{e.URL, e.Revision, e.Integrity, e.Size}); got != w {
					t.Errorf("Manifest()[%d] = %+v, want %+v", i, got, w)
				}
			}
		})
	}
}

func TestWorkerHeaders(t *testing.T) {
	h := newHandler(t, site(), Options{
		ServiceWorkerAllowed: "/",
		Headers:              map[string]string{"X-Frame-Options": "DENY"},
	})
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
	h := newHandler(t, fsys, Options{SwDest: "app/worker.js"})
	resp := get(t, h, "/app/worker.js")
	if got := body(t, resp); !bytes.Equal(got, own) {
		t.Errorf("worker = %q, want the file's own", got)
	}
	if got := resp.Header.Get("Cache-Control"); got != "no-cache" {
		t.Errorf("Cache-Control = %q, want no-cache", got)
	}
	if m := h.Manifest(); m != nil {
		t.Errorf("Manifest = %v, want nil", m)
	}
	for _, path := range []string{"/swkit.js", "/sw.js"} {
		if got := get(t, h, path).StatusCode; got != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404 (nothing generated)", path, got)
		}
	}
}

func TestSwDest(t *testing.T) {
	h := newHandler(t, site(), Options{SwDest: "app/sw.js"})
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

func TestBadOptions(t *testing.T) {
	route := func(r RuntimeRoute) Options { return Options{RuntimeCaching: []RuntimeRoute{r}} }
	tests := []struct {
		name string
		opts Options
		want string // the whole error
	}{
		{"invalid glob", Options{GlobPatterns: []string{"**/*.html", "[a-"}},
			`swkit: GlobPatterns[1]: invalid glob pattern "[a-"`},
		{"invalid ignore glob", Options{GlobIgnores: []string{"{a"}},
			`swkit: GlobIgnores[0]: invalid glob pattern "{a"`},
		{"bad regexp", Options{IgnoreURLParametersMatching: []string{"^utm_", "(ref"}},
			"swkit: IgnoreURLParametersMatching[1]: invalid regular expression: error parsing regexp: missing closing ): `(ref`"},
		{"go-only regexp", Options{NavigateFallbackDenylist: []string{`(?i)^/api`}},
			"swkit: NavigateFallbackDenylist[0]: inline flags (?i) are Go-only; JavaScript sets flags on the whole expression"},
		{"go-only dontCacheBust", Options{DontCacheBustURLsMatching: `(?P<h>[0-9a-f]{8})`},
			"swkit: DontCacheBustURLsMatching: (?P<name>...) is Go-only; write (?<name>...)"},
		{"bad SwDest", Options{SwDest: "worker"}, `swkit: SwDest: "worker" must end in .js`},
		{"SwDest outside", Options{SwDest: "../sw.js"},
			`swkit: SwDest: "../sw.js" must be a relative file path without "..", "." or empty segments`},
		{"unknown handler", route(RuntimeRoute{URLPattern: "/api/*", Handler: "fastest"}),
			`swkit: RuntimeCaching[0].Handler: unknown handler "fastest": want one of cacheFirst, networkFirst, staleWhileRevalidate, networkOnly, cacheOnly`},
		{"missing pattern", route(RuntimeRoute{Handler: CacheFirst}),
			`swkit: RuntimeCaching[0].URLPattern: required`},
		{"timeout off networkFirst", route(RuntimeRoute{URLPattern: "/x", Handler: CacheFirst, Options: RouteOptions{NetworkTimeoutSeconds: 2}}),
			`swkit: RuntimeCaching[0].Options.NetworkTimeoutSeconds: only allowed with handler networkFirst, not cacheFirst`},
		{"bad status", route(RuntimeRoute{URLPattern: "/x", Handler: CacheFirst, Options: RouteOptions{CacheableResponse: &CacheableResponse{Statuses: []int{200, 42}}}}),
			`swkit: RuntimeCaching[0].Options.CacheableResponse.Statuses[1]: 42 is not an HTTP status (0 for opaque responses, or 100 to 599)`},
		{"lowercase method", route(RuntimeRoute{URLPattern: "/x", Handler: NetworkOnly, Method: "post"}),
			`swkit: RuntimeCaching[0].Method: "post" is not an uppercase HTTP method such as GET or POST`},
		{"managed header", Options{Headers: map[string]string{"Cache-Control": "no-store"}},
			`swkit: Headers "Cache-Control": set by the handler itself`},
		{"push endpoint", Options{Push: &Push{Endpoint: "/push"}},
			`swkit: Push.Endpoint: "/push" must end in / (the worker appends public-key and subscriptions)`},
		{"invalid header", Options{Headers: map[string]string{"Bad Name": "x"}},
			`swkit: Headers "Bad Name": invalid header`},
		{"invalid Service-Worker-Allowed", Options{ServiceWorkerAllowed: "/\n"},
			`swkit: ServiceWorkerAllowed "/\n": invalid header value`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(site(), tt.opts)
			if err == nil {
				t.Fatal("New succeeded, want an error")
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("New:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
	if _, err := New(nil, Options{}); err == nil {
		t.Error("New(nil) succeeded, want an error")
	}
}

// TestOptionsNotModified checks that New leaves the caller's options alone
// (validation normalises handler names in a copy).
func TestOptionsNotModified(t *testing.T) {
	opts := Options{RuntimeCaching: []RuntimeRoute{{URLPattern: "/img/**", Handler: "CacheFirst"}}}
	newHandler(t, site(), opts)
	if got := opts.RuntimeCaching[0].Handler; got != "CacheFirst" {
		t.Errorf("Handler = %q after New, want the caller's %q", got, "CacheFirst")
	}
}

func TestCaching(t *testing.T) {
	tests := []struct {
		name, path string
		opts       Options
		want       string
	}{
		{"fingerprinted", "/assets/app.3f9a1c2b.js", Options{}, immutable},
		{"plain", "/vendor/lib.js", Options{}, "no-cache"},
		{"html", "/", Options{}, "no-cache"},
		// DontCacheBustURLsMatching says which names carry a hash: the
		// server caches them as immutable too.
		{"dontCacheBust", "/vendor/lib.js", Options{DontCacheBustURLsMatching: "^vendor/"}, immutable},
		{"dontCacheBust not html", "/about/", Options{DontCacheBustURLsMatching: "^about/"}, "no-cache"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHandler(t, site(), tt.opts)
			resp := get(t, h, tt.path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if got := resp.Header.Get("Cache-Control"); got != tt.want {
				t.Errorf("Cache-Control = %q, want %q", got, tt.want)
			}
		})
	}
	h := newHandler(t, site(), Options{DontCacheBustURLsMatching: "^vendor/"})
	for _, e := range h.Manifest() {
		if e.URL == "vendor/lib.js" && e.Revision != "" {
			t.Errorf("vendor/lib.js precached with revision %q, want none", e.Revision)
		}
	}
}

func TestHidden(t *testing.T) {
	h := newHandler(t, site(), Options{})
	for _, path := range []string{"/.env", "/.git/config", "/img/../.env", "/%2e%2e/etc/passwd", "/.git/"} {
		if got := get(t, h, path).StatusCode; got != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, got)
		}
	}
	for _, e := range h.Manifest() {
		if strings.HasPrefix(e.URL, ".") {
			t.Errorf("Manifest lists %s", e.URL)
		}
	}
}

func TestManifestAndWarnings(t *testing.T) {
	h := newHandler(t, site(), Options{MaximumFileSizeToCacheInBytes: 32 << 10, GlobIgnores: []string{"notes/**"}})
	var urls []string
	for _, e := range h.Manifest() {
		urls = append(urls, e.URL)
	}
	want := []string{"about/index.html", "assets/app.3f9a1c2b.js", "img/logo.svg", "index.html", "style.css", "swkit.js", "vendor/lib.js"}
	if !reflect.DeepEqual(urls, want) {
		t.Errorf("Manifest URLs = %q, want %q", urls, want)
	}
	w := h.Warnings()
	if len(w) != 1 || !strings.HasPrefix(w[0], "big/video.mp4 ") {
		t.Errorf("Warnings = %q, want one about big/video.mp4", w)
	}
	// Read-only: changing the copies changes nothing.
	h.Manifest()[0].URL = "changed"
	if h.Manifest()[0].URL == "changed" {
		t.Error("Manifest returned the handler's own slice")
	}
}

// TestStripPrefix mounts the handler under /app/: the worker's URLs are
// relative to its folder, so the same worker serves there.
func TestStripPrefix(t *testing.T) {
	h := newHandler(t, site(), Options{})
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
	h := newHandler(t, site(), Options{Compress: true})
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
			_ = h.Manifest()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestCompress(t *testing.T) {
	h := newHandler(t, site(), Options{Compress: true})
	resp := get(t, h, "/notes/long-text-file.txt", "Accept-Encoding: gzip")
	if got := resp.Header.Get("Content-Encoding"); got != "gzip" {
		t.Errorf("Content-Encoding = %q, want gzip", got)
	}
	resp = get(t, newHandler(t, site(), Options{}), "/notes/long-text-file.txt", "Accept-Encoding: gzip")
	if got := resp.Header.Get("Content-Encoding"); got != "" {
		t.Errorf("without Compress: Content-Encoding = %q, want none", got)
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
	h, err := New(root.FS(), Options{})
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
		{"bad.json", `swkit: bad.json:2: runtimeCaching[0].handler: unknown handler "fastest": want one of cacheFirst, networkFirst, staleWhileRevalidate, networkOnly, cacheOnly`},
		{"unknown.json", `swkit: unknown.json:1: unknown key "globPattern" (did you mean "globPatterns"?)`},
		{"missing.json", `swkit: read config: open missing.json: file does not exist`},
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

// TestOptionsCoverConfig holds Options to swkit.json: a config that sets
// every key survives the trip through Options unchanged, and every config
// field has an Options field of the same Go name (which goName relies on).
// A key added to swkit.json fails here until Options carry it.
func TestOptionsCoverConfig(t *testing.T) {
	const js = `{
  "globPatterns": ["**/*.{html,css}"], "globIgnores": ["drafts/**"],
  "maximumFileSizeToCacheInBytes": 1000, "dontCacheBustURLsMatching": "\\.[0-9a-f]{8}\\.",
  "swDest": "app/sw.js", "cacheId": "a", "directoryIndex": "home.html",
  "ignoreURLParametersMatching": ["^x$"], "skipWaiting": true, "clientsClaim": true,
  "cleanupOutdatedCaches": false, "navigateFallback": "index.html",
  "navigateFallbackAllowlist": ["^/app/"], "navigateFallbackDenylist": ["^/api/"],
  "offlinePage": "offline.html", "navigationPreload": true,
  "runtimeCaching": [{"urlPattern": "/api/*", "method": "POST", "handler": "networkFirst", "options": {
    "cacheName": "api", "networkTimeoutSeconds": 2,
    "expiration": {"maxEntries": 5, "maxAgeSeconds": 60, "purgeOnQuotaError": true},
    "cacheableResponse": {"statuses": [200], "headers": {"X-Ok": "1"}},
    "broadcastUpdate": {"headersToCheck": ["ETag"]},
    "backgroundSync": {"name": "q", "maxRetentionTime": 10}}}],
  "push": {"endpoint": "/api/push/", "title": "News", "icon": "/icon.png", "badge": "/badge.png"}
}`
	cfg, err := config.Parse("swkit.json", []byte(js))
	if err != nil {
		t.Fatal(err)
	}
	assertAllSet(t, reflect.ValueOf(cfg), "config")
	if got := toConfig(fromConfig(cfg)); !reflect.DeepEqual(got, cfg) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, cfg)
	}

	pairs := []struct{ cfg, opts reflect.Type }{
		{reflect.TypeFor[config.Config](), reflect.TypeFor[Options]()},
		{reflect.TypeFor[config.RuntimeCaching](), reflect.TypeFor[RuntimeRoute]()},
		{reflect.TypeFor[config.RuntimeOptions](), reflect.TypeFor[RouteOptions]()},
		{reflect.TypeFor[config.Expiration](), reflect.TypeFor[Expiration]()},
		{reflect.TypeFor[config.CacheableResponse](), reflect.TypeFor[CacheableResponse]()},
		{reflect.TypeFor[config.BroadcastUpdate](), reflect.TypeFor[BroadcastUpdate]()},
		{reflect.TypeFor[config.BackgroundSync](), reflect.TypeFor[BackgroundSync]()},
		{reflect.TypeFor[config.Push](), reflect.TypeFor[Push]()},
	}
	renamed := map[string]bool{"Schema": true, "CleanupOutdatedCaches": true}
	for _, p := range pairs {
		for i := range p.cfg.NumField() {
			name := p.cfg.Field(i).Name
			if _, ok := p.opts.FieldByName(name); !ok && !renamed[name] {
				t.Errorf("%s has no field %s (config.%s has)", p.opts.Name(), name, p.cfg.Name())
			}
		}
	}
}

// assertAllSet fails for each field of v left at its zero value, so that the
// round trip above exercises every field.
func assertAllSet(t *testing.T, v reflect.Value, path string) {
	t.Helper()
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			t.Errorf("%s is not set in the test config", path)
		} else if v.Elem().Kind() == reflect.Struct {
			assertAllSet(t, v.Elem(), path)
		}
	case reflect.Slice:
		if v.Len() == 0 {
			t.Errorf("%s is not set in the test config", path)
			return
		}
		assertAllSet(t, v.Index(0), path+"[0]")
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.Name != "Schema" {
				assertAllSet(t, v.Field(i), path+"."+f.Name)
			}
		}
	default:
		if v.IsZero() {
			t.Errorf("%s is not set in the test config", path)
		}
	}
}

func TestGoName(t *testing.T) {
	tests := map[string]string{
		"":                             "Options",
		"cacheId":                      "CacheID",
		"globPatterns[3]":              "GlobPatterns[3]",
		"runtimeCaching[0].urlPattern": "RuntimeCaching[0].URLPattern",
		"runtimeCaching[2].options.expiration.maxEntries":          "RuntimeCaching[2].Options.Expiration.MaxEntries",
		"runtimeCaching[0].options.cacheableResponse.statuses[1]":  "RuntimeCaching[0].Options.CacheableResponse.Statuses[1]",
		"runtimeCaching[0].options.cacheableResponse.headers.X-Ok": "RuntimeCaching[0].Options.CacheableResponse.Headers.X-Ok",
	}
	for key, want := range tests {
		if got := goName(key); got != want {
			t.Errorf("goName(%q) = %q, want %q", key, got, want)
		}
	}
}
