package e2e

import (
	"io/fs"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/browsertest"
	"github.com/swkit/swkit/internal/demo"
)

// demoSite reads the demo's page files from the source tree (the files the
// demo embeds), so that a test can deploy a changed copy.
func demoSite(t *testing.T) fstest.MapFS {
	t.Helper()
	src := os.DirFS("../internal/demo/site")
	out := fstest.MapFS{}
	err := fs.WalkDir(src, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(src, name)
		out[name] = &fstest.MapFile{Data: b, Mode: 0o444}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// edit returns a copy of site with old replaced by new in one file, failing
// the test when old is not there.
func edit(t *testing.T, site fstest.MapFS, name, old, new string) fstest.MapFS {
	t.Helper()
	out := fstest.MapFS{}
	for k, v := range site {
		out[k] = v
	}
	data := string(site[name].Data)
	if !strings.Contains(data, old) {
		t.Fatalf("%s does not contain %q", name, old)
	}
	out[name] = &fstest.MapFile{Data: []byte(strings.Replace(data, old, new, 1)), Mode: 0o444}
	return out
}

// switchable serves one handler at a time; Deploy swaps it, as a deployment
// swaps a server's files, without changing the origin.
type switchable struct{ h atomic.Pointer[http.Handler] }

func (s *switchable) Deploy(h http.Handler)                            { s.h.Store(&h) }
func (s *switchable) ServeHTTP(w http.ResponseWriter, r *http.Request) { (*s.h.Load()).ServeHTTP(w, r) }

// loadCounter, run by a page as it loads, counts the documents a tab loads
// in sessionStorage (which a reload keeps), so a test can tell how many
// times a tab navigated, reloads by the page's own script included. The
// test sites' pages run it (pageHTML, and the demo's through countingLoads).
const loadCounter = `try { sessionStorage.swkitLoads = String(Number(sessionStorage.swkitLoads || 0) + 1); } catch {}`

// countingLoads returns site with loadCounter at the top of index.html.
func countingLoads(t *testing.T, site fstest.MapFS) fstest.MapFS {
	t.Helper()
	return edit(t, site, "index.html", "<head>", "<head>\n  <script>"+loadCounter+"</script>")
}

// loads is how many documents the tab loaded (see loadCounter).
func loads(tab *browsertest.Tab) int {
	tab.T.Helper()
	return browsertest.Eval[int](tab, `Number(sessionStorage.swkitLoads || 0)`)
}

// TestDemoUpdateBanner is the update flow of the demo, end to end: v1
// controls a tab; v2 is deployed and installs beside it; every open tab shows
// the "update available" banner and keeps running v1, lazily fetched files
// included; one click makes v2 take over and every tab reloads once onto v2.
func TestDemoUpdateBanner(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		v1 := countingLoads(t, demoSite(t))
		v2 := edit(t, v1, "index.html", "<h1>swkit demo</h1>", "<h1>swkit demo v2</h1>")
		v2 = edit(t, v2, "style.css", "body {", "body { outline: 1px solid rgb(0, 128, 0);")
		var deployed [2]http.Handler
		for i, site := range []fs.FS{v1, v2} {
			d, err := demo.New(demo.Options{Rotate: time.Hour, Site: site})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d.Close() })
			deployed[i] = d
		}
		server := &switchable{}
		server.Deploy(deployed[0])
		srv := browsertest.NewServer(t, server)
		heading := func(tab *browsertest.Tab) string {
			return browsertest.Eval[string](tab, `document.querySelector('h1')?.textContent ?? ''`)
		}

		// v1 installed and controlling tab A (the demo does not claim clients:
		// the reload gives the page its controller).
		a := e.NewTab(t)
		a.Navigate(srv.URL("/"))
		a.WaitFor(`navigator.serviceWorker.getRegistration().then(r => r?.active?.state === 'activated')`)
		a.Reload()
		a.WaitController()
		a.WaitFor(`['controlled', 'offline-ready'].includes(document.getElementById('status').textContent)`)
		if got := loads(a); got != 2 {
			t.Fatalf("tab A loaded %d documents while installing v1, want 2 (visit, reload): reloadOnUpdate reloaded on the first install", got)
		}

		// Deploy v2 and check for it: it installs and waits.
		server.Deploy(deployed[1])
		a.Update()
		a.WaitFor(`!document.getElementById('update').hidden`)
		if reg := a.Registration(); reg.Waiting != "installed" || reg.Active != "activated" || !reg.Controller {
			t.Fatalf("after the update check: %+v, want v2 installed and waiting beside v1", reg)
		}
		if got := browsertest.Eval[string](a, `document.getElementById('status').textContent`); got != "update waiting" {
			t.Errorf("tab A status %q, want %q", got, "update waiting")
		}

		// The old tab keeps working with v1: a file that changed in v2, fetched
		// now (as a lazily loaded resource would be), comes back with v1's bytes,
		// from v1's precache: nothing reaches the server.
		srv.ResetHits()
		if got, want := browsertest.Eval[string](a, `fetch('/style.css').then(r => r.text())`), string(v1["style.css"].Data); got != want {
			t.Errorf("tab A fetched style.css after v2 installed:\n%s\nwant v1's:\n%s", got, want)
		}
		if hits := srv.Hits(); len(hits) != 0 {
			t.Errorf("the v1 fetch reached the server: %v", hits)
		}
		if got := heading(a); got != "swkit demo" {
			t.Errorf("tab A shows %q, want v1's heading", got)
		}

		// A second tab opened now is still given v1 by v1, and hears at load
		// that an update waits.
		b := e.NewTab(t)
		b.Navigate(srv.URL("/"))
		b.WaitFor(`!document.getElementById('update').hidden`)
		if got := heading(b); got != "swkit demo" {
			t.Errorf("tab B shows %q while v2 waits, want v1's heading", got)
		}

		// One click: v2 activates and every tab reloads once onto v2, answered
		// from v2's precache (no page request reaches the server).
		srv.ResetHits()
		beforeA, beforeB := loads(a), loads(b)
		browsertest.Eval[bool](a, `(document.getElementById('update-button').click(), true)`)
		for _, tab := range []*browsertest.Tab{a, b} {
			tab.WaitFor(`document.querySelector('h1')?.textContent === 'swkit demo v2'`)
			tab.WaitFor(`getComputedStyle(document.body).outlineColor === 'rgb(0, 128, 0)'`)
			tab.WaitController()
			tab.WaitFor(`['controlled', 'offline-ready'].includes(document.getElementById('status').textContent)`)
			tab.WaitFor(`document.getElementById('update').hidden`)
		}
		a.WaitFor(`navigator.serviceWorker.getRegistration().then((r) => !r.waiting && !r.installing && r.active.state === 'activated')`)
		if got := srv.Counts(func(h browsertest.Hit) bool { return h.Dest == "document" }); len(got) != 0 {
			t.Errorf("page loads that reached the server after the click: %v, want none (v2's precache answers)", got)
		}

		// No reload loop: a loop would reload on the controllerchange that the
		// new page hears, right after it loads; watch for a while longer than
		// that takes.
		deadline := time.Now().Add(time.Second)
		for time.Now().Before(deadline) {
			if gotA, gotB := loads(a), loads(b); gotA != beforeA+1 || gotB != beforeB+1 {
				t.Fatalf("tabs loaded %d and %d more documents after the click, want 1 each", gotA-beforeA, gotB-beforeB)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

// TestAutomaticUpdate: with skipWaiting and clientsClaim (automatic mode) a
// new version takes over open pages without being asked. (The page helper may
// report it as waiting for the moment between its install and its
// activation: the page cannot know that the worker will skip waiting.)
func TestAutomaticUpdate(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		s, tab := installed(t, e, config.Config{SkipWaiting: true, ClientsClaim: true}, nil)
		tab.WaitFor(`window.swEvents.includes('controlling') && window.swEvents.includes('activated')`)
		s.write(cssName(0), "body { background-color: "+pageColor(0, 2)+"; }\n")
		s.Deploy()
		tab.Update()
		tab.WaitFor(`window.swEvents.filter((e) => e === 'controlling').length === 2`)
		tab.WaitFor(`navigator.serviceWorker.getRegistration().then((r) => !r.waiting && !r.installing && r.active.state === 'activated')`)
		// The open page now gets v2's file from the new worker.
		if got, want := browsertest.Eval[string](tab, `fetch('/`+cssName(0)+`').then((r) => r.text())`), "body { background-color: "+pageColor(0, 2)+"; }\n"; got != want {
			t.Errorf("after the automatic update the page fetched %q, want v2's %q", got, want)
		}
	})
}

// TestUpdateInterval: a long-lived page with updateInterval notices a
// deployment by itself: nobody navigates or calls update(), yet the new
// version installs and the page hears that it waits.
func TestUpdateInterval(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		s := newSite(t, config.Config{ClientsClaim: true}, nil)
		s.write("index.html", `<!doctype html><html><head><meta charset="utf-8"><title>interval</title>
<script type="module">
import { register } from '/swkit.js';
window.swEvents = [];
const updates = register('/sw.js', { updateInterval: 200 });
for (const type of ['waiting', 'controlling', 'activated', 'error']) {
  updates.addEventListener(type, () => window.swEvents.push(type));
}
</script></head><body>interval</body></html>
`)
		s.Deploy()
		tab := e.NewTab(t)
		tab.Navigate(s.URL(""))
		tab.WaitController()
		tab.WaitFor(`window.swEvents.includes('activated')`)

		s.write(cssName(1), "body { background-color: "+pageColor(1, 2)+"; }\n")
		s.Deploy()
		tab.WaitFor(`window.swEvents.includes('waiting')`)
		if got := s.srv.Counts(func(h browsertest.Hit) bool { return h.ServiceWorker == "script" })["/sw.js"]; got < 2 {
			t.Errorf("sw.js fetched %d times as a worker script, want the install and at least one periodic check", got)
		}
	})
}
