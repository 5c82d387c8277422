package e2e

import (
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/swkit/swkit/internal/browsertest"
	"github.com/swkit/swkit/internal/config"
	"github.com/swkit/swkit/internal/swgen"
)

// TestKillSwitch: a site with a working worker, a precache, a runtime cache
// and a cache of the app's own switches to the kill switch (as `swkit serve
// --kill-switch` or a deployed `swkit unregister` does). One update check
// later, the page has reloaded once, from the network, uncontrolled; no
// registration and no swkit cache remain, and the app's own cache is intact.
func TestKillSwitch(t *testing.T) {
	cfg := config.Config{
		ClientsClaim: true,
		RuntimeCaching: []config.RuntimeCaching{{
			URLPattern: "/api/**",
			Handler:    config.CacheFirst,
		}},
	}
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("data"))
	})
	s := newSite(t, cfg, api)
	tab := browsertest.Shared(t).NewTab(t)
	countLoads(tab)
	tab.Navigate(s.URL(""))
	tab.WaitController()
	tab.WaitFor(`navigator.serviceWorker.controller.state === 'activated'`)

	// The runtime route fills swkit-runtime; the app keeps a cache of its own.
	browsertest.Eval[bool](tab, `(async () => {
		await (await fetch('/api/data')).text();
		const mine = await caches.open('app-data');
		await mine.put('/mine', new Response('mine'));
		return true;
	})()`)
	tab.WaitFor(`caches.has('swkit-runtime')`)
	before := tab.CacheNames()
	for _, want := range []string{s.precacheName(), "swkit-runtime", "app-data"} {
		if !slices.Contains(before, want) {
			t.Fatalf("caches before the kill switch: %v, want %s among them", before, want)
		}
	}
	loadsBefore := loads(tab)

	kill, err := swgen.KillSwitch("")
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
	if got := browsertest.Eval[string](tab, `caches.open('app-data').then((c) => c.match('/mine')).then((r) => r.text())`); got != "mine" {
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
}
