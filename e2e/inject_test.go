package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/swkit/swkit"
	"github.com/swkit/swkit/internal/browsertest"
)

// writeFiles writes name -> content under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestInjectedWorkerOffline: a worker source of the user's own, importing
// 'swkit/sw' and a module next to it, bundled by swkit.New with swSrc (what
// `swkit build --inject` runs) precaches the site's files and, with the server
// stopped, serves the page, its stylesheet and a route it registered itself.
func TestInjectedWorkerOffline(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		site, src := t.TempDir(), t.TempDir()
		writeFiles(t, site, map[string]string{
			"index.html": `<!doctype html><html><head><meta charset="utf-8"><title>inject</title>
	<link rel="stylesheet" href="/css/app.css">
	<script type="module">
	import { register } from '/swkit.js';
	window.swkit = register('/sw.js');
	</script></head><body><h1>injected</h1></body></html>
	`,
			"css/app.css": "body { background-color: rgb(1, 2, 3); }\n",
		})
		writeFiles(t, src, map[string]string{
			"sw.js": `import { precacheAndRoute, registerRoute, cacheFirst, clientsClaim, skipWaitingOnMessage } from 'swkit/sw';
	import { isData } from './routes.js';

	precacheAndRoute(self.__SWKIT_MANIFEST);
	registerRoute(isData, cacheFirst({ cacheName: 'app-api' }));
	clientsClaim();
	skipWaitingOnMessage();
	`,
			"routes.js": "export const isData = ({ url }) => url.pathname.startsWith('/api/');\n",
		})

		files, err := swkit.New(os.DirFS(site), swkit.Config{SwSrc: filepath.Join(src, "sw.js")})
		if err != nil {
			t.Fatal(err)
		}
		srv := browsertest.NewServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/api/") {
				w.Header().Set("Content-Type", "text/plain")
				w.Write([]byte("data for " + r.URL.Path))
				return
			}
			files.ServeHTTP(w, r)
		}))

		tab := e.NewTab(t)
		tab.Navigate(srv.URL("/"))
		tab.WaitController()
		tab.WaitFor(`navigator.serviceWorker.controller.state === 'activated'`)

		precache := "swkit-precache-v1-" + srv.URL("/")
		var keys []string
		for _, k := range tab.CacheKeys(precache) {
			keys = append(keys, strings.TrimPrefix(strings.SplitN(k, "?", 2)[0], srv.URL("/")))
		}
		slices.Sort(keys)
		if want := []string{"css/app.css", "index.html", "swkit.js"}; !slices.Equal(keys, want) {
			t.Fatalf("precache holds %v, want %v", keys, want)
		}
		// The route from the user's own module caches what it answers.
		if got := browsertest.Eval[string](tab, `fetch('/api/one').then((r) => r.text())`); got != "data for /api/one" {
			t.Fatalf("/api/one = %q", got)
		}
		tab.WaitFor(`caches.open('app-api').then((c) => c.match('/api/one')).then(Boolean)`)

		// Real offline: the page, its stylesheet and the route answer from the
		// caches; nothing reaches the stopped server.
		srv.Stop()
		srv.ResetHits()
		tab.Reload()
		type state struct {
			Heading    string `json:"heading"`
			Background string `json:"background"`
			Data       string `json:"data"`
		}
		got := browsertest.Eval[state](tab, `(async () => ({
			heading: document.querySelector('h1').textContent,
			background: getComputedStyle(document.body).backgroundColor,
			data: await fetch('/api/one').then((r) => r.text()),
		}))()`)
		if want := (state{"injected", "rgb(1, 2, 3)", "data for /api/one"}); got != want {
			t.Errorf("offline page: %+v, want %+v", got, want)
		}
		if hits := srv.Hits(); len(hits) != 0 {
			t.Errorf("a stopped server saw requests: %v", hits)
		}
		if !browsertest.Eval[bool](tab, `typeof window.swkit.messageSkipWaiting === 'function'`) {
			t.Error("the page helper did not run offline")
		}
	})
}
