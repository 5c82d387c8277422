package idempotency_test

import (
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/swkit/swkit/idempotency"
)

// TestExampleStore holds ExampleStore's keyStore to the Store contract:
// leases, takeovers, expiry and concurrent claims, on a real SQLite file.
func TestExampleStore(t *testing.T) {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "app.db")+"?_txlock=immediate&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(keysTable); err != nil {
		t.Fatal(err)
	}
	const lease = 500 * time.Millisecond
	s := &keyStore{db: db, lease: lease}
	ctx := t.Context()
	begin := func(key, hash string, ttl time.Duration) (idempotency.Claim, error) {
		return s.BeginIdempotent(ctx, key, hash, ttl)
	}

	first, err := begin("k", "h", time.Hour)
	if err != nil || !first.Claimed() {
		t.Fatalf("first claim: %+v, %v", first, err)
	}
	if _, err := begin("k", "h", time.Hour); !errors.Is(err, idempotency.ErrInProgress) {
		t.Errorf("while held: %v, want ErrInProgress", err)
	}
	if _, err := begin("k", "other", time.Hour); !errors.Is(err, idempotency.ErrKeyReused) {
		t.Errorf("another request: %v, want ErrKeyReused", err)
	}
	time.Sleep(lease) // the first holder's lease runs out: it is taken to have crashed
	second, err := begin("k", "h", time.Hour)
	if err != nil || !second.Claimed() || second.Token == first.Token {
		t.Fatalf("takeover: %+v, %v; want a new claim", second, err)
	}
	if err := s.Complete(ctx, first, idempotency.Response{Status: 500}); !errors.Is(err, idempotency.ErrLeaseLost) {
		t.Errorf("Complete by the displaced holder: %v, want ErrLeaseLost", err)
	}
	want := idempotency.Response{Status: 201, Header: map[string][]string{"Location": {"/votes/1"}}, Body: []byte("ok")}
	if err := s.Complete(ctx, second, want); err != nil {
		t.Fatal(err)
	}
	if c, err := begin("k", "h", time.Hour); err != nil || c.Response == nil || c.Response.Status != 201 ||
		string(c.Response.Body) != "ok" || c.Response.Header.Get("Location") != "/votes/1" {
		t.Errorf("after Complete: %+v, %v; want the replay", c, err)
	}

	// Release lets the next request claim afresh; a second Release fails.
	c, _ := begin("r", "h", time.Hour)
	if err := s.Release(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.Release(ctx, c); !errors.Is(err, idempotency.ErrLeaseLost) {
		t.Errorf("second Release: %v, want ErrLeaseLost", err)
	}
	if c, err := begin("r", "other", time.Hour); err != nil || !c.Claimed() {
		t.Errorf("after Release: %+v, %v; want a claim", c, err)
	}

	// The ttl runs again from completion; after it the key is forgotten.
	const ttl = time.Second
	c, _ = begin("e", "h", ttl)
	time.Sleep(ttl / 2)
	if err := s.Complete(ctx, c, idempotency.Response{Status: 204}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(ttl/2 + 100*time.Millisecond) // past the ttl from the claim, not from completion
	if c, err := begin("e", "h", ttl); err != nil || c.Response == nil {
		t.Errorf("within ttl of completion: %+v, %v; want the replay", c, err)
	}
	time.Sleep(ttl / 2)
	if c, err := begin("e", "other", ttl); err != nil || !c.Claimed() {
		t.Errorf("after ttl: %+v, %v; want the key forgotten", c, err)
	}

	// Of many concurrent claims of one key, one wins (under a lease that
	// cannot run out meanwhile).
	s.lease = time.Hour
	var claimed atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			c, err := begin("race", "h", time.Hour)
			switch {
			case err == nil && c.Claimed():
				claimed.Add(1)
			case !errors.Is(err, idempotency.ErrInProgress):
				t.Errorf("concurrent claim: %+v, %v", c, err)
			}
		})
	}
	wg.Wait()
	if n := claimed.Load(); n != 1 {
		t.Errorf("%d concurrent claims won, want 1", n)
	}
}
