package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/browsertest"
)

// counting is a dynamic test handler: each request gets "<path> v<n>", n
// counting the requests for that path, so a body tells which request
// produced it. While held, requests whose path contains "/slow" block until
// the test releases them (a stalled network, no sleeps): each announces itself
// on entered first.
type counting struct {
	mu      sync.Mutex
	n       map[string]int
	release chan struct{} // nil when not held
	entered chan string
	// header, when set, adds headers to the response for a path.
	header func(path string, h http.Header)
}

func newCounting() *counting {
	return &counting{n: map[string]int{}, entered: make(chan string, 100)}
}

func (c *counting) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.n[r.URL.Path]++
	n := c.n[r.URL.Path]
	release := c.release
	c.mu.Unlock()
	if release != nil && strings.Contains(r.URL.Path, "/slow") {
		c.entered <- r.URL.Path
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Type", "text/plain")
	if c.header != nil {
		c.header(r.URL.Path, w.Header())
	}
	fmt.Fprintf(w, "%s v%d", r.URL.Path, n)
}

// count is the number of requests that reached path.
func (c *counting) count(path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[path]
}

// hold stalls the "/slow" paths until the returned function is called
// (also called at cleanup, so no handler outlives the test).
func (c *counting) hold(t *testing.T) (release func()) {
	t.Helper()
	ch := make(chan struct{})
	c.mu.Lock()
	c.release = ch
	c.mu.Unlock()
	var once sync.Once
	release = func() {
		once.Do(func() {
			c.mu.Lock()
			c.release = nil
			c.mu.Unlock()
			close(ch)
		})
	}
	t.Cleanup(release)
	return release
}

// waitEntered waits until a held request for path reached the server.
func (c *counting) waitEntered(t *testing.T, path string) {
	t.Helper()
	deadline := time.After(browsertest.DefaultTimeout)
	for {
		select {
		case p := <-c.entered:
			if p == path {
				return
			}
		case <-deadline:
			t.Fatalf("no request for %s reached the server", path)
		}
	}
}

// fetchText fetches path from the page: the body, or "error: ..." when the
// fetch rejects (what a page sees when the worker fails the request).
func fetchText(tab *browsertest.Tab, path string) string {
	tab.T.Helper()
	return browsertest.Eval[string](tab, fmt.Sprintf(
		`fetch(%s).then((r) => r.text(), (e) => 'error: ' + e.message)`, jsonString(path)))
}

// startFetch starts fetching path in the page without waiting; fetchResult
// reads the outcome ("" while pending).
func startFetch(tab *browsertest.Tab, path string) {
	tab.T.Helper()
	browsertest.Eval[bool](tab, fmt.Sprintf(`(() => {
		window.pending = window.pending || {};
		window.pending[%[1]s] = '';
		fetch(%[1]s).then((r) => r.text(), (e) => 'error: ' + e.message)
			.then((text) => { window.pending[%[1]s] = text; });
		return true;
	})()`, jsonString(path)))
}

func fetchResult(tab *browsertest.Tab, path string) string {
	tab.T.Helper()
	return browsertest.Eval[string](tab, fmt.Sprintf(`window.pending[%s]`, jsonString(path)))
}

// cachedText is the body cached for path in cache name ("" when absent).
func cachedText(tab *browsertest.Tab, name, path string) string {
	tab.T.Helper()
	return browsertest.Eval[string](tab, fmt.Sprintf(
		`caches.open(%s).then((c) => c.match(%s)).then((r) => (r ? r.text() : ''))`, jsonString(name), jsonString(path)))
}

// waitCached waits until cache name holds want for path.
func waitCached(tab *browsertest.Tab, name, path, want string) {
	tab.T.Helper()
	tab.WaitFor(fmt.Sprintf(`caches.open(%s).then((c) => c.match(%s)).then((r) => (r ? r.text() : '')).then((t) => t === %s)`,
		jsonString(name), jsonString(path), jsonString(want)))
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestStrategies runs each strategy online, slow (a stalled handler, past
// networkFirst's 1 s timeout) and offline (the server stopped), on one site
// with one route per strategy. The bodies name the request that produced
// them, so each answer tells whether it came from the network or the cache;
// the handler's counts tell whether the network was asked at all.
func TestStrategies(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		api := newCounting()
		route := func(pattern, handler, cacheName string) config.RuntimeCaching {
			return config.RuntimeCaching{URLPattern: pattern, Handler: handler, Options: config.RuntimeOptions{CacheName: cacheName}}
		}
		nf := route("/api/nf/**", "networkFirst", "nf")
		nf.Options.NetworkTimeoutSeconds = 1
		cfg := config.Config{ClientsClaim: true, RuntimeCaching: []config.RuntimeCaching{
			route("/api/cf/**", "cacheFirst", "cf"),
			nf,
			route("/api/swr/**", "staleWhileRevalidate", "swr"),
			route("/api/no/**", "networkOnly", "no"),
			route("/api/co/**", "cacheOnly", "co"),
		}}
		s, tab := installed(t, e, cfg, api)

		check := func(path, want string, hits int) {
			t.Helper()
			if got := fetchText(tab, path); got != want {
				t.Errorf("fetch %s = %q, want %q", path, got, want)
			}
			// A background revalidation reaches the server after the page has
			// its answer: wait for the expected count, then check nothing more
			// arrived.
			deadline := time.Now().Add(5 * time.Second)
			for api.count(path) < hits && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if got := api.count(path); got != hits {
				t.Errorf("after fetching %s the server saw it %d times, want %d", path, got, hits)
			}
		}

		t.Run("online", func(t *testing.T) {
			t.Run("cacheFirst", func(t *testing.T) {
				check("/api/cf/a", "/api/cf/a v1", 1)
				waitCached(tab, "cf", "/api/cf/a", "/api/cf/a v1")
				check("/api/cf/a", "/api/cf/a v1", 1) // the cache, not the network
			})
			t.Run("networkFirst", func(t *testing.T) {
				check("/api/nf/a", "/api/nf/a v1", 1)
				waitCached(tab, "nf", "/api/nf/a", "/api/nf/a v1")
				check("/api/nf/a", "/api/nf/a v2", 2) // the network again, cached again
				waitCached(tab, "nf", "/api/nf/a", "/api/nf/a v2")
			})
			t.Run("staleWhileRevalidate", func(t *testing.T) {
				check("/api/swr/a", "/api/swr/a v1", 1)
				waitCached(tab, "swr", "/api/swr/a", "/api/swr/a v1")
				if got := fetchText(tab, "/api/swr/a"); got != "/api/swr/a v1" {
					t.Errorf("second fetch = %q, want the cached v1", got)
				}
				waitCached(tab, "swr", "/api/swr/a", "/api/swr/a v2") // refreshed behind
				check("/api/swr/a", "/api/swr/a v2", 3)
				waitCached(tab, "swr", "/api/swr/a", "/api/swr/a v3") // for the offline phase
			})
			t.Run("networkOnly", func(t *testing.T) {
				check("/api/no/a", "/api/no/a v1", 1)
				check("/api/no/a", "/api/no/a v2", 2)
				if keys := tab.CacheKeys("no"); keys != nil {
					t.Errorf("networkOnly created cache no: %v", keys)
				}
			})
			t.Run("cacheOnly", func(t *testing.T) {
				if got := fetchText(tab, "/api/co/a"); !strings.HasPrefix(got, "error: ") {
					t.Errorf("cacheOnly with an empty cache answered %q, want a network error", got)
				}
				browsertest.Eval[bool](tab, `caches.open('co').then((c) => c.put('/api/co/a', new Response('put by the page'))).then(() => true)`)
				check("/api/co/a", "put by the page", 0)
			})
		})

		t.Run("slow", func(t *testing.T) {
			// Prime the caches while the network is quick.
			for _, p := range []string{"/api/cf/slow", "/api/nf/slow", "/api/swr/slow"} {
				check(p, p+" v1", 1)
			}
			waitCached(tab, "cf", "/api/cf/slow", "/api/cf/slow v1")
			waitCached(tab, "nf", "/api/nf/slow", "/api/nf/slow v1")
			waitCached(tab, "swr", "/api/swr/slow", "/api/swr/slow v1")

			t.Run("cacheFirst", func(t *testing.T) {
				release := api.hold(t)
				defer release()
				check("/api/cf/slow", "/api/cf/slow v1", 1) // answered while the network stalls
			})
			t.Run("networkFirst", func(t *testing.T) {
				release := api.hold(t)
				defer release()
				start := time.Now()
				startFetch(tab, "/api/nf/slow")
				api.waitEntered(t, "/api/nf/slow")
				tab.WaitFor(`window.pending['/api/nf/slow'] !== ''`)
				if got, took := fetchResult(tab, "/api/nf/slow"), time.Since(start); got != "/api/nf/slow v1" || took < time.Second {
					t.Errorf("stalled networkFirst answered %q after %v, want the cached v1 after the 1 s timeout", got, took)
				}
				// The late answer still reaches the cache.
				release()
				waitCached(tab, "nf", "/api/nf/slow", "/api/nf/slow v2")
			})
			t.Run("networkFirst nothing cached", func(t *testing.T) {
				release := api.hold(t)
				defer release()
				startFetch(tab, "/api/nf/slow-new")
				api.waitEntered(t, "/api/nf/slow-new")
				// Past the timeout the fetch still waits for the network.
				tab.WaitFor(`new Promise((resolve) => setTimeout(() => resolve(true), 1500))`)
				if got := fetchResult(tab, "/api/nf/slow-new"); got != "" {
					t.Fatalf("with nothing cached, a stalled networkFirst answered %q before the network", got)
				}
				release()
				tab.WaitFor(`window.pending['/api/nf/slow-new'] === '/api/nf/slow-new v1'`)
			})
			t.Run("staleWhileRevalidate", func(t *testing.T) {
				release := api.hold(t)
				defer release()
				if got := fetchText(tab, "/api/swr/slow"); got != "/api/swr/slow v1" {
					t.Errorf("stalled staleWhileRevalidate answered %q, want the cached v1 at once", got)
				}
				api.waitEntered(t, "/api/swr/slow") // the revalidation
				release()
				waitCached(tab, "swr", "/api/swr/slow", "/api/swr/slow v2")
			})
			t.Run("networkOnly", func(t *testing.T) {
				release := api.hold(t)
				defer release()
				startFetch(tab, "/api/no/slow")
				api.waitEntered(t, "/api/no/slow")
				if got := fetchResult(tab, "/api/no/slow"); got != "" {
					t.Fatalf("networkOnly answered %q before the network did", got)
				}
				release()
				tab.WaitFor(`window.pending['/api/no/slow'] === '/api/no/slow v1'`)
			})
			t.Run("cacheOnly", func(t *testing.T) {
				release := api.hold(t)
				defer release()
				if got := fetchText(tab, "/api/co/slow"); !strings.HasPrefix(got, "error: ") {
					t.Errorf("cacheOnly answered %q, want a network error", got)
				}
				if n := api.count("/api/co/slow"); n != 0 {
					t.Errorf("cacheOnly asked the network %d times", n)
				}
			})
		})

		t.Run("offline", func(t *testing.T) {
			s.srv.Stop()
			tests := []struct {
				path, want string
			}{
				{"/api/cf/a", "/api/cf/a v1"},
				{"/api/cf/never-fetched", "error: "},
				{"/api/nf/a", "/api/nf/a v2"},
				{"/api/nf/never-fetched", "error: "},
				{"/api/swr/a", "/api/swr/a v3"}, // stored by the last online fetch's refresh
				{"/api/no/a", "error: "},
				{"/api/co/a", "put by the page"},
			}
			for _, tc := range tests {
				t.Run(tc.path, func(t *testing.T) {
					got := fetchText(tab, tc.path)
					if tc.want == "error: " && !strings.HasPrefix(got, tc.want) || tc.want != "error: " && got != tc.want {
						t.Errorf("offline fetch %s = %q, want %q", tc.path, got, tc.want)
					}
				})
			}
		})
	})
}

// TestOnlyCacheableResponsesAreStored: a runtime cache keeps successful GET
// responses only: not a 404 (statuses default to [200]), not a response the
// server marked Cache-Control: no-store, not a POST, and a cross-origin
// no-cors (opaque, status 0) response only where cacheableResponse lists 0.
func TestOnlyCacheableResponsesAreStored(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		images := newCounting()
		other := browsertest.NewServer(t, images) // another port: another origin
		api := newCounting()
		api.header = func(path string, h http.Header) {
			if strings.HasSuffix(path, "/no-store") {
				h.Set("Cache-Control", "private, no-store")
			}
		}
		apiWith404 := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/missing") {
				api.mu.Lock()
				api.n[r.URL.Path]++
				api.mu.Unlock()
				http.NotFound(w, r)
				return
			}
			api.ServeHTTP(w, r)
		})
		cfg := config.Config{ClientsClaim: true, RuntimeCaching: []config.RuntimeCaching{
			{URLPattern: "/api/**", Handler: "cacheFirst", Options: config.RuntimeOptions{CacheName: "api"}},
			{URLPattern: "/api/**", Method: "POST", Handler: "networkFirst", Options: config.RuntimeOptions{CacheName: "post"}},
			{URLPattern: other.URL("/opaque-refused/**"), Handler: "cacheFirst", Options: config.RuntimeOptions{CacheName: "refused"}},
			{URLPattern: other.URL("/opaque-allowed/**"), Handler: "cacheFirst", Options: config.RuntimeOptions{
				CacheName:         "allowed",
				CacheableResponse: &config.CacheableResponse{Statuses: []int{0, 200}},
			}},
		}}
		_, tab := installed(t, e, cfg, apiWith404)

		// Fetch twice; the second fetch reaches the server again unless the
		// first was cached. A refused response is refused before the worker
		// answers the page (cachePut decides synchronously), so only a stored
		// one needs waiting for: stored is a predicate that becomes true then.
		twice := func(fetchJS, stored string) {
			t.Helper()
			browsertest.Eval[bool](tab, `(async () => { await `+fetchJS+`; return true; })()`)
			if stored != "" {
				tab.WaitFor(stored)
			}
			browsertest.Eval[bool](tab, `(async () => { await `+fetchJS+`; return true; })()`)
		}
		has := func(cache, url string) string {
			return fmt.Sprintf(`caches.open(%s).then((c) => c.match(%s)).then(Boolean)`, jsonString(cache), jsonString(url))
		}
		t.Run("200 is cached", func(t *testing.T) {
			twice(`fetch('/api/ok')`, has("api", "/api/ok"))
			if n := api.count("/api/ok"); n != 1 {
				t.Errorf("server saw /api/ok %d times, want 1", n)
			}
		})
		for _, tc := range []struct{ name, path string }{
			{"404 is not cached", "/api/missing"},
			{"no-store is not cached", "/api/no-store"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				twice(fmt.Sprintf(`fetch(%s)`, jsonString(tc.path)), "")
				if n := api.count(tc.path); n != 2 {
					t.Errorf("server saw %s %d times, want 2 (not cached)", tc.path, n)
				}
			})
		}
		t.Run("POST is not cached", func(t *testing.T) {
			twice(`fetch('/api/post', { method: 'POST', body: 'x' })`, "")
			if n := api.count("/api/post"); n != 2 {
				t.Errorf("server saw POST /api/post %d times, want 2", n)
			}
			if keys := tab.CacheKeys("post"); len(keys) != 0 {
				t.Errorf("cache post holds %v, want nothing", keys)
			}
		})
		t.Run("opaque", func(t *testing.T) {
			refused, allowed := other.URL("/opaque-refused/cat.png"), other.URL("/opaque-allowed/cat.png")
			twice(fmt.Sprintf(`fetch(%s, { mode: 'no-cors' })`, jsonString(refused)), "")
			twice(fmt.Sprintf(`fetch(%s, { mode: 'no-cors' })`, jsonString(allowed)), has("allowed", allowed))
			if got := browsertest.Eval[int](tab, fmt.Sprintf(`fetch(%s, { mode: 'no-cors' }).then((r) => r.status)`, jsonString(allowed))); got != 0 {
				t.Fatalf("status of the cross-origin no-cors fetch = %d, want 0 (opaque)", got)
			}
			if n := images.count("/opaque-refused/cat.png"); n != 2 {
				t.Errorf("without 0 in statuses the opaque response reached the server %d times, want 2", n)
			}
			if n := images.count("/opaque-allowed/cat.png"); n != 1 {
				t.Errorf("with 0 in statuses the opaque response reached the server %d times, want 1", n)
			}
			if keys := tab.CacheKeys("refused"); len(keys) != 0 {
				t.Errorf("cache refused holds %v", keys)
			}
			if keys := tab.CacheKeys("allowed"); !slices.Equal(keys, []string{allowed}) {
				t.Errorf("cache allowed holds %v, want [%s]", keys, allowed)
			}
		})
	})
}
