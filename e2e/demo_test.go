package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/swkit/swkit/internal/browsertest"
	"github.com/swkit/swkit/internal/demo"
)

// fakeClock is the demo's clock, moved by the test: the rotation then changes
// exactly when the test says, not when a timer happens to fire.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// startDemo serves the demo on 127.0.0.1 and opens it in a new tab.
func startDemo(t *testing.T, tabs tabOpener, opts demo.Options) (*browsertest.Server, *browsertest.Tab) {
	t.Helper()
	d, err := demo.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() }) // removes the votes' temporary folder
	srv := browsertest.NewServer(t, d)
	return srv, tabs.NewTab(t)
}

// isImg keeps the requests for the rotating picture.
func isImg(h browsertest.Hit) bool { return h.Path == "/img" }

// imgHits is how many /img requests reached the server.
func imgHits(srv *browsertest.Server) int { return srv.Counts(isImg)["/img"] }

// controlledDemo runs the seed's flow up to a controlled page: open the page
// (the worker installs and precaches it), wait until the worker is active, and
// reload, so the worker controls the page and has /img in its cache.
func controlledDemo(t *testing.T, tabs tabOpener, opts demo.Options) (*browsertest.Server, *browsertest.Tab) {
	t.Helper()
	srv, tab := startDemo(t, tabs, opts)
	tab.Navigate(srv.URL("/"))
	tab.WaitFor(`navigator.serviceWorker.getRegistration().then(r => r?.active?.state === 'activated')`)
	tab.Reload()
	tab.WaitController()
	tab.WaitFor(`caches.open('` + demo.ImageCacheName + `').then(c => c.match('/img')).then(r => !!r)`)
	return srv, tab
}

// imageResponses returns the page's responses for /img.
func imageResponses(r *browsertest.Recorder, srv *browsertest.Server) []browsertest.Response {
	var out []browsertest.Response
	for _, resp := range r.Responses() {
		if resp.Target == "page" && resp.URL == srv.URL("/img") {
			out = append(out, resp)
		}
	}
	return out
}

// TestDemoImageFromWorker is (a): once the page is controlled, /img is answered
// by the worker from its cache, and the only /img request that reaches the
// server is the worker's background revalidation.
func TestDemoImageFromWorker(t *testing.T) {
	srv, tab := controlledDemo(t, browsertest.Shared(t), demo.Options{Rotate: time.Hour})

	rec := tab.RecordNetwork()
	before := imgHits(srv)
	tab.Reload()
	tab.WaitFor(`document.querySelector('#cat').complete && document.querySelector('#cat').naturalWidth > 0`)
	// The revalidation runs after the response; wait for it to reach the server.
	deadline := time.Now().Add(browsertest.DefaultTimeout)
	for imgHits(srv) == before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}

	got := imageResponses(rec, srv)
	if len(got) != 1 {
		t.Fatalf("page saw %d responses for /img, want 1: %+v", len(got), got)
	}
	if !got[0].FromServiceWorker || got[0].Source != "cache-storage" {
		t.Errorf("/img: fromServiceWorker=%v source=%q, want true and cache-storage", got[0].FromServiceWorker, got[0].Source)
	}
	if n := imgHits(srv) - before; n != 1 {
		t.Errorf("%d /img requests reached the server on reload, want exactly 1 (the worker's revalidation)", n)
	}
	pageLoads := srv.Counts(func(h browsertest.Hit) bool { return h.Path == "/" && h.Dest == "document" })["/"]
	if pageLoads != 1 {
		t.Errorf("the page itself reached the server %d times, want 1 (the first visit; reloads come from the precache)", pageLoads)
	}
}

// TestDemoOffline is (b): with the server stopped, a reload renders the page,
// runs its script and shows the last image.
func TestDemoOffline(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		srv, tab := controlledDemo(t, e, demo.Options{Rotate: time.Hour})
		srv.Stop()

		tab.Reload()
		tab.WaitFor(`document.querySelector('#cat').complete && document.querySelector('#cat').naturalWidth > 0`)
		type state struct {
			Title      string `json:"title"`
			Status     string `json:"status"`
			Width      int    `json:"width"`
			Controlled bool   `json:"controlled"`
			Stylesheet bool   `json:"stylesheet"`
		}
		got := browsertest.Eval[state](tab, `({
			title: document.title,
			status: document.querySelector('#status').textContent,
			width: document.querySelector('#cat').naturalWidth,
			controlled: !!navigator.serviceWorker.controller,
			stylesheet: document.styleSheets.length > 0 && document.styleSheets[0].cssRules.length > 0,
		})`)
		if got.Title != "swkit demo" || got.Width == 0 || !got.Controlled || !got.Stylesheet {
			t.Errorf("offline reload rendered %+v, want the titled, styled, controlled page with its cat", got)
		}
		// main.js ran: it moved the status on from the HTML's initial text.
		if got.Status == "" || got.Status == "registering" {
			t.Errorf("offline: #status = %q: the page's script did not run", got.Status)
		}
	})
}

// pageImageDigest hashes the bytes the page's <img> currently shows (after a
// swap, a blob: URL the page made from the worker's response).
const pageImageDigest = `(async () => {
	const bytes = await (await fetch(document.querySelector('#cat').src)).arrayBuffer();
	const sum = await crypto.subtle.digest('SHA-256', bytes);
	return [...new Uint8Array(sum)].map(b => b.toString(16).padStart(2, '0')).join('');
})()`

// serverImageDigest fetches /img from the server directly (not through the
// browser) and hashes it: the image the server shows now.
func serverImageDigest(t *testing.T, srv *browsertest.Server) string {
	t.Helper()
	resp, err := http.Get(srv.URL("/img"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// TestDemoNewerImageReachesPage is (c) with a controlled clock: the server
// moves to the next cat, the user reloads as in the seed, the worker answers
// with the cached cat at once, revalidates, and the page swaps in the new cat
// by itself.
func TestDemoNewerImageReachesPage(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		srv, tab := controlledDemo(t, e, demo.Options{Rotate: time.Hour, Now: clock.Now})
		first := serverImageDigest(t, srv)

		clock.Advance(time.Hour)
		second := serverImageDigest(t, srv)
		if first == second {
			t.Fatal("the demo served the same image after one rotation")
		}

		tab.Reload()
		tab.WaitFor(`document.body.dataset.imageUpdates === '1'`)
		if got := browsertest.Eval[string](tab, pageImageDigest); got != second {
			t.Errorf("after the update the page shows image %.12s, want the server's new image %.12s (old: %.12s)", got, second, first)
		}
		// The swap came from the worker's cache: the cached /img is the new one.
		cached := browsertest.Eval[string](tab, `(async () => {
			const r = await (await caches.open('`+demo.ImageCacheName+`')).match('/img');
			const sum = await crypto.subtle.digest('SHA-256', await r.arrayBuffer());
			return [...new Uint8Array(sum)].map(b => b.toString(16).padStart(2, '0')).join('');
		})()`)
		if cached != second {
			t.Errorf("the worker's cache holds image %.12s, want %.12s", cached, second)
		}
	})
}

// TestDemoLongLivedPageFollowsRotation is (c) in real time with a short
// rotation: a page left open keeps showing the server's newest cat, with no
// reload and no click.
func TestDemoLongLivedPageFollowsRotation(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		srv, tab := controlledDemo(t, e, demo.Options{Rotate: time.Second})
		// Two swaps with no navigation: the page follows the rotation by itself.
		tab.WaitFor(`Number(document.body.dataset.imageUpdates) >= 2`)
		if imgHits(srv) < 3 {
			t.Errorf("only %d /img requests reached the server; the worker should revalidate on each of the page's requests", imgHits(srv))
		}
	})
}

// TestDemoOfflineAfterFirstVisit follows the page's own advice: open it once,
// wait until it says "offline-ready", stop the server, reload. No second
// visit is needed for the cat to be there (the worker claims the first visit
// and the page fetches the cat through it).
func TestDemoOfflineAfterFirstVisit(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		srv, tab := startDemo(t, e, demo.Options{Rotate: time.Hour})
		tab.Navigate(srv.URL("/"))
		tab.WaitFor(`document.querySelector('#status').textContent === 'offline-ready'`)
		srv.Stop()

		tab.Reload()
		tab.WaitFor(`document.querySelector('#cat').complete && document.querySelector('#cat').naturalWidth > 0`)
		if !browsertest.Eval[bool](tab, `!!navigator.serviceWorker.controller`) {
			t.Error("offline reload is not controlled by the worker")
		}
		if pageLoads := srv.Counts(func(h browsertest.Hit) bool { return h.Dest == "document" })["/"]; pageLoads != 1 {
			t.Errorf("the page reached the server %d times, want 1 (the first visit)", pageLoads)
		}
	})
}
