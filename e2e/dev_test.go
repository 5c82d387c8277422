package e2e

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/swkit/swkit"
	"github.com/swkit/swkit/internal/browsertest"
)

// swkit dev in a real browser: a saved file reloads the open page within a
// second, and a production worker hands over to the dev worker and back
// without a stale file on the way.

// devPage is a page that registers the worker through the page helper and
// shows its version in <h1>.
func devPage(version string) string {
	return `<!doctype html><html><head><meta charset="utf-8"><title>dev</title>
<link rel="stylesheet" href="style.css">
<script type="module">import {register} from '/swkit.js'; register('/sw.js');</script>
</head><body><h1>` + version + `</h1></body></html>`
}

// startDev serves dir with swkit.Dev; it closes before the server stops.
func startDev(t *testing.T, dir string) *swkit.DevHandler {
	t.Helper()
	h, err := swkit.Dev(dir, swkit.Config{}, swkit.DevOptions{DirOptions: swkit.DirOptions{NoCache: true}, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// waitPages waits until n pages listen for reloads.
func waitPages(t *testing.T, h *swkit.DevHandler, n int) {
	t.Helper()
	deadline := time.Now().Add(browsertest.DefaultTimeout)
	for h.Pages() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d pages connected for reloads after %v, want %d", h.Pages(), browsertest.DefaultTimeout, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// editReload writes index.html with version and returns how long the open
// page took to show it.
func editReload(t *testing.T, tab *browsertest.Tab, dir, version string) time.Duration {
	t.Helper()
	start := time.Now()
	writeFiles(t, dir, map[string]string{"index.html": devPage(version)})
	deadline := start.Add(10 * time.Second)
	for {
		got, err := headingText(tab)
		if err == nil && got == version {
			return time.Since(start)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the page still shows %q (err %v) 10s after index.html changed to %q", got, err, version)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// headingText reads <h1>, tolerating the moments of a reload.
func headingText(tab *browsertest.Tab) (string, error) {
	return browsertest.TryEval[string](tab, `document.querySelector('h1')?.textContent ?? ''`, time.Second)
}

// TestDevReloadsOnEdit: with swkit dev, saving a file shows the new content
// in the open page within a second, in every engine.
func TestDevReloadsOnEdit(t *testing.T) {
	browsertest.Engines(t, devReloadsOnEdit)
}

func devReloadsOnEdit(t *testing.T, e *browsertest.Engine) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"index.html": devPage("v1"), "style.css": "h1 { color: teal }"})
	h := startDev(t, dir)
	srv := browsertest.NewServer(t, h)
	tab := e.NewTab(t)
	tab.Navigate(srv.URL("/"))
	tab.WaitController()
	waitPages(t, h, 1)

	for i, version := range []string{"v2", "v3"} {
		took := editReload(t, tab, dir, version)
		t.Logf("%s, edit %d: the page showed %s %v after the save", e.Name, i+1, version, took.Round(time.Millisecond))
		if took > time.Second {
			t.Errorf("the page showed %s %v after the save, want within 1s", version, took)
		}
		waitPages(t, h, 1)
	}
	// The new content came from the network, through no cache: the dev
	// worker precaches nothing.
	if !browsertest.Eval[bool](tab, noPrecachedEntries) {
		t.Errorf("the dev worker's precache holds entries, want none: %q", tab.CacheNames())
	}
}

// noPrecachedEntries is true when no swkit precache holds an entry.
const noPrecachedEntries = `caches.keys().then(async (names) => {
	for (const name of names.filter((n) => n.startsWith('swkit-precache-'))) {
		if ((await (await caches.open(name)).keys()).length > 0) return false;
	}
	return true;
})`

// precacheName is the name of the origin's swkit precache.
func precacheName(t *testing.T, tab *browsertest.Tab) string {
	t.Helper()
	return browsertest.Eval[string](tab, `caches.keys().then(ks => ks.find(k => k.startsWith('swkit-precache-')) ?? '')`)
}

// switchHandler serves whichever handler was set last.
type switchHandler struct{ h atomic.Pointer[http.Handler] }

func (s *switchHandler) set(h http.Handler) { s.h.Store(&h) }
func (s *switchHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*s.h.Load()).ServeHTTP(w, r)
}

// TestDevTakesOverProduction: a page controlled by the production worker of
// `swkit serve` is taken over by the dev worker at its next load, which
// empties the precache and serves every edit fresh; back on `swkit serve`,
// the production worker installs as an update, takes over when asked, and
// the site works offline again with the latest files. In every engine.
func TestDevTakesOverProduction(t *testing.T) {
	browsertest.Engines(t, devTakesOverProduction)
}

func devTakesOverProduction(t *testing.T, e *browsertest.Engine) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"index.html": devPage("prod-1"), "style.css": "h1 { color: teal }"})
	sw := &switchHandler{}
	prod, err := swkit.NewDir(dir, swkit.Config{}, swkit.DirOptions{NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	sw.set(prod)
	srv := browsertest.NewServer(t, sw)
	tab := e.NewTab(t)

	// Production: installed, in control, the site precached.
	tab.Navigate(srv.URL("/"))
	tab.WaitFor(`navigator.serviceWorker.getRegistration().then(r => r?.active?.state === 'activated')`)
	tab.Reload()
	tab.WaitController()
	prodVersion := workerVersion(tab)
	if n := len(tab.CacheKeys(precacheName(t, tab))); n < 3 {
		t.Fatalf("production precache holds %d entries, want the site's 3", n)
	}

	// swkit dev on the same origin: the next load brings the dev worker,
	// which takes control at once and empties the precache.
	dev := startDev(t, dir)
	sw.set(dev)
	// The next load checks for an update (Chromium may defer the check a
	// navigation starts; update() is the same check, at once).
	tab.Reload()
	tab.Update()
	waitActivated(tab)
	if v := workerVersion(tab); v == "" || v == prodVersion {
		t.Fatalf("after the dev server's page load, the page's worker answers version %q; want the dev worker's, not the production %q", v, prodVersion)
	}
	reg := tab.Registration()
	if reg.Waiting != "" || reg.Installing != "" || reg.Active != "activated" {
		t.Errorf("after the dev worker took over: %+v, want it alone and active", reg)
	}
	tab.WaitFor(noPrecachedEntries)
	tab.Reload() // the dev worker's page, with the reload client
	waitPages(t, dev, 1)
	if took := editReload(t, tab, dir, "dev-2"); took > time.Second {
		t.Errorf("under the dev worker, an edit showed after %v, want within 1s", took)
	}
	writeFiles(t, dir, map[string]string{"style.css": "h1 { color: crimson }"})
	tab.Reload()
	if c := browsertest.Eval[string](tab, `getComputedStyle(document.querySelector('h1')).color`); c != "rgb(220, 20, 60)" {
		t.Errorf("after style.css changed, h1 is %s, want the new crimson", c)
	}

	// Back to swkit serve: the production worker is an update; it waits,
	// as production workers do, until the page asks it to take over.
	dev.Close()
	prod2, err := swkit.NewDir(dir, swkit.Config{}, swkit.DirOptions{NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	defer prod2.Close()
	sw.set(prod2)
	tab.Reload()
	tab.Update()
	tab.WaitFor(`navigator.serviceWorker.getRegistration().then(r => r?.waiting?.state === 'installed')`)
	prod2Version := browsertest.Eval[string](tab, `navigator.serviceWorker.getRegistration().then(r => new Promise((resolve) => {
		const ch = new MessageChannel();
		ch.port1.onmessage = (e) => resolve(e.data.version);
		r.waiting.postMessage({type: 'swkit:get-version'}, [ch.port2]);
	}))`)
	browsertest.Eval[bool](tab, `navigator.serviceWorker.getRegistration().then(r => { r.waiting.postMessage({type: 'swkit:skip-waiting'}); return true; })`)
	waitActivated(tab)
	if v := workerVersion(tab); v != prod2Version {
		t.Fatalf("after skip waiting, the page is controlled by version %q, want the production worker's %q", v, prod2Version)
	}

	// Offline, the production worker serves the latest files.
	srv.Stop()
	tab.Reload()
	got := browsertest.Eval[[]string](tab, `[document.querySelector('h1').textContent, getComputedStyle(document.querySelector('h1')).color]`)
	if got[0] != "dev-2" || got[1] != "rgb(220, 20, 60)" {
		t.Errorf("offline under the production worker: h1 %q in %s, want the last edit, dev-2 in crimson", got[0], got[1])
	}
}

// waitActivated waits until the registration has one worker, activated,
// and it controls the page. It sends the workers nothing: Chromium holds a
// waiting worker's activation while the active one has events to handle,
// and a message is one.
func waitActivated(tab *browsertest.Tab) {
	tab.T.Helper()
	tab.WaitFor(`navigator.serviceWorker.getRegistration().then(r => r && !r.waiting && !r.installing &&
		r.active?.state === 'activated' && navigator.serviceWorker.controller?.scriptURL === r.active.scriptURL)`)
}
