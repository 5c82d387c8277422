package e2e

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/browsertest"
)

// expirationRecord is one record of the worker's expiration metadata
// (runtime/sw/expiration/expiration.js's Entry).
type expirationRecord struct {
	CacheName string  `json:"cacheName"`
	URL       string  `json:"url"`
	StoredAt  float64 `json:"storedAt"`
	UsedAt    float64 `json:"usedAt"`
}

// expirationJS reads the records of one cache in the worker's IndexedDB
// database from the page (same origin), deleting them first when clear is
// set; it closes the connection at once so that it never blocks the worker,
// and never creates the database (the worker creates its store then).
const expirationJS = `((cache, clear) => new Promise((resolve, reject) => {
	const open = indexedDB.open('swkit-expiry');
	open.onupgradeneeded = () => open.transaction.abort();
	open.onerror = () => open.error.name === 'AbortError' ? resolve([]) : reject(open.error);
	open.onsuccess = () => {
		const db = open.result;
		const tx = db.transaction('entries', clear ? 'readwrite' : 'readonly');
		const store = tx.objectStore('entries');
		const range = IDBKeyRange.bound([cache], [cache, []]);
		if (clear) store.delete(range);
		const all = store.getAll(range);
		tx.oncomplete = () => { db.close(); resolve(all.result); };
		tx.onerror = () => { db.close(); reject(tx.error); };
	};
}))`

func expirationRecords(tab *browsertest.Tab, cache string) map[string]expirationRecord {
	tab.T.Helper()
	list := browsertest.Eval[[]expirationRecord](tab, fmt.Sprintf(`%s(%s)`, expirationJS, jsonString(cache)))
	m := map[string]expirationRecord{}
	for _, r := range list {
		if r.CacheName != cache {
			tab.T.Fatalf("record %+v read for cache %q", r, cache)
		}
		m[r.URL] = r
	}
	return m
}

// waitRecords waits until cache's records are exactly urls.
func waitRecords(tab *browsertest.Tab, cache string, urls ...string) {
	tab.T.Helper()
	tab.WaitFor(fmt.Sprintf(`%s(%s).then((all) => JSON.stringify(all.map((r) => r.url).sort()) === %s)`,
		expirationJS, jsonString(cache), jsonString(jsonArray(sorted(urls)))))
}

// waitCacheKeys waits until cache name holds exactly urls.
func waitCacheKeys(tab *browsertest.Tab, name string, urls ...string) {
	tab.T.Helper()
	tab.WaitFor(fmt.Sprintf(`caches.open(%s).then((c) => c.keys()).then((ks) => JSON.stringify(ks.map((r) => r.url).sort()) === %s)`,
		jsonString(name), jsonString(jsonArray(sorted(urls)))))
}

func jsonArray(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = jsonString(v)
	}
	return "[" + strings.Join(q, ",") + "]"
}

// TestExpirationEvictsLeastRecentlyUsed: maxEntries 3. Items 1, 2, 3 are
// stored in that order, then item 1 is read from the cache; storing item 4
// evicts item 2, the least recently used, where first-in-first-out would have
// evicted item 1.
func TestExpirationEvictsLeastRecentlyUsed(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		api := newCounting()
		cfg := config.Config{ClientsClaim: true, RuntimeCaching: []config.RuntimeCaching{{
			URLPattern: "/api/item/*", Handler: "cacheFirst",
			Options: config.RuntimeOptions{CacheName: "items", Expiration: &config.Expiration{MaxEntries: 3}},
		}}}
		s, tab := installed(t, e, cfg, api)
		item := func(i int) string { return fmt.Sprintf("/api/item/%d", i) }
		// An older runtime's database (a store per cache name): the worker
		// deletes it when it creates its own.
		browsertest.Eval[bool](tab, `new Promise((resolve, reject) => {
			const open = indexedDB.open('swkit-expiration', 3);
			open.onupgradeneeded = () => open.result.createObjectStore('items', { keyPath: 'url' });
			open.onsuccess = () => { open.result.close(); resolve(true); };
			open.onerror = () => reject(open.error);
		})`)

		var stored []string
		for i := 1; i <= 3; i++ {
			if got, want := fetchText(tab, item(i)), item(i)+" v1"; got != want {
				t.Fatalf("fetch %s = %q, want %q", item(i), got, want)
			}
			// One at a time: the order of the records is the order under test.
			stored = append(stored, s.srv.URL(item(i)))
			waitRecords(tab, "items", stored...)
		}
		tab.WaitFor(`indexedDB.databases().then((dbs) => !dbs.some((d) => d.name === 'swkit-expiration'))`)

		if got, want := fetchText(tab, item(1)), item(1)+" v1"; got != want || api.count(item(1)) != 1 {
			t.Fatalf("fetch %s = %q after %d requests, want %q from the cache", item(1), got, api.count(item(1)), want)
		}
		// The use is recorded in the background.
		tab.WaitFor(fmt.Sprintf(`%s('items').then((all) => {
			const used = Object.fromEntries(all.map((r) => [r.url, r.usedAt]));
			return used[%s] > used[%s];
		})`, expirationJS, jsonString(s.srv.URL(item(1))), jsonString(s.srv.URL(item(3)))))

		fetchText(tab, item(4))
		want := []string{s.srv.URL(item(1)), s.srv.URL(item(3)), s.srv.URL(item(4))}
		waitCacheKeys(tab, "items", want...)
		waitRecords(tab, "items", want...)

		// Item 1 still comes from the cache; item 2 from the network again.
		if got := fetchText(tab, item(1)); got != item(1)+" v1" || api.count(item(1)) != 1 {
			t.Errorf("fetch %s = %q after %d requests, want v1 from the cache", item(1), got, api.count(item(1)))
		}
		if got := fetchText(tab, item(2)); got != item(2)+" v2" {
			t.Errorf("fetch %s = %q, want v2 from the network (evicted)", item(2), got)
		}
	})
}

// TestExpirationMaxAge: maxAgeSeconds 2. An entry is served from the cache
// while young; once older it is not served (the network answers) although it
// is still in the cache, and the next write deletes an expired entry that
// nobody read. The wait is a condition on the clock with a deadline, not a
// sleep: the worker and the page read the same clock.
//
// A second cache checks where the age comes from: the stored-at time in
// IndexedDB, not the response's Date header (an hour old here); without a
// record, the Date header.
func TestExpirationMaxAge(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		api := newCounting()
		hourAgo := time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)
		api.header = func(path string, h http.Header) {
			if strings.HasPrefix(path, "/api/dated/") {
				h.Set("Date", hourAgo)
			}
		}
		cfg := config.Config{ClientsClaim: true, RuntimeCaching: []config.RuntimeCaching{
			{URLPattern: "/api/age/*", Handler: "cacheFirst",
				Options: config.RuntimeOptions{CacheName: "aged", Expiration: &config.Expiration{MaxAgeSeconds: 2}}},
			{URLPattern: "/api/dated/*", Handler: "cacheFirst",
				Options: config.RuntimeOptions{CacheName: "dated", Expiration: &config.Expiration{MaxAgeSeconds: 60}}},
		}}
		s, tab := installed(t, e, cfg, api)
		a, b, c := s.srv.URL("/api/age/a"), s.srv.URL("/api/age/b"), s.srv.URL("/api/age/c")

		t.Run("maxAgeSeconds", func(t *testing.T) {
			fetchText(tab, "/api/age/a")
			fetchText(tab, "/api/age/c")
			waitRecords(tab, "aged", a, c)
			recs := expirationRecords(tab, "aged")
			expires := max(recs[a].StoredAt, recs[c].StoredAt) + 2000

			// Young: from the cache. (Judged against the clock: on a machine
			// stalled for 2 s the entry may already be old, and then the
			// network must answer.)
			before := browsertest.Eval[float64](tab, `Date.now()`)
			got := fetchText(tab, "/api/age/a")
			after := browsertest.Eval[float64](tab, `Date.now()`)
			switch {
			case got == "/api/age/a v1" && before >= recs[a].StoredAt+2000:
				t.Errorf("served from the cache at %v, stored at %v: older than 2 s", before, recs[a].StoredAt)
			case got == "/api/age/a v2" && after < recs[a].StoredAt+2000:
				t.Errorf("the network answered at %v for an entry stored at %v: still young", after, recs[a].StoredAt)
			case got != "/api/age/a v1" && got != "/api/age/a v2":
				t.Fatalf("fetch = %q", got)
			case got == "/api/age/a v2":
				t.Skip("the machine stalled past maxAgeSeconds: young entries could not be checked")
			}

			tab.WaitFor(fmt.Sprintf(`Date.now() >= %f`, expires+1))
			if keys := tab.CacheKeys("aged"); !slices.Equal(sorted(keys), []string{a, c}) {
				t.Fatalf("cache before the old read = %v, want [%s %s]", keys, a, c)
			}
			if got := fetchText(tab, "/api/age/a"); got != "/api/age/a v2" {
				t.Errorf("old entry: fetch = %q, want v2 from the network", got)
			}
			// Storing b also deletes c, which expired unread.
			fetchText(tab, "/api/age/b")
			waitCacheKeys(tab, "aged", a, b)
			waitRecords(tab, "aged", a, b)
		})

		t.Run("stored-at before Date header", func(t *testing.T) {
			const x = "/api/dated/x"
			fetchText(tab, x)
			waitRecords(tab, "dated", s.srv.URL(x))
			if got := fetchText(tab, x); got != x+" v1" {
				t.Errorf("fetch = %q, want v1 from the cache: stored just now, whatever the Date header says", got)
			}
			// Without its record, the hour-old Date header tells the age.
			browsertest.Eval[[]expirationRecord](tab, fmt.Sprintf(`%s('dated', true)`, expirationJS))
			if got := fetchText(tab, x); got != x+" v2" {
				t.Errorf("fetch = %q, want v2 from the network: the Date header is an hour old", got)
			}
		})
	})
}

// TestExpirationPurgeOnQuotaError: with the origin's quota overridden to
// little more than what it uses, storing a 2 MiB response fails with
// QuotaExceededError; purgeOnQuotaError empties that cache, the page still
// got its response, and the next request goes to the network.
func TestExpirationPurgeOnQuotaError(t *testing.T) {
	api := newCounting()
	big := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/big/huge" {
			api.mu.Lock()
			api.n[r.URL.Path]++
			api.mu.Unlock()
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write(make([]byte, 2<<20))
			return
		}
		api.ServeHTTP(w, r)
	})
	cfg := config.Config{ClientsClaim: true, RuntimeCaching: []config.RuntimeCaching{{
		URLPattern: "/api/big/*", Handler: "cacheFirst",
		Options: config.RuntimeOptions{CacheName: "big", Expiration: &config.Expiration{MaxEntries: 10, PurgeOnQuotaError: true}},
	}}}
	s, tab := installed(t, browsertest.Shared(t), cfg, big)
	small := s.srv.URL("/api/big/small")

	fetchText(tab, "/api/big/small")
	waitRecords(tab, "big", small)

	usage := browsertest.Eval[float64](tab, `navigator.storage.estimate().then((e) => e.usage)`)
	quota := usage + 256<<10
	ctx, cancel := context.WithTimeout(tab.Ctx, tab.Timeout)
	defer cancel()
	origin := strings.TrimSuffix(s.srv.URL(""), "/")
	if _, err := chromedp.Call(ctx, storage.OverrideQuotaForOrigin, storage.OverrideQuotaForOriginParams{Origin: origin, QuotaSize: &quota}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(tab.Ctx, tab.Timeout)
		defer cancel()
		chromedp.Call(ctx, storage.OverrideQuotaForOrigin, storage.OverrideQuotaForOriginParams{Origin: origin})
	})

	n := browsertest.Eval[int](tab, `fetch('/api/big/huge').then((r) => r.arrayBuffer()).then((b) => b.byteLength)`)
	if n != 2<<20 {
		t.Fatalf("the page got %d bytes, want %d: the quota error must not reach the page", n, 2<<20)
	}
	tab.WaitFor(`caches.has('big').then((has) => !has)`)
	waitRecords(tab, "big")
	if got := fetchText(tab, "/api/big/small"); got != "/api/big/small v2" {
		t.Errorf("after the purge fetch = %q, want v2 from the network", got)
	}
}
