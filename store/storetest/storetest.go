// Package storetest is the conformance suite of the store backends: every
// backend runs it from its own tests, so that the backends behave the same
// as a [pushapi.Store] and as an [idempotency.Store].
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) storetest.OpenFunc {
//			path := filepath.Join(t.TempDir(), "swkit.db")
//			return func(t *testing.T, opts store.Options) (storetest.Store, error) {
//				s, err := sqlite.Open(t.Context(), path, opts)
//				if err == nil {
//					t.Cleanup(func() { s.Close() })
//				}
//				return s, err
//			}
//		})
//	}
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/swkit/swkit/idempotency"
	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/push/campaign"
	"github.com/swkit/swkit/push/pushapi"
	"github.com/swkit/swkit/store"
)

// Store is what the suite checks: a backend is both consumers' store, and
// purges and closes.
type Store interface {
	pushapi.TagStore
	campaign.Store
	idempotency.Store
	PurgeExpired(ctx context.Context, now time.Time) (int64, error)
	Close() error
}

// OpenFunc opens a Store on the database that NewDB created. Each call opens a
// separate Store with its own connections, the way a second server process
// would, so the suite can race two of them; calls may come from several
// goroutines at once. The backend closes the Store when t ends (t.Cleanup).
type OpenFunc func(t *testing.T, opts store.Options) (Store, error)

// NewDB creates a new, empty database for one test (a fresh file, a fresh
// PostgreSQL database) and returns how to open it.
type NewDB func(t *testing.T) OpenFunc

// Run runs the conformance suite against the backend that newDB creates.
func Run(t *testing.T, newDB NewDB) {
	tests := []struct {
		name string
		fn   func(*testing.T, NewDB)
	}{
		{"PutAndList", testPutAndList},
		{"Upsert", testUpsert},
		{"PutRace", testPutRace},
		{"Delete", testDelete},
		{"InvalidSubscription", testInvalidSubscription},
		{"Paging", testPaging},
		{"PagingDeleting", testPagingDeleting},
		{"ClaimCompleteReplay", testClaimCompleteReplay},
		{"KeyReused", testKeyReused},
		{"ConcurrentClaims", testConcurrentClaims},
		{"TwoStoresRace", testTwoStoresRace},
		{"LeaseTakeover", testLeaseTakeover},
		{"Release", testRelease},
		{"ExpiryAfterCompletion", testExpiryAfterCompletion},
		{"PurgeExpired", testPurgeExpired},
		{"OpportunisticPurge", testOpportunisticPurge},
		{"LargeResponse", testLargeResponse},
		{"EmptyResponse", testEmptyResponse},
		{"InvalidIdempotent", testInvalidIdempotent},
		{"ConcurrentOpen", testConcurrentOpen},
		{"CanceledContext", testCanceledContext},
		{"AfterClose", testAfterClose},
		{"Tags", testTags},
		{"CampaignDelivery", testCampaignDelivery},
		{"CampaignTargetsTags", testCampaignTargetsTags},
		{"CampaignClaimRace", testCampaignClaimRace},
		{"CampaignLeaseTakeover", testCampaignLeaseTakeover},
		{"CampaignRetrying", testCampaignRetrying},
		{"CampaignLateSubscriptions", testCampaignLateSubscriptions},
		{"CampaignThrottles", testCampaignThrottles},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newDB) })
	}
}

// Clock is a settable clock for Options.Now.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock at a fixed time with microsecond precision, the
// precision stores keep.
func NewClock() *Clock {
	return &Clock{t: time.Date(2030, 1, 2, 3, 4, 5, 123456000, time.UTC)}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// openOne creates a database and opens one Store on it with a fresh clock.
func openOne(t *testing.T, newDB NewDB, opts store.Options) (Store, *Clock) {
	t.Helper()
	clock := NewClock()
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	return mustOpen(t, newDB(t), opts), clock
}

func mustOpen(t *testing.T, open OpenFunc, opts store.Options) Store {
	t.Helper()
	s, err := open(t, opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return s
}

func sub(i int) push.Subscription {
	var s push.Subscription
	s.Endpoint = fmt.Sprintf("https://push.example/send/%06d", i)
	s.Keys.P256dh = fmt.Sprintf("p256dh-%d", i)
	s.Keys.Auth = fmt.Sprintf("auth-%d", i)
	return s
}

// each calls fn for every stored subscription, pageSize at a time, as
// pushapi's Send walks them.
func each(ctx context.Context, s Store, pageSize int, fn func(push.Subscription) error) error {
	after := ""
	for {
		page, err := s.Subscriptions(ctx, after, pageSize)
		if err != nil {
			return err
		}
		for _, sub := range page {
			if err := fn(sub); err != nil {
				return err
			}
		}
		if len(page) < pageSize {
			return nil
		}
		after = page[len(page)-1].Endpoint
	}
}

func listAll(t *testing.T, s Store) []push.Subscription {
	t.Helper()
	var all []push.Subscription
	if err := each(t.Context(), s, 100, func(sub push.Subscription) error {
		all = append(all, sub)
		return nil
	}); err != nil {
		t.Fatalf("Subscriptions: %v", err)
	}
	return all
}

func put(t *testing.T, s Store, sub push.Subscription, wantCreated bool) {
	t.Helper()
	created, err := s.PutSubscription(t.Context(), sub)
	if err != nil || created != wantCreated {
		t.Fatalf("PutSubscription(%s) = %v, %v; want %v, nil", sub.Endpoint, created, err, wantCreated)
	}
}

func testPutAndList(t *testing.T, newDB NewDB) {
	s, _ := openOne(t, newDB, store.Options{})
	if got := listAll(t, s); len(got) != 0 {
		t.Fatalf("empty store: listed %v, want none", got)
	}
	a, b := sub(2), sub(1)
	exp := int64(1893456000000)
	a.ExpirationTime = &exp // not kept
	put(t, s, a, true)
	put(t, s, b, true)
	a.ExpirationTime = nil
	if got, want := listAll(t, s), []push.Subscription{b, a}; !reflect.DeepEqual(got, want) {
		t.Errorf("listed %+v, want %+v", got, want)
	}
}

func testUpsert(t *testing.T, newDB NewDB) {
	s, _ := openOne(t, newDB, store.Options{})
	first := sub(1)
	put(t, s, first, true)
	again := first
	again.Keys.P256dh, again.Keys.Auth = "new-p256dh", "new-auth"
	put(t, s, again, false)
	if got := listAll(t, s); len(got) != 1 || got[0] != again {
		t.Fatalf("after upsert: %+v, want only %+v", got, again)
	}
}

// testPutRace is a page subscribing from several server processes at once
// (a retried request, two tabs): one of them is told it created the
// subscription, whichever store it went through.
func testPutRace(t *testing.T, newDB NewDB) {
	open := newDB(t)
	stores := []Store{mustOpen(t, open, store.Options{}), mustOpen(t, open, store.Options{})}
	const endpoints = 20
	var created [endpoints]atomic.Int32
	race(t, stores, endpoints, func(s Store, i int) error {
		c, err := s.PutSubscription(t.Context(), sub(i))
		if c {
			created[i].Add(1)
		}
		return err
	})
	for i := range created {
		if n := created[i].Load(); n != 1 {
			t.Errorf("%s reported created %d times, want once", sub(i).Endpoint, n)
		}
	}
	if got := len(listAll(t, stores[0])); got != endpoints {
		t.Errorf("%d subscriptions stored, want %d", got, endpoints)
	}
}

// race has four workers on each of stores, started at once, call
// fn(store, i) for every i below n, each worker starting at another i. The
// first error fails t.
func race(t *testing.T, stores []Store, n int, fn func(s Store, i int) error) {
	t.Helper()
	const perStore = 4
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, perStore*len(stores))
	for _, s := range stores {
		for w := range perStore {
			wg.Go(func() {
				<-start
				for i := range n {
					if err := fn(s, (i+w*n/perStore)%n); err != nil {
						errs <- err
						return
					}
				}
			})
		}
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func testDelete(t *testing.T, newDB NewDB) {
	s, _ := openOne(t, newDB, store.Options{})
	put(t, s, sub(1), true)
	put(t, s, sub(2), true)
	for _, endpoint := range []string{sub(1).Endpoint, sub(1).Endpoint, "https://push.example/never-stored", ""} {
		if err := s.DeleteSubscription(t.Context(), endpoint); err != nil {
			t.Errorf("DeleteSubscription(%q) = %v, want nil", endpoint, err)
		}
	}
	if got := listAll(t, s); len(got) != 1 || got[0].Endpoint != sub(2).Endpoint {
		t.Errorf("after delete: %v, want only %s", got, sub(2).Endpoint)
	}
	put(t, s, sub(1), true) // deleted, so new again
}

func testInvalidSubscription(t *testing.T, newDB NewDB) {
	s, _ := openOne(t, newDB, store.Options{})
	for name, bad := range map[string]push.Subscription{
		"no endpoint": withKeys("", "p", "a"),
		"no p256dh":   withKeys("https://push.example/1", "", "a"),
		"no auth":     withKeys("https://push.example/1", "p", ""),
	} {
		if _, err := s.PutSubscription(t.Context(), bad); err == nil {
			t.Errorf("%s: PutSubscription succeeded, want an error", name)
		}
	}
	if got := listAll(t, s); len(got) != 0 {
		t.Errorf("stored %v, want none", got)
	}
}

func withKeys(endpoint, p256dh, auth string) push.Subscription {
	var s push.Subscription
	s.Endpoint, s.Keys.P256dh, s.Keys.Auth = endpoint, p256dh, auth
	return s
}

func testPaging(t *testing.T, newDB NewDB) {
	s, _ := openOne(t, newDB, store.Options{})
	const n = 3000
	var want []string
	for i := range n {
		want = append(want, sub(i).Endpoint)
	}
	// Byte order, which differs from most locales' collation: upper case
	// before lower case, punctuation and non-ASCII by their bytes.
	want = append(want, "https://push.example/Z", "https://push.example/a",
		"https://push.example/é", "https://push.example/~", "https://push.example/send/A")
	order := rand.New(rand.NewPCG(1, 2)).Perm(len(want))
	// Insert concurrently and out of order: order must come from the store.
	var wg sync.WaitGroup
	errs := make(chan error, len(want))
	sem := make(chan struct{}, 8)
	for _, i := range order {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			_, err := s.PutSubscription(t.Context(), withKeys(want[i], "p", "a"))
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("PutSubscription: %v", err)
		}
	}
	sort.Strings(want) // Go compares strings bytewise

	const pageSize = 250
	var got []string
	after := ""
	pages := 0
	for {
		page, err := s.Subscriptions(t.Context(), after, pageSize)
		if err != nil {
			t.Fatalf("Subscriptions(%q, %d): %v", after, pageSize, err)
		}
		pages++
		if len(page) > pageSize {
			t.Fatalf("page of %d, more than the limit %d", len(page), pageSize)
		}
		for _, p := range page {
			got = append(got, p.Endpoint)
		}
		if len(page) < pageSize {
			break
		}
		after = page[len(page)-1].Endpoint
	}
	if !slices.Equal(got, want) {
		t.Fatalf("paged listing (%d rows) differs from the byte-ordered endpoints (%d rows); first rows %q, want %q",
			len(got), len(want), got[:min(6, len(got))], want[:6])
	}
	if wantPages := len(want)/pageSize + 1; pages != wantPages {
		t.Errorf("%d pages, want %d", pages, wantPages)
	}

	page, err := s.Subscriptions(t.Context(), want[len(want)-1], 10)
	if err != nil || len(page) != 0 {
		t.Errorf("Subscriptions after the last endpoint: %d rows, %v; want none", len(page), err)
	}
	page, err = s.Subscriptions(t.Context(), "https://push.example/Z", 2)
	if err != nil || len(page) != 2 || page[0].Endpoint != "https://push.example/a" {
		t.Errorf("Subscriptions after an endpoint: %v, %v; want 2 rows starting with https://push.example/a", page, err)
	}
}

func testPagingDeleting(t *testing.T, newDB NewDB) {
	s, _ := openOne(t, newDB, store.Options{})
	for i := range 100 {
		put(t, s, sub(i), true)
	}
	// As pushapi's Send does: delete gone subscriptions while paging.
	seen := 0
	err := each(t.Context(), s, 7, func(sb push.Subscription) error {
		seen++
		if seen%2 == 0 {
			return s.DeleteSubscription(t.Context(), sb.Endpoint)
		}
		return nil
	})
	if err != nil || seen != 100 {
		t.Fatalf("paging: saw %d, %v; want 100, nil", seen, err)
	}
	if got := len(listAll(t, s)); got != 50 {
		t.Errorf("%d left after deleting every other one, want 50", got)
	}
}

func begin(t *testing.T, s Store, key, hash string, ttl time.Duration) idempotency.Claim {
	t.Helper()
	c, err := s.BeginIdempotent(t.Context(), key, hash, ttl)
	if err != nil {
		t.Fatalf("BeginIdempotent(%q, %q): %v", key, hash, err)
	}
	return c
}

func mustClaim(t *testing.T, s Store, key, hash string, ttl time.Duration) idempotency.Claim {
	t.Helper()
	c := begin(t, s, key, hash, ttl)
	if !c.Claimed() || c.Key != key {
		t.Fatalf("BeginIdempotent(%q) = %+v, want a claim", key, c)
	}
	return c
}

func beginErr(t *testing.T, s Store, key, hash string, ttl time.Duration, want error) {
	t.Helper()
	c, err := s.BeginIdempotent(t.Context(), key, hash, ttl)
	if !errors.Is(err, want) {
		t.Fatalf("BeginIdempotent(%q, %q) = %+v, %v; want %v", key, hash, c, err, want)
	}
}

func complete(t *testing.T, s Store, c idempotency.Claim, r idempotency.Response) {
	t.Helper()
	if err := s.Complete(t.Context(), c, r); err != nil {
		t.Fatalf("Complete(%q): %v", c.Key, err)
	}
}

func sameResponse(t *testing.T, got *idempotency.Response, want idempotency.Response) {
	t.Helper()
	if got == nil {
		t.Fatalf("no stored response, want status %d", want.Status)
	}
	wantHeader := want.Header
	if wantHeader == nil {
		wantHeader = http.Header{}
	}
	if got.Status != want.Status || !reflect.DeepEqual(got.Header, wantHeader) || !bytes.Equal(got.Body, want.Body) {
		t.Fatalf("replayed %d %v (%d bytes), want %d %v (%d bytes)",
			got.Status, got.Header, len(got.Body), want.Status, wantHeader, len(want.Body))
	}
}

func testClaimCompleteReplay(t *testing.T, newDB NewDB) {
	s, _ := openOne(t, newDB, store.Options{})
	const ttl = 24 * time.Hour
	c := mustClaim(t, s, "k1", "h1", ttl)
	beginErr(t, s, "k1", "h1", ttl, idempotency.ErrInProgress)

	resp := idempotency.Response{
		Status: 201,
		Header: http.Header{"Content-Type": {"application/json"}, "Location": {"/api/votes/7"}},
		Body:   []byte(`{"id":7}`),
	}
	complete(t, s, c, resp)
	for range 3 {
		r := begin(t, s, "k1", "h1", ttl)
		if r.Claimed() {
			t.Fatalf("after Complete: claimed again, want a replay")
		}
		sameResponse(t, r.Response, resp)
	}
	if err := s.Complete(t.Context(), c, resp); !errors.Is(err, idempotency.ErrLeaseLost) {
		t.Errorf("second Complete = %v, want ErrLeaseLost", err)
	}
	if err := s.Release(t.Context(), c); !errors.Is(err, idempotency.ErrLeaseLost) {
		t.Errorf("Release after Complete = %v, want ErrLeaseLost", err)
	}
	// Other keys are independent.
	mustClaim(t, s, "k2", "h1", ttl)
}

func testKeyReused(t *testing.T, newDB NewDB) {
	s, _ := openOne(t, newDB, store.Options{})
	const ttl = time.Hour
	c := mustClaim(t, s, "k", "h1", ttl)
	beginErr(t, s, "k", "h2", ttl, idempotency.ErrKeyReused)
	complete(t, s, c, idempotency.Response{Status: 200})
	beginErr(t, s, "k", "h2", ttl, idempotency.ErrKeyReused)
	if r := begin(t, s, "k", "h1", ttl); r.Response == nil {
		t.Errorf("the original request no longer replays: %+v", r)
	}
}

func testConcurrentClaims(t *testing.T, newDB NewDB) {
	s, _ := openOne(t, newDB, store.Options{})
	const n = 50
	var claimed, inProgress atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			<-start
			c, err := s.BeginIdempotent(t.Context(), "same", "h", time.Hour)
			switch {
			case errors.Is(err, idempotency.ErrInProgress):
				inProgress.Add(1)
			case err != nil:
				errs <- err
			case c.Claimed():
				claimed.Add(1)
			default:
				errs <- fmt.Errorf("unexpected outcome %+v", c)
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if claimed.Load() != 1 || inProgress.Load() != n-1 {
		t.Errorf("%d claimed and %d in progress, want 1 and %d", claimed.Load(), inProgress.Load(), n-1)
	}
}

// testTwoStoresRace is two server processes on one database: two Stores,
// each with its own connections, race to claim the same keys.
func testTwoStoresRace(t *testing.T, newDB NewDB) {
	open := newDB(t)
	clock := NewClock()
	stores := []Store{mustOpen(t, open, store.Options{Now: clock.Now}), mustOpen(t, open, store.Options{Now: clock.Now})}
	const keys = 200
	var wins [keys]atomic.Int32
	race(t, stores, keys, func(s Store, k int) error {
		c, err := s.BeginIdempotent(t.Context(), fmt.Sprintf("key-%d", k), "h", time.Hour)
		switch {
		case errors.Is(err, idempotency.ErrInProgress):
		case err != nil:
			return err
		case c.Claimed():
			wins[k].Add(1)
		}
		return nil
	})
	for k := range wins {
		if n := wins[k].Load(); n != 1 {
			t.Errorf("key-%d claimed %d times, want once", k, n)
		}
	}
}

func testLeaseTakeover(t *testing.T, newDB NewDB) {
	const lease = 30 * time.Second
	s, clock := openOne(t, newDB, store.Options{Lease: lease})
	first := mustClaim(t, s, "k", "h", time.Hour)
	clock.Advance(lease - time.Microsecond)
	beginErr(t, s, "k", "h", time.Hour, idempotency.ErrInProgress)
	beginErr(t, s, "k", "other", time.Hour, idempotency.ErrKeyReused)
	clock.Advance(time.Microsecond)
	second := mustClaim(t, s, "k", "h", time.Hour)
	if second.Token == first.Token {
		t.Fatalf("takeover kept the first holder's token")
	}
	beginErr(t, s, "k", "h", time.Hour, idempotency.ErrInProgress)

	// The first holder comes back late: it must not overwrite the outcome.
	if err := s.Complete(t.Context(), first, idempotency.Response{Status: 500}); !errors.Is(err, idempotency.ErrLeaseLost) {
		t.Fatalf("Complete by the displaced holder = %v, want ErrLeaseLost", err)
	}
	if err := s.Release(t.Context(), first); !errors.Is(err, idempotency.ErrLeaseLost) {
		t.Fatalf("Release by the displaced holder = %v, want ErrLeaseLost", err)
	}
	want := idempotency.Response{Status: 200, Body: []byte("second")}
	complete(t, s, second, want)
	sameResponse(t, begin(t, s, "k", "h", time.Hour).Response, want)

	// A holder whose lease ran out but was not taken over may still complete.
	late := mustClaim(t, s, "late", "h", time.Hour)
	clock.Advance(10 * lease)
	complete(t, s, late, idempotency.Response{Status: 204})
}

func testRelease(t *testing.T, newDB NewDB) {
	s, _ := openOne(t, newDB, store.Options{})
	c := mustClaim(t, s, "k", "h", time.Hour)
	if err := s.Release(t.Context(), c); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if err := s.Release(t.Context(), c); !errors.Is(err, idempotency.ErrLeaseLost) {
		t.Errorf("second Release = %v, want ErrLeaseLost", err)
	}
	if err := s.Complete(t.Context(), c, idempotency.Response{Status: 200}); !errors.Is(err, idempotency.ErrLeaseLost) {
		t.Errorf("Complete after Release = %v, want ErrLeaseLost", err)
	}
	again := mustClaim(t, s, "k", "h", time.Hour)
	complete(t, s, again, idempotency.Response{Status: 200})
	sameResponse(t, begin(t, s, "k", "h", time.Hour).Response, idempotency.Response{Status: 200})
}

func testExpiryAfterCompletion(t *testing.T, newDB NewDB) {
	s, clock := openOne(t, newDB, store.Options{Lease: time.Minute})
	const ttl = time.Minute
	c := mustClaim(t, s, "k", "h", ttl)
	clock.Advance(50 * time.Second)
	complete(t, s, c, idempotency.Response{Status: 200})
	clock.Advance(50 * time.Second) // 100 s after the claim, 50 s after completion
	if r := begin(t, s, "k", "h", ttl); r.Response == nil {
		t.Fatalf("50 s after completion with a 60 s ttl: %+v, want a replay (the ttl runs from completion)", r)
	}
	clock.Advance(10 * time.Second)
	// Expired but not purged: forgotten all the same, even for another request.
	mustClaim(t, s, "k", "another", ttl)
}

func testPurgeExpired(t *testing.T, newDB NewDB) {
	s, clock := openOne(t, newDB, store.Options{Lease: 30 * time.Second, PurgeInterval: -1})
	done := mustClaim(t, s, "done", "h", time.Minute)
	complete(t, s, done, idempotency.Response{Status: 200})
	mustClaim(t, s, "abandoned", "h", time.Minute) // lease 30 s, expires at 1 min
	mustClaim(t, s, "kept", "h", time.Hour)        // expires at 1 h
	longLease, _ := openOne(t, newDB, store.Options{Lease: time.Hour, Now: clock.Now, PurgeInterval: -1})
	mustClaim(t, longLease, "running", "h", time.Second) // expires before its lease ends

	n, err := s.PurgeExpired(t.Context(), clock.Now())
	if err != nil || n != 0 {
		t.Fatalf("PurgeExpired now = %d, %v; want 0, nil", n, err)
	}
	clock.Advance(time.Minute)
	n, err = s.PurgeExpired(t.Context(), clock.Now())
	if err != nil || n != 2 {
		t.Fatalf("PurgeExpired after a minute = %d, %v; want 2 (done, abandoned), nil", n, err)
	}
	n, err = s.PurgeExpired(t.Context(), clock.Now())
	if err != nil || n != 0 {
		t.Fatalf("PurgeExpired again = %d, %v; want 0, nil", n, err)
	}
	mustClaim(t, s, "done", "other", time.Minute)                                     // forgotten
	beginErr(t, s, "kept", "other", time.Hour, idempotency.ErrKeyReused)              // still there
	beginErr(t, longLease, "running", "other", time.Second, idempotency.ErrKeyReused) // lease still running
}

func testOpportunisticPurge(t *testing.T, newDB NewDB) {
	s, clock := openOne(t, newDB, store.Options{PurgeInterval: time.Minute})
	for i := range 5 {
		c := mustClaim(t, s, fmt.Sprint("old-", i), "h", time.Second)
		complete(t, s, c, idempotency.Response{Status: 200})
	}
	clock.Advance(2 * time.Minute)
	mustClaim(t, s, "new", "h", time.Hour) // purges on the side
	n, err := s.PurgeExpired(t.Context(), clock.Now())
	if err != nil || n != 0 {
		t.Errorf("PurgeExpired after an opportunistic purge = %d, %v; want 0 left, nil", n, err)
	}
}

func testLargeResponse(t *testing.T, newDB NewDB) {
	s, _ := openOne(t, newDB, store.Options{})
	body := make([]byte, 1<<20)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range body {
		body[i] = byte(rng.Uint32())
	}
	resp := idempotency.Response{
		Status: 200,
		Header: http.Header{
			"Content-Type":   {"application/octet-stream"},
			"Set-Cookie":     {"a=1; Path=/", "b=2; Path=/; HttpOnly"},
			"X-Unicode":      {"café ☕", ""},
			"Content-Length": {fmt.Sprint(len(body))},
		},
		Body: body,
	}
	c := mustClaim(t, s, "big", "h", time.Hour)
	complete(t, s, c, resp)
	sameResponse(t, begin(t, s, "big", "h", time.Hour).Response, resp)
}

func testEmptyResponse(t *testing.T, newDB NewDB) {
	s, _ := openOne(t, newDB, store.Options{})
	c := mustClaim(t, s, "empty", "h", time.Hour)
	complete(t, s, c, idempotency.Response{Status: 204})
	r := begin(t, s, "empty", "h", time.Hour)
	sameResponse(t, r.Response, idempotency.Response{Status: 204})
	if r.Response.Header == nil {
		t.Errorf("replayed Header is nil, want an empty map callers can range over and set")
	}
}

func testInvalidIdempotent(t *testing.T, newDB NewDB) {
	s, _ := openOne(t, newDB, store.Options{})
	long := string(bytes.Repeat([]byte("k"), 256))
	for _, tc := range []struct {
		name, key string
		ttl       time.Duration
	}{
		{"empty key", "", time.Hour},
		{"long key", long, time.Hour},
		{"zero ttl", "k", 0},
		{"negative ttl", "k", -time.Second},
	} {
		if _, err := s.BeginIdempotent(t.Context(), tc.key, "h", tc.ttl); err == nil {
			t.Errorf("%s: BeginIdempotent succeeded, want an error", tc.name)
		}
	}
	if err := s.Complete(t.Context(), idempotency.Claim{}, idempotency.Response{Status: 200}); !errors.Is(err, idempotency.ErrLeaseLost) {
		t.Errorf("Complete of a zero Claim = %v, want ErrLeaseLost", err)
	}
	if err := s.Release(t.Context(), idempotency.Claim{Key: "k"}); !errors.Is(err, idempotency.ErrLeaseLost) {
		t.Errorf("Release of a claim without token = %v, want ErrLeaseLost", err)
	}
	c := mustClaim(t, s, "k", "h", time.Hour)
	if err := s.Complete(t.Context(), c, idempotency.Response{}); err == nil {
		t.Errorf("Complete with status 0 succeeded, want an error")
	}
	complete(t, s, c, idempotency.Response{Status: 200}) // the claim survived the refusal
}

// testConcurrentOpen opens a new database from several Stores at once, as
// server processes starting together do: each migration must apply once.
func testConcurrentOpen(t *testing.T, newDB NewDB) {
	open := newDB(t)
	const n = 8
	stores := make([]Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			stores[i], errs[i] = open(t, store.Options{})
		})
	}
	close(start)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent open: %v", err)
	}
	for i, s := range stores {
		put(t, s, sub(i), true)
	}
	if got := len(listAll(t, stores[0])); got != n {
		t.Errorf("%d subscriptions stored, want %d", got, n)
	}
}

func testCanceledContext(t *testing.T, newDB NewDB) {
	s, _ := openOne(t, newDB, store.Options{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.BeginIdempotent(ctx, "k", "h", time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("BeginIdempotent with a canceled context = %v, want context.Canceled", err)
	}
	if _, err := s.PutSubscription(ctx, sub(1)); !errors.Is(err, context.Canceled) {
		t.Errorf("PutSubscription with a canceled context = %v, want context.Canceled", err)
	}
	mustClaim(t, s, "k", "h", time.Hour) // nothing was left behind
}

func testAfterClose(t *testing.T, newDB NewDB) {
	s, _ := openOne(t, newDB, store.Options{})
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := s.PutSubscription(t.Context(), sub(1)); err == nil {
		t.Errorf("PutSubscription after Close succeeded, want an error")
	}
	if _, err := s.BeginIdempotent(t.Context(), "k", "h", time.Hour); err == nil {
		t.Errorf("BeginIdempotent after Close succeeded, want an error")
	}
	if _, err := s.Subscriptions(t.Context(), "", 10); err == nil {
		t.Errorf("Subscriptions after Close succeeded, want an error")
	}
}
