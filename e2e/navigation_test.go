package e2e

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/browsertest"
)

// installedWith is installed with extra files written into the site before
// the first worker is built.
func installedWith(t *testing.T, tabs tabOpener, cfg config.Config, api http.Handler, extra map[string]string) (*site, *browsertest.Tab) {
	t.Helper()
	s := newSiteWith(t, cfg, api, extra)
	tab := tabs.NewTab(t)
	tab.Navigate(s.URL(""))
	tab.WaitController()
	tab.WaitFor(`navigator.serviceWorker.controller.state === 'activated'`)
	return s, tab
}

// navigateErr loads url and returns the error of a failed navigation
// (the browser's network error page) instead of failing the test.
func navigateErr(tab *browsertest.Tab, url string) error { return tab.TryNavigate(url) }

func bodyText(tab *browsertest.Tab) string {
	tab.T.Helper()
	return browsertest.Eval[string](tab, `document.body ? document.body.innerText.trim() : ''`)
}

// appShell is what page 0 (index.html, the app shell) renders when complete.
var appShell = pageState{Version: "1", Background: pageColor(0, 1), PicWidth: 8, App: 0, Helper: true}

// TestNavigateFallbackServesDeepLinksOffline: a single-page app with
// navigateFallback index.html, allowlist ^/(app|api)/ and denylist ^/api/.
// A deep link is answered with the precached app shell, online (as Workbox
// does: the shell routes on the client) and offline; a denylisted /api/
// navigation is never answered with the shell (online it reaches the server,
// offline it fails); a path outside the allowlist goes to the server.
func TestNavigateFallbackServesDeepLinksOffline(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		api := newCounting()
		cfg := config.Config{
			ClientsClaim:              true,
			NavigateFallback:          "index.html",
			NavigateFallbackAllowlist: []string{"^/(app|api)/"},
			NavigateFallbackDenylist:  []string{"^/api/"},
		}
		s, tab := installed(t, e, cfg, api)
		s.srv.ResetHits()

		tab.Navigate(s.URL("app/settings/42"))
		if got := browsertest.Eval[pageState](tab, pageStateJS); got != appShell {
			t.Errorf("online deep link rendered %+v, want the app shell %+v", got, appShell)
		}
		if n := s.srv.Counts(nil)["/app/settings/42"]; n != 0 {
			t.Errorf("online deep link reached the server %d times, want 0 (the precached shell answers)", n)
		}

		tab.Navigate(s.URL("api/page"))
		if got := bodyText(tab); got != "/api/page v1" {
			t.Errorf("denylisted navigation rendered %q, want the server's answer", got)
		}
		tab.Navigate(s.URL("elsewhere/deep"))
		if n := s.srv.Counts(nil)["/elsewhere/deep"]; n != 1 {
			t.Errorf("navigation outside the allowlist reached the server %d times, want 1", n)
		}

		s.srv.Stop()
		tab.Navigate(s.URL("app/settings/42"))
		if got := browsertest.Eval[pageState](tab, pageStateJS); got != appShell {
			t.Errorf("offline deep link rendered %+v, want the app shell %+v", got, appShell)
		}
		tab.Navigate(s.URL("app/settings/42?tab=privacy#top"))
		if got := browsertest.Eval[pageState](tab, pageStateJS); got != appShell {
			t.Errorf("offline deep link with query rendered %+v, want the app shell", got)
		}
		// Chromium and Firefox report the failed navigation; WebKit's
		// WebDriver loads its error page: either way, never the shell.
		if err := navigateErr(tab, s.URL("api/page")); err == nil && browsertest.Eval[string](tab, `(document.body && document.body.dataset.version) || ''`) != "" {
			t.Errorf("offline denylisted navigation loaded the app shell, want a network error")
		}
	})
}

// TestOfflinePageForFailedNavigations: with offlinePage, a navigation the
// network cannot answer shows the precached offline page: an uncached path,
// and a path whose networkFirst route has nothing cached. Precached pages
// are still themselves.
func TestOfflinePageForFailedNavigations(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		api := newCounting()
		cfg := config.Config{
			ClientsClaim: true,
			OfflinePage:  "offline.html",
			RuntimeCaching: []config.RuntimeCaching{{
				URLPattern: "/api/docs/**", Handler: "networkFirst", Options: config.RuntimeOptions{CacheName: "docs"},
			}},
		}
		const offline = `<!doctype html><title>offline</title><p>You are offline.</p>`
		s, tab := installedWith(t, e, cfg, api, map[string]string{"offline.html": offline})

		tab.Navigate(s.URL("api/page"))
		if got := bodyText(tab); got != "/api/page v1" {
			t.Errorf("online navigation rendered %q, want the server's answer", got)
		}

		s.srv.Stop()
		for _, path := range []string{"api/page", "nowhere.html", "api/docs/never-seen"} {
			tab.Navigate(s.URL(path))
			if got := bodyText(tab); got != "You are offline." {
				t.Errorf("offline navigation to /%s rendered %q, want the offline page", path, got)
			}
		}
		tab.Navigate(s.URL(pageName(2)))
		want := pageState{Version: "1", Background: pageColor(2, 1), PicWidth: 8, App: 2, Helper: true}
		if got := browsertest.Eval[pageState](tab, pageStateJS); got != want {
			t.Errorf("offline precached page rendered %+v, want %+v", got, want)
		}
	})
}

// TestNavigationPreload: with navigationPreload the worker enables it on
// activate; a navigation that the network answers is answered from the
// preload request (the server sees one request, carrying
// Service-Worker-Navigation-Preload: true), both without a route and
// through a networkFirst route, which also caches it.
func TestNavigationPreload(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		api := newCounting()
		var mu sync.Mutex
		preload := map[string][]string{} // path -> header of each request
		handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			preload[r.URL.Path] = append(preload[r.URL.Path], r.Header.Get("Service-Worker-Navigation-Preload"))
			mu.Unlock()
			w.Header().Set("Content-Type", "text/html")
			api.ServeHTTP(w, r)
		})
		cfg := config.Config{
			ClientsClaim:      true,
			NavigationPreload: true,
			RuntimeCaching: []config.RuntimeCaching{{
				URLPattern: "/api/docs/**", Handler: "networkFirst", Options: config.RuntimeOptions{CacheName: "docs"},
			}},
		}
		s, tab := installed(t, e, cfg, handler)
		if !browsertest.Eval[bool](tab, `navigator.serviceWorker.getRegistration().then((r) => r.navigationPreload.getState()).then((s) => s.enabled)`) {
			t.Fatal("navigation preload is not enabled after activate")
		}

		docs := "/api/docs/intro v1"
		for _, path := range []string{"/api/page", "/api/docs/intro"} {
			tab.Navigate(s.srv.URL(path))
			mu.Lock()
			got := strings.Join(preload[path], ",")
			mu.Unlock()
			want := path + " v1"
			// On a loaded machine WebKit sometimes sends the preload and
			// then resolves preloadResponse to undefined; the worker then
			// fetches once more, as it must (docs/testing.md).
			if e.Name == browsertest.WebKit && got == "true," {
				t.Logf("%s: WebKit dropped the preload response; the worker fetched again", path)
				want = path + " v2"
			} else if got != "true" {
				t.Errorf("%s: Service-Worker-Navigation-Preload of each request = [%s], want one request with true", path, got)
			}
			if got := bodyText(tab); got != want {
				t.Errorf("navigation to %s rendered %q, want %q", path, got, want)
			}
			if path == "/api/docs/intro" {
				docs = want
			}
		}
		waitCached(tab, "docs", "/api/docs/intro", docs)
	})
}

// TestIgnoreURLParametersMatching: the default ignoreURLParametersMatching
// (utm_*, fbclid) lets a precached page answer a URL carrying tracking
// parameters, with no request to the server; other parameters still make
// another URL.
func TestIgnoreURLParametersMatching(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		s, tab := installed(t, e, config.Config{ClientsClaim: true}, nil)
		s.srv.ResetHits()
		want := pageState{Version: "1", Background: pageColor(1, 1), PicWidth: 8, App: 1, Helper: true}

		tab.Navigate(s.URL(pageName(1) + "?utm_source=x&utm_medium=mail&fbclid=abc"))
		if got := browsertest.Eval[pageState](tab, pageStateJS); got != want {
			t.Errorf("rendered %+v, want %+v", got, want)
		}
		tab.Navigate(s.URL("?utm_campaign=spring")) // directory index too
		if got := browsertest.Eval[pageState](tab, pageStateJS); got != appShell {
			t.Errorf("rendered %+v, want page 0", got)
		}
		if hits := s.srv.Hits(); len(hits) != 0 {
			t.Errorf("tracking parameters reached the server: %+v", hits)
		}

		tab.Navigate(s.URL(pageName(1) + "?ref=x"))
		if n := s.srv.Counts(nil)["/"+pageName(1)]; n != 1 {
			t.Errorf("?ref=x reached the server %d times, want 1 (not a tracking parameter)", n)
		}
	})
}
