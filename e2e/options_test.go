package e2e

import (
	"encoding/binary"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/swkit/swkit"
	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/browsertest"
)

// htmlPage is a minimal HTML page that registers the worker, with head added
// to its <head> and body as its body.
func htmlPage(title, head, body string) string {
	return fmt.Sprintf(`<!doctype html><html><head><meta charset="utf-8"><title>%s</title>%s%s</head><body>%s</body></html>`,
		title, head, registerScript, body)
}

// serveSite serves files (name -> content) with a worker built from cfg
// (swkit.New), and api, when not nil, for the paths it is given first
// (prefix -> handler). It opens the home page and waits until the worker
// controls it.
func serveSite(t *testing.T, files map[string]string, cfg config.Config, api map[string]http.Handler) (*browsertest.Server, *browsertest.Tab) {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, content := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(content)}
	}
	cfg.ClientsClaim = true
	h, err := swkit.New(fsys, cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := browsertest.NewServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for prefix, a := range api {
			if strings.HasPrefix(r.URL.Path, prefix) {
				a.ServeHTTP(w, r)
				return
			}
		}
		h.ServeHTTP(w, r)
	}))
	tab := controlledTab(t, srv.URL("/"))
	return srv, tab
}

// otherOrigin serves h on another port of 127.0.0.1: another origin of the
// same site, as a CDN or an API host would be. CORS is allowed for origin
// (with credentials) unless origin is "".
func otherOrigin(t *testing.T, origin string, h http.Handler) *browsertest.Server {
	t.Helper()
	return browsertest.NewServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin != "" {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}
		h.ServeHTTP(w, r)
	}))
}

// crossOriginRoute is a regular expression for the paths under prefix of
// any 127.0.0.1 origin, matching from the URL's start.
func crossOriginRoute(prefix string) string {
	return `/^http:\/\/127\.0\.0\.1:\d+` + strings.ReplaceAll(prefix, "/", `\/`) + `/`
}

// TestDestinationRoutes: routes by destination. Images (an <img>) go to
// one cache, every page navigation to another, and both answer with the
// server stopped; a fetch() of a picture, destination "", is not an image
// to the route.
func TestDestinationRoutes(t *testing.T) {
	files := map[string]string{
		"index.html":    htmlPage("home", "", `<a href="/notes/1.html">a note</a>`),
		"notes/1.html":  htmlPage("note 1", "", `<p>first note</p><img src="/img/a.svg" alt="">`),
		"img/a.svg":     `<svg xmlns="http://www.w3.org/2000/svg" width="7" height="5"/>`,
		"img/other.svg": `<svg xmlns="http://www.w3.org/2000/svg" width="3" height="3"/>`,
	}
	cfg := config.Config{
		GlobPatterns: []string{"index.html"},
		RuntimeCaching: []config.RuntimeCaching{
			{Destination: []string{"image"}, Handler: "cacheFirst", Options: config.RuntimeOptions{CacheName: "images"}},
			{Destination: []string{"document"}, Handler: "networkFirst", Options: config.RuntimeOptions{CacheName: "pages"}},
		},
	}
	srv, tab := serveSite(t, files, cfg, nil)
	tab.Navigate(srv.URL("/notes/1.html"))
	tab.WaitFor(`document.querySelector('img').complete`)
	waitCached(tab, "pages", "/notes/1.html", files["notes/1.html"])
	tab.WaitFor(`caches.open('images').then((c) => c.match('/img/a.svg')).then(Boolean)`)
	if got := fetchText(tab, "/img/other.svg"); got != files["img/other.svg"] {
		t.Fatalf("fetch /img/other.svg = %q", got)
	}

	srv.Stop()
	if err := navigateErr(tab, srv.URL("/notes/1.html")); err != nil {
		t.Fatalf("offline navigation: %v", err)
	}
	if got := bodyText(tab); got != "first note" {
		t.Errorf("offline /notes/1.html shows %q", got)
	}
	tab.WaitFor(`document.querySelector('img').complete`)
	if w := browsertest.Eval[int](tab, `document.querySelector('img').naturalWidth`); w != 7 {
		t.Errorf("offline picture width %d, want 7 (from the images cache)", w)
	}
	keys := tab.CacheKeys("images")
	if len(keys) != 1 || !strings.HasSuffix(keys[0], "/img/a.svg") {
		t.Errorf("images cache holds %v, want only the <img> (a fetch() is not an image)", keys)
	}
}

// TestCrossOriginRegexpKeepsToItsOrigin: as in Workbox, a regular
// expression that matches another origin's URL in its middle does not take
// it: the route for /api/ caches this origin's API, not another host's.
func TestCrossOriginRegexpKeepsToItsOrigin(t *testing.T) {
	api := newCounting()
	var srv *browsertest.Server
	other := otherOrigin(t, "*", api)
	cfg := config.Config{RuntimeCaching: []config.RuntimeCaching{
		{URLPattern: `/\/api\//`, Handler: "networkFirst", Options: config.RuntimeOptions{CacheName: "api"}},
	}}
	srv, tab := serveSite(t, map[string]string{"index.html": htmlPage("home", "", "")}, cfg, map[string]http.Handler{"/api/": api})
	if got := fetchText(tab, "/api/mine"); got != "/api/mine v1" {
		t.Fatalf("same origin: %q", got)
	}
	if got := fetchText(tab, other.URL("/api/theirs")); got != "/api/theirs v1" {
		t.Fatalf("other origin: %q", got)
	}
	waitCached(tab, "api", "/api/mine", "/api/mine v1")
	if got := cachedText(tab, "api", other.URL("/api/theirs")); got != "" {
		t.Errorf("the route cached another origin's /api/: %q", got)
	}
	_ = srv
}

// TestOpaqueResponsesCachedByDefault: as in Workbox, networkFirst and
// staleWhileRevalidate keep opaque responses (status 0) unless the route
// says otherwise, so another origin's stylesheet loaded without CORS
// applies offline.
func TestOpaqueResponsesCachedByDefault(t *testing.T) {
	cdn := otherOrigin(t, "", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css")
		fmt.Fprint(w, "body { color: rgb(1, 2, 3); }")
	}))
	cfg := config.Config{RuntimeCaching: []config.RuntimeCaching{
		{URLPattern: crossOriginRoute("/styles/"), Handler: "staleWhileRevalidate", Options: config.RuntimeOptions{CacheName: "cdn"}},
	}}
	files := map[string]string{"index.html": htmlPage("home", `<link rel="stylesheet" href="`+cdn.URL("/styles/site.css")+`">`, "<p>text</p>")}
	srv, tab := serveSite(t, files, cfg, nil)
	tab.Reload() // now under the worker's control
	tab.WaitFor(fmt.Sprintf(`caches.open('cdn').then((c) => c.match(%s)).then((r) => r && r.type === 'opaque')`, jsonString(cdn.URL("/styles/site.css"))))

	srv.Stop()
	cdn.Stop()
	tab.Reload()
	if c := browsertest.Eval[string](tab, `getComputedStyle(document.body).color`); c != "rgb(1, 2, 3)" {
		t.Errorf("offline, the other origin's stylesheet gives %s, want rgb(1, 2, 3)", c)
	}
}

// wav is a mono 8-bit PCM WAV file of n samples at 8 kHz, each sample's
// value its index modulo 251 (so any slice of it is recognisable).
func wav(n int) []byte {
	b := make([]byte, 44+n)
	copy(b, "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+n))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1) // PCM
	binary.LittleEndian.PutUint16(b[22:], 1) // mono
	binary.LittleEndian.PutUint32(b[24:], 8000)
	binary.LittleEndian.PutUint32(b[28:], 8000)
	binary.LittleEndian.PutUint16(b[32:], 1)
	binary.LittleEndian.PutUint16(b[34:], 8)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(n))
	for i := range n {
		b[44+i] = byte(i % 251)
	}
	return b
}

// rangeJS fetches a range of a URL: "status content-range bytes".
const rangeJS = `((u, range) => fetch(u, { headers: { Range: range } }).then(async (r) => {
	const b = new Uint8Array(await r.arrayBuffer());
	return r.status + ' ' + r.headers.get('Content-Range') + ' ' + b.byteLength + ':' + b[0];
}, (e) => 'error: ' + e.message))`

// TestRangeRequestsOffline: with rangeRequests, a precached recording and
// one cached at run time answer range requests from the cache (206), so
// an <audio> element plays and seeks with the server stopped.
func TestRangeRequestsOffline(t *testing.T) {
	const n = 80000 // 10 s at 8 kHz
	sound := string(wav(n))
	files := map[string]string{
		"index.html":     htmlPage("home", "", `<audio preload="auto" src="/media/a.wav"></audio>`),
		"media/a.wav":    sound,
		"podcast/b.wav":  sound,
		"podcast/c.html": "not media",
	}
	cfg := config.Config{
		GlobIgnores: []string{"podcast/**"},
		RuntimeCaching: []config.RuntimeCaching{
			{URLPattern: "/media/**", Handler: "cacheFirst", Options: config.RuntimeOptions{RangeRequests: true}},
			{URLPattern: "/podcast/**", Handler: "cacheFirst", Options: config.RuntimeOptions{CacheName: "podcast", RangeRequests: true}},
		},
	}
	srv, tab := serveSite(t, files, cfg, nil)
	// "Save for offline": the whole file, fetched once without a range.
	browsertest.Eval[int](tab, `fetch('/podcast/b.wav').then((r) => r.arrayBuffer()).then((b) => b.byteLength)`)
	tab.WaitFor(`caches.open('podcast').then((c) => c.match('/podcast/b.wav')).then(Boolean)`)

	srv.Stop()
	srv.ResetHits()
	tab.Reload()
	for _, path := range []string{"/media/a.wav", "/podcast/b.wav"} {
		for _, tc := range []struct{ rng, want string }{
			{"bytes=1044-1143", fmt.Sprintf("206 bytes 1044-1143/%d 100:%d", n+44, 1000%251)},
			{"bytes=-10", fmt.Sprintf("206 bytes %d-%d/%d 10:%d", n+34, n+43, n+44, (n-10)%251)},
			{"bytes=999999-", fmt.Sprintf("416 bytes */%d 0:undefined", n+44)},
		} {
			got := browsertest.Eval[string](tab, fmt.Sprintf(`%s(%s, %s)`, rangeJS, jsonString(path), jsonString(tc.rng)))
			if got != tc.want {
				t.Errorf("offline %s Range %s: %q, want %q", path, tc.rng, got, tc.want)
			}
		}
	}
	// The media element asks for ranges itself: it loads and seeks.
	seeked := browsertest.Eval[string](tab, `(async () => {
		const a = document.querySelector('audio');
		if (a.readyState < 1) await new Promise((ok, fail) => { a.onloadedmetadata = ok; a.onerror = () => fail(new Error('media error ' + a.error?.code)); a.load(); });
		const done = new Promise((ok) => { a.onseeked = ok; });
		a.currentTime = 7.5;
		await done;
		return a.duration.toFixed(1) + ' ' + a.currentTime.toFixed(1);
	})().catch((e) => 'error: ' + e.message)`)
	if seeked != "10.0 7.5" {
		t.Errorf("offline <audio>: %q, want duration 10.0, seeked to 7.5", seeked)
	}
	if hits := srv.Hits(); len(hits) != 0 {
		t.Errorf("a stopped server saw requests: %v", hits)
	}
}

// TestImportScripts: the worker loads importScripts before its own code;
// here a script that answers one path itself.
func TestImportScripts(t *testing.T) {
	files := map[string]string{
		"index.html": htmlPage("home", "", ""),
		"extra/hello.js": `addEventListener('fetch', (e) => {
  if (new URL(e.request.url).pathname === '/hello') e.respondWith(new Response('hello from an imported script'));
});`,
	}
	_, tab := serveSite(t, files, config.Config{ImportScripts: []string{"extra/hello.js"}}, nil)
	if got := fetchText(tab, "/hello"); got != "hello from an imported script" {
		t.Errorf("fetch /hello = %q", got)
	}
}

// TestMatchOptions: ignoreSearch answers another query from the cache, and
// ignoreVary a request whose Vary header differs, with the server stopped;
// a route without them does not.
func TestMatchOptions(t *testing.T) {
	api := newCounting()
	api.header = func(path string, h http.Header) { h.Set("Vary", "X-Lang") }
	route := func(name string, mo *config.MatchOptions) config.RuntimeCaching {
		return config.RuntimeCaching{URLPattern: "/api/" + name + "/**", Handler: "networkFirst",
			Options: config.RuntimeOptions{CacheName: name, MatchOptions: mo}}
	}
	cfg := config.Config{RuntimeCaching: []config.RuntimeCaching{
		route("search", &config.MatchOptions{IgnoreSearch: true}),
		route("vary", &config.MatchOptions{IgnoreVary: true}),
		route("plain", nil),
	}}
	srv, tab := serveSite(t, map[string]string{"index.html": htmlPage("home", "", "")}, cfg, map[string]http.Handler{"/api/": api})
	langFetch := func(path, lang string) string {
		return browsertest.Eval[string](tab, fmt.Sprintf(`fetch(%s, { headers: { 'X-Lang': %s } }).then((r) => r.text(), (e) => 'error: ' + e.message)`,
			jsonString(path), jsonString(lang)))
	}
	for _, p := range []string{"/api/search/a?v=1", "/api/vary/b", "/api/plain/c?v=1", "/api/plain/d"} {
		langFetch(p, "en")
	}
	tab.WaitFor(`caches.open('plain').then((c) => c.keys()).then((k) => k.length === 2)`)
	tab.WaitFor(`caches.open('vary').then((c) => c.keys()).then((k) => k.length === 1)`)
	tab.WaitFor(`caches.open('search').then((c) => c.keys()).then((k) => k.length === 1)`)

	srv.Stop()
	for _, tc := range []struct{ path, lang, want string }{
		{"/api/search/a?v=2", "en", "/api/search/a v1"},
		{"/api/vary/b", "fr", "/api/vary/b v1"},
		{"/api/plain/c?v=2", "en", "error: Failed to fetch"},
		{"/api/plain/d", "fr", "error: Failed to fetch"},
	} {
		if got := langFetch(tc.path, tc.lang); got != tc.want {
			t.Errorf("offline %s (X-Lang %s) = %q, want %q", tc.path, tc.lang, got, tc.want)
		}
	}
}

// TestFetchOptions: a route's fetchOptions reach the network request:
// credentials "include" sends this site's cookie to an API on another
// origin, and mode "cors" makes another origin's pictures readable
// responses that a route keeping only status 200 can store.
func TestFetchOptions(t *testing.T) {
	var srv *browsertest.Server
	apiHost := newCounting()
	var siteOrigin string
	api := otherOrigin(t, "", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", siteOrigin)
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		if strings.HasPrefix(r.URL.Path, "/img/") {
			w.Header().Set("Content-Type", "image/svg+xml")
			fmt.Fprint(w, `<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>`)
			return
		}
		apiHost.ServeHTTP(w, r)
		fmt.Fprintf(w, " cookie=%q", r.Header.Get("Cookie"))
	}))
	cfg := config.Config{RuntimeCaching: []config.RuntimeCaching{
		{URLPattern: crossOriginRoute("/api/"), Handler: "networkFirst",
			Options: config.RuntimeOptions{CacheName: "api", FetchOptions: &config.FetchOptions{Credentials: "include"}}},
		{URLPattern: crossOriginRoute("/img/"), Handler: "cacheFirst",
			Options: config.RuntimeOptions{CacheName: "img", FetchOptions: &config.FetchOptions{Mode: "cors"}}},
	}}
	fsys := map[string]string{"index.html": htmlPage("home", "", "")}
	srv, tab := serveSite(t, fsys, cfg, nil)
	siteOrigin = strings.TrimSuffix(srv.URL(""), "/")
	browsertest.Eval[bool](tab, `(document.cookie = 'session=s3cret', true)`)

	if got := fetchText(tab, api.URL("/api/me")); got != `/api/me v1 cookie="session=s3cret"` {
		t.Errorf("cross-origin API with credentials include: %q", got)
	}
	browsertest.Eval[bool](tab, fmt.Sprintf(`new Promise((ok) => { const i = new Image(); i.onload = i.onerror = () => ok(true); i.src = %s; })`,
		jsonString(api.URL("/img/x.svg"))))
	tab.WaitFor(fmt.Sprintf(`caches.open('img').then((c) => c.match(%s)).then((r) => r && r.status === 200 && r.type === 'cors')`,
		jsonString(api.URL("/img/x.svg"))))
}

// TestNavigateFallbackListsSeeTheQuery: as in Workbox, the fallback's lists
// are tested against the path and the query, so a denylisted query keeps
// a navigation off the app shell.
func TestNavigateFallbackListsSeeTheQuery(t *testing.T) {
	files := map[string]string{"index.html": htmlPage("shell", "", "<p>app shell</p>")}
	cfg := config.Config{NavigateFallback: "index.html", NavigateFallbackDenylist: []string{`[?&]raw=1`}}
	srv, tab := serveSite(t, files, cfg, nil)
	srv.Stop()
	if err := navigateErr(tab, srv.URL("/app/x?tab=2")); err != nil {
		t.Fatalf("offline /app/x?tab=2: %v", err)
	}
	if got := bodyText(tab); got != "app shell" {
		t.Errorf("offline /app/x?tab=2 shows %q, want the app shell", got)
	}
	tab.Navigate(srv.URL("/"))
	if err := navigateErr(tab, srv.URL("/app/x?raw=1")); err == nil && bodyText(tab) == "app shell" {
		t.Error("offline /app/x?raw=1 got the app shell, which the denylist refuses")
	}
}

// TestModifyURLPrefixFromCDN: with modifyURLPrefix the site's stylesheet
// is precached from a CDN (another origin, allowing CORS) and applies with
// both servers stopped; the install fetched it from the CDN once.
func TestModifyURLPrefixFromCDN(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "css"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "css", "app.css"), []byte("body { color: rgb(9, 8, 7); }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cdn := otherOrigin(t, "*", http.FileServer(http.Dir(dir)))
	files := map[string]string{
		"index.html":  htmlPage("home", `<link rel="stylesheet" href="`+cdn.URL("/css/app.css")+`">`, "<p>text</p>"),
		"css/app.css": "body { color: rgb(9, 8, 7); }\n",
	}
	cfg := config.Config{ModifyURLPrefix: map[string]string{"css/": cdn.URL("/css/")}}
	srv, tab := serveSite(t, files, cfg, nil)
	checkInstallFetched(t, cdn, []string{"/css/app.css"})
	if got := srv.Counts(workerFetch)["/css/app.css"]; got != 0 {
		t.Errorf("the install fetched the origin's stylesheet %d times, want 0", got)
	}
	srv.Stop()
	cdn.Stop()
	tab.Reload()
	if c := browsertest.Eval[string](tab, `getComputedStyle(document.body).color`); c != "rgb(9, 8, 7)" {
		t.Errorf("offline colour %s, want the CDN stylesheet's rgb(9, 8, 7)", c)
	}
}

// TestWorkerInFolderOffline: swDest in a folder ("app/sw.js") builds,
// registers with a scope above its folder (server.serviceWorkerAllowed)
// and serves the whole site with the server stopped.
func TestWorkerInFolderOffline(t *testing.T) {
	dir := t.TempDir()
	reg := `<script type="module">import { register } from '/swkit.js'; register('/app/sw.js', { scope: '/' });</script>`
	for name, content := range map[string]string{
		"index.html":    `<!doctype html><meta charset="utf-8"><title>home</title>` + reg + `<link rel="stylesheet" href="/style.css"><p>home page</p>`,
		"app/page.html": `<!doctype html><meta charset="utf-8"><title>app</title><link rel="stylesheet" href="/style.css"><p>app page</p>`,
		"style.css":     "p { color: rgb(4, 5, 6); }\n",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := config.Config{SwDest: "app/sw.js", ClientsClaim: true, Server: config.Server{ServiceWorkerAllowed: "/"}}
	if _, err := swkit.WriteDir(dir, cfg, swkit.DirOptions{NoCache: true}); err != nil {
		t.Fatal(err)
	}
	h, err := swkit.NewDir(dir, cfg, swkit.DirOptions{NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	srv := browsertest.NewServer(t, h)
	tab := controlledTab(t, srv.URL("/"))
	checkInstallFetched(t, srv, []string{"/app/page.html", "/index.html", "/style.css", "/swkit.js"})
	srv.Stop()
	for _, tc := range []struct{ path, want string }{{"/", "home page"}, {"/app/page.html", "app page"}} {
		if err := navigateErr(tab, srv.URL(tc.path)); err != nil {
			t.Fatalf("offline %s: %v", tc.path, err)
		}
		if got := bodyText(tab); got != tc.want {
			t.Errorf("offline %s shows %q", tc.path, got)
		}
		if c := browsertest.Eval[string](tab, `getComputedStyle(document.querySelector('p')).color`); c != "rgb(4, 5, 6)" {
			t.Errorf("offline %s: colour %s", tc.path, c)
		}
	}
}

// TestNoStoreWarning: a caching route that gets a no-store response tells
// the page (the page helper's no-store event) that the URL will not work
// offline, once.
func TestNoStoreWarning(t *testing.T) {
	api := newCounting()
	api.header = func(path string, h http.Header) { h.Set("Cache-Control", "no-store") }
	files := map[string]string{"index.html": `<!doctype html><meta charset="utf-8"><title>home</title>
<script type="module">import { register } from '/swkit.js';
window.noStore = [];
register('/sw.js').addEventListener('no-store', (e) => window.noStore.push(e.detail.cacheName + ' ' + new URL(e.detail.url).pathname));
</script>`}
	cfg := config.Config{RuntimeCaching: []config.RuntimeCaching{
		{URLPattern: "/api/**", Handler: "networkFirst", Options: config.RuntimeOptions{CacheName: "api"}},
	}}
	_, tab := serveSite(t, files, cfg, map[string]http.Handler{"/api/": api})
	fetchText(tab, "/api/time")
	fetchText(tab, "/api/time")
	tab.WaitFor(`window.noStore.length > 0`)
	if got := browsertest.Eval[[]string](tab, `window.noStore`); len(got) != 1 || got[0] != "api /api/time" {
		t.Errorf("no-store events %v, want one for /api/time in cache api", got)
	}
	if keys := tab.CacheKeys("api"); len(keys) != 0 {
		t.Errorf("the route stored a no-store response: %v", keys)
	}
}
