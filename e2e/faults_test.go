package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/browsertest"
)

// blockOne wraps the site's current handler so that the first request for
// path hangs until its connection closes (the server is stopped), and tells
// reached when it arrives.
func blockOne(s *site, path string) (reached <-chan struct{}) {
	inner := *s.handler.Load()
	ch := make(chan struct{})
	var once sync.Once
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		first := false
		if r.URL.Path == path {
			once.Do(func() { first = true })
		}
		if first {
			close(ch)
			<-r.Context().Done()
			return
		}
		inner.ServeHTTP(w, r)
	})
	s.handler.Store(&h)
	return ch
}

// writeVersion2 changes every page and three stylesheets to version 2.
func writeVersion2(s *site) []string {
	var changed []string
	for i := range numPages {
		s.write(pageName(i), pageHTML(i, 2))
		changed = append(changed, pageName(i))
	}
	for _, i := range []int{2, 5, 8} {
		s.write(cssName(i), "body { background-color: "+pageColor(i, 2)+"; }\n")
		changed = append(changed, cssName(i))
	}
	return changed
}

func v2Color(i int) string {
	if i == 2 || i == 5 || i == 8 {
		return pageColor(i, 2)
	}
	return pageColor(i, 1)
}

// followInstall calls registration.update() in the page and follows the new
// worker to the end of its install: "installed" (waiting) or "redundant".
const followInstall = `(async () => {
	const r = await navigator.serviceWorker.getRegistration();
	await r.update().catch(() => {});
	const w = r.installing;
	if (!w) return r.waiting ? 'installed' : 'no new worker';
	if (w.state !== 'installing') return w.state;
	return new Promise((resolve) => { w.addEventListener('statechange', () => { if (w.state !== 'installing') resolve(w.state); }); });
})()`

// activateWaiting asks the waiting worker to skip waiting through the page
// helper and follows it until it is activated.
func activateWaiting(t *testing.T, tab *browsertest.Tab) {
	t.Helper()
	state := browsertest.Eval[string](tab, `(async () => {
		const w = (await navigator.serviceWorker.getRegistration()).waiting;
		if (!w) return 'no waiting worker';
		const done = new Promise((resolve) => w.addEventListener('statechange', () => {
			if (w.state === 'activated' || w.state === 'redundant') resolve(w.state);
		}));
		window.swkit.messageSkipWaiting();
		return done;
	})()`)
	if state != "activated" {
		t.Fatalf("the waiting worker ended %q, want activated", state)
	}
}

// TestFaultServerKilledDuringInstall: v2's install is under way, one of its
// files hangs, and the server dies. The install fails, v1 keeps serving every
// page with the server down; once the server is back, the next update check
// installs v2, fetching only what the first attempt did not store: every
// changed file is fetched once in total.
func TestFaultServerKilledDuringInstall(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		s, tab := installed(t, e, config.Config{ClientsClaim: true}, nil)
		changed := writeVersion2(s)
		s.Deploy()
		blocked := "/" + pageName(7)
		reached := blockOne(s, blocked)
		s.srv.ResetHits()

		browsertest.Eval[bool](tab, `(window.installEnd = null, navigator.serviceWorker.getRegistration().then((r) => {
			r.update().catch(() => {});
			return true;
		}))`)
		select {
		case <-reached:
		case <-time.After(browsertest.DefaultTimeout):
			t.Fatalf("the v2 install never asked for %s; hits: %v", blocked, s.srv.Counts(nil))
		}
		// Let the other changed files arrive (6 fetches in flight at most), so
		// that the first attempt stores all but the blocked one.
		others := len(changed) - 1
		deadline := time.Now().Add(browsertest.DefaultTimeout)
		for {
			got := 0
			for _, name := range changed {
				if "/"+name != blocked {
					got += s.srv.Counts(workerFetch)["/"+name]
				}
			}
			if got == others {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the first attempt fetched %d of the %d other changed files: %v", got, others, s.srv.Counts(workerFetch))
			}
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(300 * time.Millisecond) // their cache.put calls
		first := s.srv.Counts(workerFetch)

		s.srv.Stop() // the blocked fetch fails, and its retries find no server
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("fetched before the server stopped: %v", first)
			}
		})
		tab.WaitFor(`navigator.serviceWorker.getRegistration().then((r) => !r.installing)`)
		if reg := tab.Registration(); reg.Waiting != "" {
			t.Fatalf("the v2 install succeeded without the server: %+v", reg)
		}
		tab.WaitFor(`window.swEvents.includes('error')`)
		if reg := tab.Registration(); reg.Active != "activated" || !reg.Controller {
			t.Fatalf("after the failed install: %+v, want v1 active and in control", reg)
		}
		checkPages(t, s, tab, "1", func(i int) string { return pageColor(i, 1) })

		// The server returns, serving v2 normally.
		s.Serve()
		if err := s.srv.Start(); err != nil {
			t.Fatal(err)
		}
		s.srv.ResetHits()
		tab.Navigate(s.URL(""))
		if end := browsertest.Eval[string](tab, followInstall); end != "installed" {
			t.Fatalf("the second install ended %q, want installed", end)
		}
		second := s.srv.Counts(workerFetch)
		activateWaiting(t, tab)

		for _, name := range changed {
			p := "/" + name
			total := first[p] + second[p]
			if p == blocked {
				total-- // the hung request, which never completed
			}
			if total != 1 {
				t.Errorf("%s fetched %d times in all (first attempt %d, second %d), want once", p, total, first[p], second[p])
			}
		}
		for p, n := range second {
			if p != blocked {
				t.Errorf("the second install fetched %s %d times: it was stored by the first attempt or did not change", p, n)
			}
		}
		if keys := tab.CacheKeys(s.precacheName()); !equalSets(keys, s.wantKeys()) {
			t.Errorf("precache after v2:\n got %v\nwant %v", sorted(keys), sorted(s.wantKeys()))
		}
		s.srv.Stop()
		checkPages(t, s, tab, "2", v2Color)
	})
}

func equalSets(a, b []string) bool {
	return strings.Join(sorted(a), "\n") == strings.Join(sorted(b), "\n")
}

// TestFaultFileChangedAfterBuild: a file changes between the build and the
// deployment. Its integrity hash stops v2's install, the page helper emits
// "error" saying so, and v1 keeps control.
func TestFaultFileChangedAfterBuild(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		s, tab := installed(t, e, config.Config{ClientsClaim: true}, nil)
		const broken = "css/style-05.css"
		writeVersion2(s)
		s.Build()
		s.write(broken, "body { background-color: rgb(255, 0, 0); }\n")
		s.Serve()
		s.srv.ResetHits()

		if end := browsertest.Eval[string](tab, followInstall); end != "redundant" {
			t.Fatalf("the v2 worker ended its install %q, want redundant", end)
		}
		tab.WaitFor(`window.swEvents.includes('error')`)
		msg := browsertest.Eval[string](tab, `window.swDetails.find((d) => d.type === 'error').detail.error.message`)
		if !strings.Contains(msg, "failed to install") || !strings.Contains(msg, "/sw.js") {
			t.Errorf("error event message %q, want one saying that /sw.js failed to install", msg)
		}
		if n := s.srv.Counts(workerFetch)["/"+broken]; n < 1 {
			t.Fatalf("the install never fetched %s: the test proves nothing", broken)
		}
		if reg := tab.Registration(); reg.Active != "activated" || reg.Waiting != "" || !reg.Controller {
			t.Errorf("after the failed install: %+v, want only v1, in control", reg)
		}
		// A successful update, for contrast, emits no error.
		tab.Navigate(s.URL(""))
		s.Deploy()
		if end := browsertest.Eval[string](tab, followInstall); end != "installed" {
			t.Fatalf("the fixed deployment's install ended %q, want installed", end)
		}
		tab.WaitFor(`window.swEvents.includes('waiting')`)
		if got := browsertest.Eval[[]string](tab, `window.swEvents`); strings.Contains(strings.Join(got, " "), "error") {
			t.Errorf("a good install emitted %v", got)
		}
	})
}

// overrideQuota sets the origin's storage quota over CDP (nil: back to the
// browser's own), restoring it at the test's end.
func overrideQuota(t *testing.T, tab *browsertest.Tab, origin string, quota *float64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab.Ctx, tab.Timeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, storage.OverrideQuotaForOrigin, storage.OverrideQuotaForOriginParams{Origin: origin, QuotaSize: quota}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(tab.Ctx, tab.Timeout)
		defer cancel()
		chromedp.Call(ctx, storage.OverrideQuotaForOrigin, storage.OverrideQuotaForOriginParams{Origin: origin})
	})
}

// TestFaultQuotaExceeded: the origin's storage is full. (1) Runtime routes
// of every caching strategy, without purgeOnQuotaError, still answer from
// the network: a failing cache.put costs the cache entry, never the
// response; the precached pages keep working. (2) An update whose precache
// does not fit fails its install (the page helper says so) and v1 keeps
// control; with room again, the next check installs it.
func TestFaultQuotaExceeded(t *testing.T) {
	var bigHits atomic.Int64
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bigHits.Add(1)
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(make([]byte, 2<<20))
	})
	var routes []config.RuntimeCaching
	for _, h := range []string{"cacheFirst", "networkFirst", "staleWhileRevalidate"} {
		routes = append(routes, config.RuntimeCaching{URLPattern: "/api/" + h + "/*", Handler: h, Options: config.RuntimeOptions{CacheName: h}})
	}
	s, tab := installed(t, browsertest.Shared(t), config.Config{ClientsClaim: true, RuntimeCaching: routes}, api)
	origin := strings.TrimSuffix(s.srv.URL(""), "/")
	usage := browsertest.Eval[float64](tab, `navigator.storage.estimate().then((e) => e.usage)`)
	quota := usage + 256<<10
	overrideQuota(t, tab, origin, &quota)

	for _, h := range []string{"cacheFirst", "networkFirst", "staleWhileRevalidate"} {
		for round := range 2 {
			before := bigHits.Load()
			n := browsertest.Eval[int](tab, fmt.Sprintf(`fetch('/api/%s/big').then((r) => r.arrayBuffer()).then((b) => b.byteLength, (e) => -1)`, h))
			if n != 2<<20 {
				t.Errorf("%s round %d: the page got %d bytes, want %d from the network", h, round, n, 2<<20)
			}
			if bigHits.Load() == before {
				t.Errorf("%s round %d: answered without the network, so something was stored over the quota", h, round)
			}
		}
	}
	tab.Reload()
	if got := browsertest.Eval[pageState](tab, pageStateJS); got.Version != "1" || got.PicWidth != 8 || !got.Helper {
		t.Errorf("the page with a full storage rendered %+v", got)
	}

	// (2) v2 brings a picture larger than the room left.
	s.write("img/huge.png", strings.Repeat("x", 1<<20))
	writeVersion2(s)
	s.Deploy()
	if end := browsertest.Eval[string](tab, followInstall); end != "redundant" {
		t.Fatalf("v2's install over the quota ended %q, want redundant", end)
	}
	tab.WaitFor(`window.swEvents.includes('error')`)
	if reg := tab.Registration(); reg.Active != "activated" || reg.Waiting != "" || !reg.Controller {
		t.Errorf("after the install over quota: %+v, want v1 in control", reg)
	}
	s.srv.Stop()
	checkPages(t, s, tab, "1", func(i int) string { return pageColor(i, 1) })
	if err := s.srv.Start(); err != nil {
		t.Fatal(err)
	}

	overrideQuota(t, tab, origin, nil)
	tab.Navigate(s.URL(""))
	if end := browsertest.Eval[string](tab, followInstall); end != "installed" {
		t.Fatalf("with room again the install ended %q, want installed", end)
	}
	activateWaiting(t, tab)
	s.srv.Stop()
	checkPages(t, s, tab, "2", v2Color)
}
