package e2e

import (
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/browsertest"
	"github.com/swkit/swkit/internal/swgen"
)

// TestKillSwitch: a site with a working worker, a precache, a runtime cache
// of swkit's default name, one named by the config ("pictures", with
// expiration: IndexedDB records), swkit's other databases (the background-sync
// queue's, and any swkit-… one) and a cache and a database of the app's own
// switches to the kill switch built from the same config (as `swkit serve
// --kill-switch` or a deployed `swkit unregister --config` does). One update
// check later, the page has reloaded once, from the network, uncontrolled; no
// registration, no swkit cache and no swkit database remain, and the app's
// own cache and database are intact.
func TestKillSwitch(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		cfg := config.Config{
			ClientsClaim: true,
			RuntimeCaching: []config.RuntimeCaching{{
				URLPattern: "/api/pictures/**",
				Handler:    config.CacheFirst,
				Options: config.RuntimeOptions{
					CacheName:  "pictures",
					Expiration: &config.Expiration{MaxEntries: 10},
				},
			}, {
				URLPattern: "/api/**",
				Handler:    config.CacheFirst,
			}},
		}
		api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.Write([]byte("data"))
		})
		s := newSite(t, cfg, api)
		tab := e.NewTab(t)
		tab.Navigate(s.URL(""))
		tab.WaitController()
		tab.WaitFor(`navigator.serviceWorker.controller.state === 'activated'`)

		// The runtime routes fill swkit-runtime and pictures (whose expiration
		// writes swkit-expiry); the app keeps a cache and a database of its
		// own. swkit-sync (the background-sync queue's database, made here as
		// its first queued request would) and swkit-later (a name the kill switch
		// does not know, as a later version's database) are made by the page.
		browsertest.Eval[bool](tab, `(async () => {
			await (await fetch('/api/data')).text();
			await (await fetch('/api/pictures/1')).text();
			const mine = await caches.open('app-data');
			await mine.put('/mine', new Response('mine'));
			for (const name of ['app-db', 'swkit-sync', 'swkit-later']) {
				await new Promise((resolve, reject) => {
					const open = indexedDB.open(name);
					open.onupgradeneeded = () => open.result.createObjectStore('s');
					open.onsuccess = () => { open.result.close(); resolve(); };
					open.onerror = () => reject(open.error);
				});
			}
			return true;
		})()`)
		tab.WaitFor(`caches.has('swkit-runtime')`)
		tab.WaitFor(`caches.has('pictures')`)
		tab.WaitFor(`indexedDB.databases().then((dbs) => dbs.some((d) => d.name === 'swkit-expiry'))`)
		if got := browsertest.Eval[string](tab, `caches.open('app-data').then((c) => c.match('/mine')).then((r) => (r ? r.text() : 'missing'))`); got != "mine" {
			t.Fatalf("the app's own cache holds %q before the kill switch, want %q", got, "mine")
		}
		before := tab.CacheNames()
		for _, want := range []string{s.precacheName(), "swkit-runtime", "pictures", "app-data"} {
			if !slices.Contains(before, want) {
				t.Fatalf("caches before the kill switch: %v, want %s among them", before, want)
			}
		}
		if got, want := databaseNames(tab), []string{"app-db", "swkit-expiry", "swkit-later", "swkit-sync"}; !slices.Equal(got, want) {
			t.Fatalf("databases before the kill switch: %v, want %v", got, want)
		}
		loadsBefore := loads(tab)

		kill, err := swgen.KillSwitch(cfg)
		if err != nil {
			t.Fatal(err)
		}
		s.worker = kill
		s.Serve()
		s.srv.ResetHits()
		tab.Update()

		// The kill switch reloads the page; the reloaded page is uncontrolled.
		// Its own register() call installs the kill switch once more, which
		// finds no page to reload and removes itself again: wait for that
		// registration to settle, then for it to be gone.
		tab.WaitFor(`Number(sessionStorage.swkitLoads) === ` + strconv.Itoa(loadsBefore+1))
		tab.WaitFor(`window.swkit && window.swkit.registration`)
		tab.WaitFor(`navigator.serviceWorker.getRegistration().then((r) => r === undefined)`)
		if browsertest.Eval[bool](tab, `Boolean(navigator.serviceWorker.controller)`) {
			t.Error("the reloaded page is still controlled")
		}
		if got := tab.CacheNames(); !slices.Equal(got, []string{"app-data"}) {
			t.Errorf("caches after the kill switch: %v, want only the app's own [app-data]", got)
		}
		// A delete that a connection blocked finishes once it closes: the old
		// worker's have closed by now, so the databases go promptly.
		tab.WaitFor(`indexedDB.databases().then((dbs) => dbs.every((d) => !d.name.startsWith('swkit-')))`)
		if got := databaseNames(tab); !slices.Equal(got, []string{"app-db"}) {
			t.Errorf("databases after the kill switch: %v, want only the app's own [app-db]", got)
		}
		// WebKit under WebDriver keeps website data in memory only; there,
		// deleting swkit's caches empties the app's own cache too, though
		// its name stays (docs/testing.md).
		if got := browsertest.Eval[string](tab, `caches.open('app-data').then((c) => c.match('/mine')).then((r) => (r ? r.text() : 'missing'))`); got != "mine" && e.Name != browsertest.WebKit {
			t.Errorf("the app's own cache holds %q, want %q", got, "mine")
		}
		if got := loads(tab); got != loadsBefore+1 {
			t.Errorf("the page loaded %d times after the switch, want once", got-loadsBefore)
		}
		// The reload came from the network: the worker that would have answered
		// it from the precache is gone.
		if got := s.srv.Counts(func(h browsertest.Hit) bool { return h.Dest == "document" })["/"]; got != 1 {
			t.Errorf("the page reached the server %d times after the switch, want 1 (the reload)", got)
		}
	})
}

// databaseNames lists the origin's IndexedDB databases, sorted.
func databaseNames(tab *browsertest.Tab) []string {
	tab.T.Helper()
	return browsertest.Eval[[]string](tab, `indexedDB.databases().then((dbs) => dbs.map((d) => d.name).sort())`)
}
