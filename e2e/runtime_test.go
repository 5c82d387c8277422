package e2e

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/browsertest"
)

// TestStaleWhileRevalidateBroadcastsUpdates: the seed's "cache and update"
// with broadcastUpdate. The first request goes to the network and is cached;
// the next is answered from the cache at once while the worker refreshes it,
// and, the refreshed answer having another ETag, the page helper reports
// cache-updated; the request after that gets the refreshed answer.
func TestStaleWhileRevalidateBroadcastsUpdates(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		var version atomic.Int32
		api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			v := version.Add(1)
			w.Header().Set("Cache-Control", "no-cache")
			w.Header().Set("ETag", fmt.Sprintf(`"%d"`, v))
			fmt.Fprintf(w, "answer %d", v)
		})
		cfg := config.Config{ClientsClaim: true, RuntimeCaching: []config.RuntimeCaching{{
			URLPattern: "/api/*",
			Handler:    "staleWhileRevalidate",
			Options:    config.RuntimeOptions{CacheName: "api", BroadcastUpdate: &config.BroadcastUpdate{}},
		}}}
		s, tab := installed(t, e, cfg, api)
		fetchText := func() string {
			return browsertest.Eval[string](tab, `fetch('/api/data').then((r) => r.text())`)
		}

		if got := fetchText(); got != "answer 1" {
			t.Fatalf("first fetch = %q, want answer 1 (network)", got)
		}
		tab.WaitFor(`caches.open('api').then((c) => c.match('/api/data')).then(Boolean)`)
		if got := fetchText(); got != "answer 1" {
			t.Fatalf("second fetch = %q, want answer 1 (cache, refreshed behind)", got)
		}
		tab.WaitFor(`window.swEvents.includes('cache-updated')`)
		type detail struct {
			CacheName string `json:"cacheName"`
			URL       string `json:"url"`
		}
		got := browsertest.Eval[detail](tab, `window.swDetails.find((d) => d.type === 'cache-updated').detail`)
		if want := (detail{CacheName: "api", URL: s.URL("api/data")}); got != want {
			t.Errorf("cache-updated detail = %+v, want %+v", got, want)
		}
		if got := fetchText(); got != "answer 2" {
			t.Errorf("third fetch = %q, want answer 2 (the refreshed cache)", got)
		}

		// Offline, the cached answer still comes back (the one the third fetch's
		// refresh stored); the failed refresh is swallowed.
		tab.WaitFor(`window.swEvents.filter((type) => type === 'cache-updated').length === 2`)
		s.srv.Stop()
		if got := fetchText(); got != "answer 3" {
			t.Errorf("offline fetch = %q, want answer 3 (cached by the third fetch's refresh)", got)
		}
	})
}
