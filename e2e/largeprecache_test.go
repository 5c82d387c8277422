package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/swkit/swkit"
	"github.com/swkit/swkit/internal/browsertest"
)

// TestPrecacheOverKeysLimit: Chromium refuses a cache.keys() whose answer
// would pass 10 MiB (counting about 450 bytes a key besides its URL), and
// the precache lists its cache on install (to skip what is cached) and on
// activate (to drop what is no longer listed). A 20,000-file site passed it
// (bench/browser -large): its first install worked (an empty cache lists
// fine) but activate failed with "AbortError: Operation too large" before
// clients.claim(), and every update after it failed the same way in install,
// the old version keeping control for good. Here the same limit is reached
// with 1,300 files whose URLs are 9,000 characters long (a 20,000-file site
// takes a minute to install): the precache is spread over several caches,
// each listable; the site installs and claims the page, one changed file
// installs an update that fetches that file alone, and once it activates the
// old revision is gone and the files are still answered offline.
func TestPrecacheOverKeysLimit(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		const files = 1300
		site := fstest.MapFS{}
		name := func(i int) string {
			// 9,000 characters: 35 folders of 250, then the file's own name.
			var b strings.Builder
			for d := range 35 {
				fmt.Fprintf(&b, "d%02d-%s/", d, strings.Repeat("x", 246))
			}
			fmt.Fprintf(&b, "file-%04d-%s.txt", i, strings.Repeat("y", 9000-b.Len()-14))
			return b.String()
		}
		for i := range files {
			site[name(i)] = &fstest.MapFile{Data: fmt.Appendf(nil, "file %d\n", i), Mode: 0o644}
		}
		site["index.html"] = &fstest.MapFile{Data: []byte(`<!doctype html><title>keys</title><script type="module">
import { register } from '/swkit.js';
register('/sw.js');
</script>`), Mode: 0o644}

		cfg := swkit.Config{ClientsClaim: true}
		var handler atomic.Pointer[http.Handler]
		entries := 0 // of the last build
		build := func() {
			t.Helper()
			out, err := swkit.Build(site, cfg)
			if err != nil {
				t.Fatal(err)
			}
			entries = len(out.Entries)
			files := out.Generated()
			// Not internal/static, which refuses paths over 1,024 bytes.
			fileServer := http.FileServerFS(site)
			var hh http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if data, ok := files[strings.TrimPrefix(r.URL.Path, "/")]; ok {
					w.Header().Set("Content-Type", "text/javascript")
					w.Write(data)
					return
				}
				fileServer.ServeHTTP(w, r)
			})
			handler.Store(&hh)
		}
		build()
		srv := browsertest.NewServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			(*handler.Load()).ServeHTTP(w, r)
		}))

		tab := e.NewTab(t)
		tab.Navigate(srv.URL("/"))
		waitProgress(t, tab, precacheCount(srv.URL("/")), entries, time.Minute)
		tab.WaitController()
		tab.WaitFor(`navigator.serviceWorker.controller.state === 'activated'`)

		// Every precache cache of the scope lists (keys() throws past the
		// limit), and together they hold each file once, under its revision.
		listAll := func() map[string]int {
			t.Helper()
			perCache := browsertest.Eval[map[string][]string](tab, fmt.Sprintf(`(async (scope) => {
			const out = {};
			for (const name of await caches.keys()) {
				if (!name.includes('swkit-precache-') || !name.endsWith('-' + scope)) continue;
				out[name] = (await (await caches.open(name)).keys()).map((r) => r.url);
			}
			return out;
		})(%q)`, srv.URL("/")))
			if len(perCache) < 2 {
				t.Fatalf("the precache is in %d caches, want several: %v", len(perCache), keysOf(perCache))
			}
			all := map[string]int{}
			for _, keys := range perCache {
				for _, k := range keys {
					all[k]++
				}
			}
			return all
		}
		keys := listAll()
		if len(keys) != files+2 { // the files, index.html, swkit.js
			t.Fatalf("the precache holds %d keys, want %d", len(keys), files+2)
		}
		oldKey := keyOf(t, keys, "/"+name(77))

		// One changed file: the update installs (it failed here with
		// "Operation too large") and fetches that file alone besides the
		// worker and its manifest part.
		site[name(77)] = &fstest.MapFile{Data: []byte("file 77, changed\n"), Mode: 0o644}
		build()
		srv.ResetHits()
		tab.Update()
		tab.WaitFor(`navigator.serviceWorker.getRegistration().then((r) => {
		if (r.waiting) return true;
		if (!r.installing) throw new Error('the update did not install (the new worker is redundant)');
		return false;
	})`)
		var fetched []string
		for _, p := range srv.Paths(nil) {
			if p != "/sw.js" && !strings.HasPrefix(p, "/swkit-manifest.") {
				fetched = append(fetched, p)
			}
		}
		if len(fetched) != 1 || fetched[0] != "/"+name(77) {
			t.Errorf("the update fetched %d files besides the worker (%.80q...), want the changed file alone", len(fetched), fetched)
		}

		// Activated, the new version drops the old revision from its cache.
		browsertest.Eval[bool](tab, `navigator.serviceWorker.getRegistration().then((r) => {
		r.waiting.postMessage({ type: 'swkit:skip-waiting' });
		return true;
	})`)
		tab.WaitFor(`navigator.serviceWorker.getRegistration().then((r) => !r.waiting && !r.installing && r.active.state === 'activated')`)
		keys = listAll()
		if len(keys) != files+2 {
			t.Errorf("after the update the precache holds %d keys, want %d", len(keys), files+2)
		}
		if _, ok := keys[oldKey]; ok {
			t.Errorf("the old revision of the changed file is still cached")
		}
		newKey := keyOf(t, keys, "/"+name(77))
		if newKey == oldKey {
			t.Errorf("the changed file's key did not change: %.80q...", newKey)
		}

		// Offline, files come from whichever cache holds them.
		srv.Stop()
		for _, i := range []int{77, 1234} {
			want := fmt.Sprintf("file %d", i)
			if i == 77 {
				want = "file 77, changed"
			}
			got := browsertest.Eval[string](tab, fmt.Sprintf(`fetch(%q).then((r) => r.text()).then((s) => s.trim())`, "/"+name(i)))
			if got != want {
				t.Errorf("offline, file %d reads %q, want %q", i, got, want)
			}
		}
	})
}

// keyOf is the one cache key for path (with its revision query).
func keyOf(t *testing.T, keys map[string]int, path string) string {
	t.Helper()
	found := ""
	for k, n := range keys {
		if strings.Contains(k, path+"?") || strings.HasSuffix(k, path) {
			if found != "" || n != 1 {
				t.Fatalf("%.80q... is cached more than once", path)
			}
			found = k
		}
	}
	if found == "" {
		t.Fatalf("%.80q... is not cached", path)
	}
	return found
}

func keysOf(m map[string][]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, fmt.Sprintf("%s (%d)", k, len(v)))
	}
	return out
}
