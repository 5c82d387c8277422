package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/swkit/swkit"
	"github.com/swkit/swkit/internal/browsertest"
)

// precacheConcurrency is the runtime's default limit of precache fetches in
// flight (runtime/sw/precache.js, concurrency).
const precacheConcurrency = 6

// TestPrecacheThousandFiles: a site of 1,000 files installs completely. Every
// file reaches the server once, except the ones whose first request answers
// 503 (a transient error, one in 97), which are fetched exactly twice; the
// server never has more precache requests in flight than the runtime's limit,
// and more than one (the pool runs in parallel).
//
// Each worker request lingers 2 ms at the server so that overlapping ones are
// seen overlapping. Chromium also caps HTTP/1.1 at 6 connections per host, the
// same number: the upper bound shows that the pool stays within the browser's
// own limit rather than queueing inside the network stack.
func TestPrecacheThousandFiles(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		const files = 1000
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
		bigName := func(i int) string { return fmt.Sprintf("d%02d/f%04d.txt", i%25, i) }
		for i := range files - 2 {
			write(bigName(i), fmt.Sprintf("file %d\n%s", i, strings.Repeat("x", i%300)))
		}
		write("index.html", `<!doctype html><title>big</title><script type="module">
import { register } from '/swkit.js';
register('/sw.js');
</script>`)
		fileServer, err := swkit.New(os.DirFS(dir), swkit.Config{ClientsClaim: true})
		if err != nil {
			t.Fatal(err)
		}
		res := fileServer.Result()
		if len(res.Entries) != files {
			t.Fatalf("manifest has %d entries, want %d", len(res.Entries), files)
		}

		var (
			mu              sync.Mutex
			inFlight, most  int
			requests        = map[string]int{}
			pageLoaded      = map[string]bool{}
			transientFailed = map[string]bool{}
		)
		srv := browsertest.NewServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Sec-Fetch-Dest") != "empty" { // not the worker's precache fetch
				mu.Lock()
				pageLoaded[r.URL.Path] = true
				mu.Unlock()
				fileServer.ServeHTTP(w, r)
				return
			}
			mu.Lock()
			inFlight++
			most = max(most, inFlight)
			requests[r.URL.Path]++
			fail := requests[r.URL.Path] == 1 && strings.HasSuffix(r.URL.Path, ".txt") && fileIndex(r.URL.Path)%97 == 0
			if fail {
				transientFailed[r.URL.Path] = true
			}
			mu.Unlock()
			defer func() {
				mu.Lock()
				inFlight--
				mu.Unlock()
			}()
			time.Sleep(2 * time.Millisecond) // latency, so that overlap is visible
			if fail {
				http.Error(w, "try again", http.StatusServiceUnavailable)
				return
			}
			fileServer.ServeHTTP(w, r)
		}))

		tab := e.NewTab(t)
		tab.Navigate(srv.URL("/"))
		waitProgress(t, tab, precacheCount(srv.URL("/")), len(res.Entries), time.Minute)
		tab.WaitController()
		tab.WaitFor(`navigator.serviceWorker.controller.state === 'activated'`)

		mu.Lock()
		defer mu.Unlock() // no worker fetch comes after the install
		if len(transientFailed) == 0 {
			t.Fatal("no request failed transiently: the retry path was not exercised")
		}
		// Each file once (twice after a 503), but those the page loaded
		// itself: those the install may take from the HTTP cache.
		for _, e := range res.Entries {
			p := "/" + e.URL
			want := 1
			if transientFailed[p] {
				want = 2
			}
			if n := requests[p]; n != want && !(pageLoaded[p] && n < want) {
				t.Errorf("%s fetched %d times, want %d", p, n, want)
			}
		}
		for p := range requests {
			if !slices.ContainsFunc(res.Entries, func(e swkit.PrecacheEntry) bool { return "/"+e.URL == p }) {
				t.Errorf("the worker fetched %s, which is not precached", p)
			}
		}
		if most > precacheConcurrency || most < 2 {
			t.Errorf("at most %d precache requests were in flight, want 2 to %d", most, precacheConcurrency)
		}
		t.Logf("%d files, %d retried after a 503, at most %d in flight", files, len(transientFailed), most)

		keys := tab.CacheKeys("swkit-precache-v1-" + srv.URL("/"))
		want := make([]string, len(res.Entries))
		for i, e := range res.Entries {
			want[i] = srv.URL("/" + e.URL)
			if e.Revision != "" {
				want[i] += "?__swkit_rev=" + e.Revision
			}
		}
		if !slices.Equal(sorted(keys), sorted(want)) {
			t.Errorf("precache holds %d keys, want the %d entries", len(keys), len(want))
		}
	})
}

// fileIndex is i of "/dNN/fIIII.txt".
func fileIndex(path string) int {
	var d, i int
	fmt.Sscanf(path, "/d%02d/f%04d.txt", &d, &i)
	return i
}
