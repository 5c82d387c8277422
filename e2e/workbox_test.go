package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/swkit/swkit"
	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/browsertest"
	"github.com/swkit/swkit/server"
)

// The Workbox config the repo keeps and swkit's translation of it.
const (
	workboxFixture    = "../config/testdata/workbox/generateSW.config.js"
	translatedFixture = "../config/testdata/workbox-translated.swkit.json"
	paritySite        = "testdata/workbox/site"
)

// The fixture's fonts route matches https://fonts.googleapis.com and
// fonts.gstatic.com: cross-origin hosts this machine cannot reach, and that
// no test server can stand in for (the browser would resolve them for real).
// Both workers get the same stand-in instead: the same route (a full-URL
// regular expression, staleWhileRevalidate, cache "fonts", maxEntries 30,
// statuses [0, 200]) pointed at the test server's /fonts/. What the stand-in
// cannot show is the opaque (status 0) response of a real cross-origin font.
// The stand-in is written the same in both configs: a JavaScript regular
// expression literal, and swkit's "/source/flags" string form.
const fontsStandIn = `/^http:\/\/127\.0\.0\.1:\d+\/fonts\/.*/`

// workboxCLI is the workbox-cli binary that ./test.sh installs (or the one
// $SWKIT_WORKBOX_CLI names). Missing, the test fails: a parity test that does
// not run proves nothing.
func workboxCLI(t *testing.T) string {
	t.Helper()
	cli := os.Getenv("SWKIT_WORKBOX_CLI")
	if cli == "" {
		abs, err := filepath.Abs("../.cache/npm/node_modules/.bin/workbox")
		if err != nil {
			t.Fatal(err)
		}
		cli = abs
	}
	if _, err := os.Stat(cli); err != nil {
		t.Fatalf("workbox-cli not found (%v): ./test.sh installs it, or run 'npm install --prefix .cache/npm workbox-cli@7' in the repo (or set SWKIT_WORKBOX_CLI to a workbox binary)", err)
	}
	return cli
}

// writeParitySite copies the site's text files into dir (which must not
// exist) and adds its pictures: two PNGs (precached by the fixture's
// globPatterns) and three JPEGs (not precached: the images route caches
// them). It returns errors rather than failing the test, for Workbox's
// build, which runs on a goroutine of its own.
func writeParitySite(dir string) error {
	if err := os.CopyFS(dir, os.DirFS(paritySite)); err != nil {
		return err
	}
	pictures := map[string][]byte{
		"img/logo.png":     encodePicture(1, png.Encode),
		"img/hero.png":     encodePicture(2, png.Encode),
		"photos/cat-1.jpg": encodePicture(3, jpegEncode),
		"photos/cat-2.jpg": encodePicture(4, jpegEncode),
		"photos/cat-3.jpg": encodePicture(5, jpegEncode),
	}
	for name, data := range pictures {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func jpegEncode(w io.Writer, img image.Image) error {
	return jpeg.Encode(w, img, &jpeg.Options{Quality: 90})
}

// encodePicture is a 16x16 picture of one colour per index.
func encodePicture(i int, encode func(io.Writer, image.Image) error) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for p := 0; p < len(img.Pix); p += 4 {
		img.Pix[p], img.Pix[p+1], img.Pix[p+2], img.Pix[p+3] = uint8(i*40), uint8(200-i*20), 120, 255
	}
	img.Set(0, 0, color.RGBA{A: 255})
	var b bytes.Buffer
	if err := encode(&b, img); err != nil {
		panic(err) // writing to memory cannot fail
	}
	return b.Bytes()
}

// buildWithWorkbox runs Workbox's own generateSW on a copy of the site with
// the fixture config, changed only where it must be: globDirectory and swDest
// point at the copy, and the fonts route at the same-origin stand-in. It
// builds in work (a new folder) and returns the site's folder, now holding
// sw.js and Workbox's runtime beside the site.
func buildWithWorkbox(ctx context.Context, work, cli string) (string, error) {
	dir := filepath.Join(work, "site")
	if err := writeParitySite(dir); err != nil {
		return "", err
	}
	fixture, err := filepath.Abs(workboxFixture)
	if err != nil {
		return "", err
	}
	wrapper := fmt.Sprintf(`// The repo's Workbox fixture, adapted to the parity test's folder.
const base = require(%s);
module.exports = {
  ...base,
  globDirectory: %s,
  swDest: %s,
  runtimeCaching: base.runtimeCaching.map((route) =>
    route.options && route.options.cacheName === 'fonts' ? { ...route, urlPattern: %s } : route),
};
`, jsonString(fixture), jsonString(dir+"/"), jsonString(filepath.Join(dir, "sw.js")), fontsStandIn)
	configPath := filepath.Join(filepath.Dir(dir), "workbox-config.js")
	if err := os.WriteFile(configPath, []byte(wrapper), 0o644); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, cli, "generateSW", configPath)
	cmd.Dir = filepath.Dir(dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("workbox generateSW: %w\n%s", err, out)
	}
	worker, err := os.ReadFile(filepath.Join(dir, "sw.js"))
	if err != nil {
		return "", fmt.Errorf("workbox generateSW wrote no sw.js: %w\n%s", err, out)
	}
	if !strings.Contains(string(worker), `cacheName:"fonts"`) || !strings.Contains(string(worker), `127\.0\.0\.1`) {
		return "", fmt.Errorf("Workbox's sw.js lacks the fonts stand-in route:\n%s", worker)
	}
	return dir, nil
}

// buildWithSwkit builds the translated config over a copy of the site with
// swkit.Build, as `swkit build` does, with the same fonts stand-in. It
// returns the folder and the in-memory files to serve over it.
func buildWithSwkit(t *testing.T) (string, map[string][]byte) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "site")
	if err := writeParitySite(dir); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(translatedFixture)
	if err != nil {
		t.Fatal(err)
	}
	replaced := false
	for i, r := range cfg.RuntimeCaching {
		if r.Options.CacheName == "fonts" {
			cfg.RuntimeCaching[i].URLPattern = fontsStandIn
			replaced = true
		}
	}
	if !replaced {
		t.Fatalf("%s has no fonts route", translatedFixture)
	}
	out, err := swkit.Build(os.DirFS(dir), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return dir, out.Generated()
}

// parityServer serves a built site: /api/ answers JSON that counts the
// requests for each URL (so a body tells which request produced it; a 404
// for /api/missing), /fonts/ the same in plain text, the rest the folder.
// Each worker gets a fresh one: a new port, a new origin, counts from zero.
func parityServer(t *testing.T, dir string, files map[string][]byte) *browsertest.Server {
	t.Helper()
	site, err := server.New(os.DirFS(dir), swkit.Config{}, server.Options{Generated: files})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	n := map[string]int{}
	return browsertest.NewServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dynamic := strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/fonts/")
		if !dynamic {
			site.ServeHTTP(w, r)
			return
		}
		mu.Lock()
		n[r.URL.RequestURI()]++
		count := n[r.URL.RequestURI()]
		mu.Unlock()
		w.Header().Set("Cache-Control", "no-cache")
		switch {
		case r.URL.Path == "/api/missing":
			http.NotFound(w, r)
		case strings.HasPrefix(r.URL.Path, "/api/"):
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{"url": r.URL.RequestURI(), "n": count})
		default:
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprintf(w, "font %s v%d", r.URL.Path, count)
		}
	}))
}

// outcomeJS is what a page's fetch() of a URL gets: the status and, for the
// test server's dynamic answers, the text, else a hash of the body; or
// "network error" when the fetch rejects.
const outcomeJS = `((u) => fetch(u).then(async (r) => {
	const type = r.headers.get('Content-Type') || '';
	if (type.startsWith('application/json') || type.startsWith('text/plain')) return r.status + ' ' + (await r.text()).trim();
	const d = new Uint8Array(await crypto.subtle.digest('SHA-256', await r.arrayBuffer()));
	return r.status + ' sha256:' + [...d.slice(0, 6)].map((b) => b.toString(16).padStart(2, '0')).join('');
}, () => 'network error'))`

// navigationJS is what a navigation rendered: its status, title and text.
const navigationJS = `(() => {
	const nav = performance.getEntriesByType('navigation')[0];
	return (nav ? nav.responseStatus : 0) + ' ' + document.title + ' | ' + document.body.innerText.trim().slice(0, 60);
})()`

// cacheHas waits for a runtime cache write (made after the page has its
// answer): cache holds url, with a body containing want when want is set.
func cacheHas(tab *browsertest.Tab, cache, path, want string) {
	tab.T.Helper()
	tab.WaitFor(fmt.Sprintf(`caches.open(%s).then((c) => c.match(%s)).then((r) => (r ? r.text() : null)).then((t) => t !== null && t.includes(%s))`,
		jsonString(cache), jsonString(path), jsonString(want)))
}

// parityStep is one request of the scenario. settle, when set, waits for
// what the worker does after answering (a cache write), so that the next
// step starts from the same state under both workers.
type parityStep struct {
	path     string
	navigate bool
	settle   func(tab *browsertest.Tab)
}

func fetchStep(path string) parityStep    { return parityStep{path: path} }
func navigateStep(path string) parityStep { return parityStep{path: path, navigate: true} }

func (s parityStep) then(settle func(tab *browsertest.Tab)) parityStep {
	s.settle = settle
	return s
}

func cached(cache, path, want string) func(*browsertest.Tab) {
	return func(tab *browsertest.Tab) { cacheHas(tab, cache, path, want) }
}

// The online phase, in order: each runtime route stored into and read back,
// precached files (one with tracking parameters), a 404 under each cache
// route (not cacheable), files the globs leave out, and navigations: the
// directory index, a clean URL, the SPA deep link and a query the precache
// does not ignore (both answered by navigateFallback), a globIgnored page
// (navigateFallback too), a denylisted /api/ navigation (the api route) and a
// denylisted /admin one (the network).
var onlineSteps = []parityStep{
	fetchStep("/photos/cat-1.jpg").then(cached("images", "/photos/cat-1.jpg", "")),
	fetchStep("/photos/cat-1.jpg"),
	fetchStep("/photos/cat-2.jpg").then(cached("images", "/photos/cat-2.jpg", "")),
	fetchStep("/photos/missing.jpg"),
	fetchStep("/img/logo.png"),
	fetchStep("/api/items").then(cached("api", "/api/items", `"n":1`)),
	fetchStep("/api/items").then(cached("api", "/api/items", `"n":2`)),
	fetchStep("/api/items?page=2").then(cached("api", "/api/items?page=2", `"n":1`)),
	fetchStep("/api/missing"),
	fetchStep("/fonts/inter.woff2").then(cached("fonts", "/fonts/inter.woff2", "v1")),
	fetchStep("/fonts/inter.woff2").then(cached("fonts", "/fonts/inter.woff2", "v2")),
	fetchStep("/css/app-3f9a1c2b.css"),
	fetchStep("/about.html?utm_source=news&fbclid=abc"),
	fetchStep("/reports/summary.html"),
	fetchStep("/js/app-5e8d7c6b.js.map"),
	navigateStep("/"),
	navigateStep("/about"),
	navigateStep("/app/settings/42"),
	navigateStep("/about.html?page=2"),
	navigateStep("/reports/summary.html"),
	navigateStep("/api/items").then(cached("api", "/api/items", `"n":3`)),
	navigateStep("/admin/panel"),
}

// offlineSteps is the offline phase (server stopped): the same requests,
// with nothing to settle (a network error writes no cache), plus ones never
// made online.
func offlineSteps() []parityStep {
	var steps []parityStep
	for _, s := range onlineSteps {
		steps = append(steps, parityStep{path: s.path, navigate: s.navigate})
	}
	return append(steps,
		fetchStep("/photos/cat-3.jpg"),
		fetchStep("/api/never"),
		navigateStep("/app/other/deep/link?x=1"),
	)
}

// paritySkipHits are requests whose count says nothing about the routes: the
// browser's update checks of the worker script and Workbox's runtime file.
func paritySkipHits(h browsertest.Hit) bool {
	return h.Path == "/sw.js" || strings.HasPrefix(h.Path, "/workbox-") || h.Path == "/favicon.ico"
}

// runParity installs a worker on a fresh origin and runs the scenario. The
// result maps each observation ("online fetch /api/items #2", "caches
// precache", "hits /photos/cat-1.jpg") to what was seen, with cache names
// and precache keys normalised so that the two workers' answers compare.
// precachePrefix is the worker's own precache name, checked to be there so
// that the comparison is known to be between the two workers.
func runParity(t *testing.T, srv *browsertest.Server, precachePrefix string) map[string]string {
	t.Helper()
	tab := browsertest.Shared(t).NewTab(t)
	tab.Navigate(srv.URL("/"))
	tab.WaitController()
	tab.WaitFor(`navigator.serviceWorker.controller.state === 'activated'`)
	srv.ResetHits()

	got := map[string]string{}
	run := func(phase string, steps []parityStep) {
		seen := map[string]int{}
		for _, step := range steps {
			kind := "fetch"
			if step.navigate {
				kind = "navigate"
			}
			key := fmt.Sprintf("%s %s %s", phase, kind, step.path)
			seen[key]++
			if seen[key] > 1 {
				key += fmt.Sprintf(" #%d", seen[key])
			}
			if step.navigate {
				if err := navigateErr(tab, srv.URL(step.path)); err != nil {
					got[key] = "network error"
				} else {
					got[key] = browsertest.Eval[string](tab, navigationJS)
				}
				// Back on a controlled page of the origin for the next step.
				tab.Navigate(srv.URL("/"))
			} else {
				got[key] = browsertest.Eval[string](tab, fmt.Sprintf(`%s(%s)`, outcomeJS, jsonString(step.path)))
			}
			if step.settle != nil {
				step.settle(tab)
			}
		}
	}

	run("online", onlineSteps)
	if !slices.ContainsFunc(tab.CacheNames(), func(name string) bool { return strings.HasPrefix(name, precachePrefix) }) {
		t.Fatalf("no cache named %s… after install: %v", precachePrefix, tab.CacheNames())
	}
	for path, n := range srv.Counts(func(h browsertest.Hit) bool { return !paritySkipHits(h) }) {
		got["online hits "+path] = fmt.Sprint(n)
	}
	recordCaches(tab, srv, "online", got)

	srv.Stop()
	run("offline", offlineSteps())
	recordCaches(tab, srv, "offline", got)
	return got
}

// recordCaches adds the origin's caches to got: one entry per cache, its
// name normalised (each worker's precache is "precache"; runtime caches keep
// the config's cacheName), its keys as paths with the revision parameter
// each worker adds (Workbox's __WB_REVISION__, swkit's __swkit_rev) removed.
func recordCaches(tab *browsertest.Tab, srv *browsertest.Server, phase string, got map[string]string) {
	tab.T.Helper()
	for _, name := range tab.CacheNames() {
		if strings.HasPrefix(name, "swkit-static-") {
			continue // static routes' copy of the precache (docs/updates.md), Chromium only
		}
		norm := name
		if strings.HasPrefix(name, "workbox-precache-v2-") || strings.HasPrefix(name, "swkit-precache-") {
			norm = "precache"
		}
		var keys []string
		for _, k := range tab.CacheKeys(name) {
			keys = append(keys, normaliseKey(srv, k))
		}
		slices.Sort(keys)
		got[phase+" cache "+norm] = strings.Join(keys, " ")
	}
}

func normaliseKey(srv *browsertest.Server, key string) string {
	u, err := url.Parse(key)
	if err != nil || u.Host != srv.Addr() {
		return key
	}
	q := u.Query()
	q.Del("__WB_REVISION__")
	q.Del("__swkit_rev")
	u.RawQuery = q.Encode()
	return u.RequestURI()
}

// TestWorkboxParity: the fixture config run by Workbox itself and its
// translation built by swkit give a page the same answers for the same
// requests, online and with the server stopped, hit the server the same
// number of times, and leave the same URLs in the same caches.
//
// One difference is expected and removed before comparing: swkit always
// precaches its page helper, /swkit.js (docs/config.md, "Differences from
// Workbox"). The scenario stays away from the others listed there.
func TestWorkboxParity(t *testing.T) {
	cli := workboxCLI(t)

	// Workbox's build takes tens of seconds on a busy machine (Node start-up
	// and its bundling): it runs while swkit's worker is exercised.
	type built struct {
		dir string
		err error
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	workboxDone := make(chan built, 1)
	work := t.TempDir()
	go func() {
		dir, err := buildWithWorkbox(ctx, work, cli)
		workboxDone <- built{dir, err}
	}()

	swkitDir, files := buildWithSwkit(t)
	swkit := runParity(t, parityServer(t, swkitDir, files), "swkit-precache-v1-")

	var wb built
	select {
	case wb = <-workboxDone:
	case <-ctx.Done():
		t.Fatal("workbox generateSW did not finish in 5 minutes")
	}
	if wb.err != nil {
		t.Fatal(wb.err)
	}
	workbox := runParity(t, parityServer(t, wb.dir, nil), "workbox-precache-v2-")

	// By design: swkit's precache also holds its page helper.
	for _, phase := range []string{"online", "offline"} {
		key := phase + " cache precache"
		keys := strings.Fields(swkit[key])
		i := slices.Index(keys, "/swkit.js")
		if i < 0 {
			t.Errorf("%s: swkit's precache lacks its page helper /swkit.js: %v", phase, keys)
			continue
		}
		swkit[key] = strings.Join(slices.Delete(keys, i, i+1), " ")
	}

	if diff := sideBySide(workbox, swkit); diff != "" {
		t.Errorf("Workbox's worker and swkit's differ (≠ marks each difference):\n%s", diff)
	}
	if testing.Verbose() {
		t.Logf("%d observations, all equal:\n%s", len(workbox), table(workbox))
	}
}

// sideBySide lists every observation of either worker, Workbox's answer
// beside swkit's, "≠" marking those that differ; "" when none does.
func sideBySide(workbox, swkit map[string]string) string {
	var keys []string
	for k := range workbox {
		keys = append(keys, k)
	}
	for k := range swkit {
		if _, ok := workbox[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	differ := false
	fmt.Fprintf(&b, "  %-52s %-48s %s\n", "observation", "Workbox", "swkit")
	for _, k := range keys {
		a, aok := workbox[k]
		s, sok := swkit[k]
		if !aok {
			a = "(none)"
		}
		if !sok {
			s = "(none)"
		}
		mark := " "
		if a != s || aok != sok {
			mark, differ = "≠", true
		}
		fmt.Fprintf(&b, "%s %-52s %-48s %s\n", mark, k, a, s)
	}
	if !differ {
		return ""
	}
	return b.String()
}

// table lists observations, sorted.
func table(m map[string]string) string {
	keys := slices.Sorted(maps.Keys(m))
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "  %-52s %s\n", k, m[k])
	}
	return b.String()
}
