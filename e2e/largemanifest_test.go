package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/swkit/swkit"
	"github.com/swkit/swkit/internal/browsertest"
	"github.com/swkit/swkit/internal/swgen"
)

// TestLargeManifest: a site whose manifest is over swgen.SplitManifestBytes
// gets a small sw.js that imports the manifest in content-addressed parts.
// It installs completely and works with the server stopped; an update check
// with nothing changed downloads sw.js alone (the parts are immutable, so
// the browser takes them from its HTTP cache); and one changed file costs
// sw.js, the one part that lists it, and the file.
func TestLargeManifest(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		// Enough long names to pass SplitManifestBytes with fewer files: the
		// install's cost is per file, the split's trigger per byte.
		const files = 1500
		dir := t.TempDir()
		write := func(name, content string) {
			p := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		name := func(i int) string {
			return fmt.Sprintf("assets/section-%02d/a-rather-long-descriptive-file-name-as-some-generators-write-them-with-a-date-and-a-slug-2026-12-04-%04d.txt", i%20, i)
		}
		for i := range files {
			write(name(i), fmt.Sprintf("file %d\n", i))
		}
		write("index.html", `<!doctype html><title>large</title><script type="module">
import { register } from '/swkit.js';
register('/sw.js');
</script>`)

		cfg := swkit.Config{ClientsClaim: true}
		var handler atomic.Pointer[http.Handler]
		var out *swkit.Result
		build := func() {
			t.Helper()
			h, err := swkit.New(os.DirFS(dir), cfg)
			if err != nil {
				t.Fatal(err)
			}
			out = h.Result()
			var hh http.Handler = h
			handler.Store(&hh)
		}
		build()
		if len(out.Parts) < 2 {
			t.Fatalf("the manifest of %d files was split into %d files, want several", files, len(out.Parts))
		}
		t.Logf("sw.js %d bytes, %d manifest files", len(out.Worker), len(out.Parts))
		srv := browsertest.NewServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			(*handler.Load()).ServeHTTP(w, r)
		}))

		tab := e.NewTab(t)
		tab.Navigate(srv.URL("/"))
		// The install fetches and stores every file: on two busy cores that
		// can take minutes, so wait for as long as it makes progress.
		waitProgress(t, tab, precacheCount(srv.URL("/")), len(out.Entries), time.Minute)
		tab.WaitController()
		tab.WaitFor(`navigator.serviceWorker.controller.state === 'activated'`)
		keys := tab.CacheKeys("swkit-precache-v1-" + srv.URL("/"))
		if len(keys) != len(out.Entries) {
			t.Fatalf("precache holds %d keys, want %d", len(keys), len(out.Entries))
		}
		parts := srv.Counts(func(h browsertest.Hit) bool { return strings.Contains(h.Path, swgen.ManifestFilePrefix) })
		if len(parts) != len(out.Parts) {
			t.Errorf("the browser fetched %d manifest files, want %d", len(parts), len(out.Parts))
		}

		// Offline: the server is stopped; pages and files come from the precache.
		srv.Stop()
		tab.Navigate(srv.URL("/" + name(1234)))
		if got := browsertest.Eval[string](tab, `document.body.innerText.trim()`); got != "file 1234" {
			t.Errorf("offline, the file reads %q, want %q", got, "file 1234")
		}
		tab.Navigate(srv.URL("/"))
		if got := browsertest.Eval[string](tab, `document.title`); got != "large" {
			t.Errorf("offline, the home page's title is %q", got)
		}
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}

		// Nothing changed: the update check reaches the server for sw.js
		// only. WebKit, comparing the imported parts byte for byte, fetches
		// them again past their immutable caching (docs/testing.md): there,
		// sw.js and each part once.
		isPart := func(h browsertest.Hit) bool { return strings.Contains(h.Path, swgen.ManifestFilePrefix) }
		webkitParts := 0
		if e.Name == browsertest.WebKit {
			webkitParts = len(out.Parts)
		}
		srv.ResetHits()
		tab.Update()
		// (Firefox may check once more by itself, after the navigations
		// above: sw.js may come twice.)
		// (WebKit may ask for /favicon.ico for the page loaded offline
		// above: the browser's request, not the worker's.)
		counts := srv.Counts(func(h browsertest.Hit) bool { return h.Path != "/favicon.ico" })
		total := 0
		for _, n := range counts {
			total += n
		}
		if counts["/sw.js"] < 1 || len(counts) != 1+webkitParts || len(srv.Counts(isPart)) != webkitParts || total > counts["/sw.js"]+webkitParts {
			t.Errorf("an update check with nothing changed fetched %v, want /sw.js and %d manifest parts, once each", counts, webkitParts)
		}
		if reg := tab.Registration(); reg.Installing != "" || reg.Waiting != "" {
			t.Errorf("an update check with nothing changed started a new worker: %+v", reg)
		}

		// One changed file: sw.js, one manifest part and that file.
		write(name(77), "file 77, changed\n")
		before := out.Parts
		build()
		changedParts := 0
		for name := range out.Parts {
			if _, ok := before[name]; !ok {
				changedParts++
			}
		}
		if changedParts != 1 {
			t.Fatalf("one changed file changed %d manifest files, want 1", changedParts)
		}
		srv.ResetHits()
		tab.Update()
		tab.WaitFor(`navigator.serviceWorker.getRegistration().then((r) => r && r.waiting !== null)`)
		var fetched []string
		for _, p := range srv.Paths(nil) {
			if strings.Contains(p, swgen.ManifestFilePrefix) {
				p = "manifest part"
			}
			fetched = append(fetched, p)
		}
		want := []string{"/" + name(77), "/sw.js", "manifest part"}
		if strings.Join(fetched, " ") != strings.Join(want, " ") || len(srv.Hits()) != 3 {
			t.Errorf("the update fetched %v (%d requests), want %v, one request each", fetched, len(srv.Hits()), want)
		}
	})
}

// waitProgress polls the count that countJS evaluates to until it reaches
// want, failing the test only when the count has not grown for stall: a
// deadline for a machine that does the work slowly but does it.
func waitProgress(t *testing.T, tab *browsertest.Tab, countJS string, want int, stall time.Duration) {
	t.Helper()
	last, since := -1, time.Now()
	for {
		n := browsertest.Eval[int](tab, countJS)
		if n >= want {
			return
		}
		if n > last {
			last, since = n, time.Now()
		} else if time.Since(since) > stall {
			t.Fatalf("stuck at %d of %d for %v", n, want, stall)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// precacheCount is JavaScript counting the keys of every precache cache of
// scope (a split precache has several).
func precacheCount(scope string) string {
	return fmt.Sprintf(`(async (scope) => {
		let n = 0;
		for (const name of await caches.keys()) {
			if (name.includes('swkit-precache-') && name.endsWith('-' + scope)) n += (await (await caches.open(name)).keys()).length;
		}
		return n;
	})(%s)`, jsonString(scope))
}
