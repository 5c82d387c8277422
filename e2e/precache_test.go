package e2e

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/browsertest"
)

// workerFetch selects the requests the service worker made with fetch().
//
// How worker requests are told apart from the page's: the page loads its
// subresources with <link>, <script> and <img>, whose Sec-Fetch-Dest is
// "style", "script" or "image" (and "document" for the page itself); the
// worker script is fetched with "serviceworker". Only fetch() calls carry
// "empty", and the pages here never call fetch(), so on this site "empty"
// means "the worker's precache download". Chromium sends Sec-Fetch-* to
// 127.0.0.1 because it is a potentially trustworthy origin. (The worker
// target's own Network events would tell the same, but the worker must
// exist before one can attach to it, and its install starts at once.)
func workerFetch(h browsertest.Hit) bool { return h.Dest == "empty" }

// tabOpener opens tabs: a *browsertest.Engine, or the package's shared
// Chromium for the tests that need the DevTools protocol.
type tabOpener interface {
	NewTab(t testing.TB) *browsertest.Tab
}

// installed opens the site's home page and waits until the first worker
// controls it (clientsClaim) and is active.
func installed(t *testing.T, tabs tabOpener, cfg config.Config, api http.Handler) (*site, *browsertest.Tab) {
	t.Helper()
	s := newSite(t, cfg, api)
	tab := tabs.NewTab(t)
	tab.Navigate(s.URL(""))
	tab.WaitController()
	tab.WaitFor(`navigator.serviceWorker.controller.state === 'activated'`)
	return s, tab
}

// pageState is what a page rendered: its version, whether its stylesheet
// applied, its picture decoded, its classic script and the page helper ran.
type pageState struct {
	Version    string `json:"version"`
	Background string `json:"background"`
	PicWidth   int    `json:"picWidth"`
	App        int    `json:"app"`
	Helper     bool   `json:"helper"`
}

const pageStateJS = `({
	version: document.body.dataset.version,
	background: getComputedStyle(document.body).backgroundColor,
	picWidth: document.querySelector('img').naturalWidth,
	app: window.appLoaded ?? -1,
	helper: typeof window.swkit === 'object',
})`

// checkPages navigates to every page and checks that it rendered version v
// completely. color gives the expected background of page i.
func checkPages(t *testing.T, s *site, tab *browsertest.Tab, v string, color func(i int) string) {
	t.Helper()
	for i := range numPages {
		url := s.URL(pageName(i))
		if i == 0 {
			url = s.URL("") // the directory URL: answered with index.html
		}
		tab.Navigate(url)
		got := browsertest.Eval[pageState](tab, pageStateJS)
		want := pageState{Version: v, Background: color(i), PicWidth: 8, App: i, Helper: true}
		if got != want {
			t.Errorf("%s rendered %+v, want %+v", url, got, want)
		}
	}
}

// checkInstallFetched checks that the install fetched each of paths once,
// or took it from the HTTP cache where the page had just loaded it (engines
// whose HTTP cache the worker cannot reach fetch it again), and nothing else.
func checkInstallFetched(t *testing.T, srv *browsertest.Server, paths []string) {
	t.Helper()
	worker := srv.Counts(workerFetch)
	page := srv.Counts(func(h browsertest.Hit) bool { return !workerFetch(h) })
	for _, p := range paths {
		if n := worker[p]; n > 1 || n == 0 && page[p] == 0 {
			t.Errorf("the install fetched %s %d times, the page %d, want once in all (twice at most in an engine whose worker misses the page's HTTP cache)", p, n, page[p])
		}
	}
	for p := range worker {
		if !slices.Contains(paths, p) {
			t.Errorf("the install fetched %s, which is not precached (all: %v)", p, worker)
		}
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// TestFirstInstallThenUpdateDownloadsOnlyTheChangedFile: (d) in the brief.
func TestFirstInstallThenUpdateDownloadsOnlyTheChangedFile(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		s, tab := installed(t, e, config.Config{ClientsClaim: true}, nil)

		// The install fetched every precached file the page had not loaded
		// exactly once, and nothing else.
		// Pages, stylesheets and scripts, pictures, the vendor script, swkit.js.
		if want := 3*numPages + numPics + 2; len(s.entries) != want {
			t.Fatalf("manifest has %d entries, want %d", len(s.entries), want)
		}
		var paths []string
		for _, e := range s.entries {
			paths = append(paths, "/"+e.URL)
		}
		checkInstallFetched(t, s.srv, paths)
		if keys := tab.CacheKeys(s.precacheName()); !slices.Equal(sorted(keys), sorted(s.wantKeys())) {
			t.Errorf("precache after install:\n got %v\nwant %v", sorted(keys), sorted(s.wantKeys()))
		}

		// Change one file and deploy a new worker.
		const changed = "css/style-03.css"
		s.write(changed, "body { background-color: "+pageColor(3, 2)+"; }\n")
		s.Deploy()
		s.srv.ResetHits()

		tab.Update()
		tab.WaitFor(`window.swEvents.includes('waiting')`) // the page helper saw it
		if reg := tab.Registration(); reg.Waiting != "installed" || reg.Active != "activated" {
			t.Fatalf("after the update: %+v, want an installed worker waiting beside the active one", reg)
		}
		// Skip waiting through the page helper, then follow the worker that was
		// waiting until it is activated. (Reading registration.active/waiting
		// instead races: Chromium can clear waiting before it sets active.)
		state := browsertest.Eval[string](tab, `(async () => {
			const w = (await navigator.serviceWorker.getRegistration()).waiting;
			const done = new Promise((resolve) => w.addEventListener('statechange', () => {
				if (w.state === 'activated' || w.state === 'redundant') resolve(w.state);
			}));
			if (!window.swkit.messageSkipWaiting()) return 'page helper found no waiting worker';
			return done;
		})()`)
		if state != "activated" {
			t.Fatalf("the waiting worker ended %q, want activated", state)
		}
		tab.WaitFor(`window.swEvents.includes('controlling')`)

		// Exactly the worker script and the one changed file reached the server.
		want := map[string]int{"/sw.js": 1, "/" + changed: 1}
		if got := s.srv.Counts(nil); !mapsEqual(got, want) {
			t.Errorf("requests during the update: %v, want %v", got, want)
		}
		// The precache holds exactly the new manifest's keys: the old revision
		// of the changed file is gone.
		if keys := tab.CacheKeys(s.precacheName()); !slices.Equal(sorted(keys), sorted(s.wantKeys())) {
			t.Errorf("precache after the update:\n got %v\nwant %v", sorted(keys), sorted(s.wantKeys()))
		}
		// Besides, in Chromium, the new version's copy for static routes
		// (TestStaticRoutes checks it).
		names := slices.DeleteFunc(tab.CacheNames(), func(n string) bool { return strings.HasPrefix(n, "swkit-static-") })
		if !slices.Equal(names, []string{s.precacheName()}) {
			t.Errorf("caches = %v, want only %s", names, s.precacheName())
		}

		// The new content is served, from the precache: the server is stopped.
		s.srv.Stop()
		checkPages(t, s, tab, "1", func(i int) string { return pageColor(i, map[bool]int{true: 2, false: 1}[i == 3]) })
	})
}

// TestIntegrityMismatchKeepsTheOldWorker: (e) in the brief. The v2 manifest
// promises bytes that the server does not serve, so v2's install must fail
// and v1 must keep serving all of v1, offline too.
func TestIntegrityMismatchKeepsTheOldWorker(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		s, tab := installed(t, e, config.Config{ClientsClaim: true}, nil)
		version := func() string {
			return browsertest.Eval[string](tab, `new Promise((resolve) => {
				const ch = new MessageChannel();
				ch.port1.onmessage = (e) => resolve(e.data.version);
				navigator.serviceWorker.controller.postMessage({ type: 'swkit:get-version' }, [ch.port2]);
			})`)
		}
		v1 := version()

		// v2: new content in two files, built, then one of them changes on disk
		// again, so the server's bytes no longer match the manifest's integrity.
		const broken = "css/style-05.css"
		for i := range numPages {
			s.write(pageName(i), pageHTML(i, 2))
		}
		s.write(broken, "body { background-color: "+pageColor(5, 2)+"; }\n")
		s.Build()
		s.write(broken, "body { background-color: rgb(255, 0, 0); }\n")
		s.Serve()
		s.srv.ResetHits()
		if body := get(t, s.URL(broken)); body != "body { background-color: rgb(255, 0, 0); }\n" {
			t.Fatalf("server serves %q for %s, not the changed bytes", body, broken)
		}
		s.srv.ResetHits()

		// update() settles once the new script is installing; then follow that
		// worker to the end of its install.
		end := browsertest.Eval[string](tab, `(async () => {
			const r = await navigator.serviceWorker.getRegistration();
			await r.update().catch(() => {});
			const w = r.installing;
			if (!w) return 'no new worker';
			if (w.state !== 'installing') return w.state;
			return new Promise((resolve) => { w.onstatechange = () => { if (w.state !== 'installing') resolve(w.state); }; });
		})()`)
		if end != "redundant" {
			t.Errorf("the v2 worker ended its install %q, want redundant", end)
		}

		if got := s.srv.Counts(nil)["/sw.js"]; got != 1 {
			t.Errorf("sw.js fetched %d times by the update, want 1", got)
		}
		if got := s.srv.Counts(workerFetch)["/"+broken]; got < 1 {
			t.Errorf("the v2 install never fetched %s: the test proves nothing", broken)
		}
		reg := tab.Registration()
		if reg.Waiting != "" || reg.Installing != "" || reg.Active != "activated" || !reg.Controller {
			t.Errorf("after the failed install: %+v, want only the old worker, active and in control", reg)
		}
		if got := version(); got != v1 {
			t.Errorf("controlling worker version %s, want v1's %s", got, v1)
		}

		// Real offline: every page renders v1, whole.
		s.srv.Stop()
		checkPages(t, s, tab, "1", func(i int) string { return pageColor(i, 1) })
	})
}

// TestOfflineAfterInstall: once installed, the site works with the server
// stopped, every page and subresource answered from the precache.
func TestOfflineAfterInstall(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		s, tab := installed(t, e, config.Config{ClientsClaim: true}, nil)
		s.srv.Stop()
		s.srv.ResetHits()
		// Only Chromium tells, over the DevTools protocol, where each
		// response came from; elsewhere the stopped server, which nothing
		// reached, says it for all of them.
		var rec *browsertest.Recorder
		if tab.Engine == browsertest.Chromium {
			rec = tab.RecordNetwork()
		}
		tab.Reload()
		checkPages(t, s, tab, "1", func(i int) string { return pageColor(i, 1) })
		if got := s.srv.Hits(); len(got) != 0 {
			t.Errorf("a stopped server saw requests: %v", got)
		}
		if rec == nil {
			return
		}
		var fromCache int
		for _, r := range rec.Responses() {
			if r.FromServiceWorker && r.Source == "cache-storage" {
				fromCache++
			} else {
				t.Errorf("%s was not answered from the worker's cache: %+v", r.URL, r)
			}
		}
		// 10 pages, each with stylesheet, script, picture and helper: the
		// helper may come from the memory cache after the first page.
		if fromCache < 4*numPages {
			t.Errorf("%d responses from cache storage, want at least %d", fromCache, 4*numPages)
		}
	})
}

func get(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
