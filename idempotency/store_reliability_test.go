package idempotency_test

import (
	"database/sql"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/swkit/swkit/idempotency"
	"github.com/swkit/swkit/internal/pgtest"
	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/postgres"
	"github.com/swkit/swkit/store/sqlite"
)

// lockedLog collects Logf lines safely across handler goroutines.
type lockedLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedLog) logf(f string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(&l.b, f+"\n", args...)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// checkOutage sends fresh keys and a completed key while the store is
// unavailable: 503 with Retry-After and a problem body that says nothing
// internal, and the handler never runs.
func checkOutage(t *testing.T, do func(call) result, a *app, bound time.Duration) {
	t.Helper()
	runs := a.runs.Load()
	for _, c := range []call{{path: "/api", key: "during-1", body: "x"}, {path: "/api", key: "before", body: "x"}} {
		start := time.Now()
		got := do(c)
		if got.status != http.StatusServiceUnavailable || got.header.Get("Retry-After") == "" {
			t.Errorf("store down, key %s: %d Retry-After %q, want 503 with Retry-After", c.key, got.status, got.header.Get("Retry-After"))
		}
		checkProblem(t, got)
		for _, bad := range []string{"sql", "SQL", "dial", "connect", "127.0.0.1", "pgx", "locked", ".db"} {
			if strings.Contains(got.body, bad) {
				t.Errorf("503 body says %q: %s", bad, got.body)
			}
		}
		if d := time.Since(start); d > bound {
			t.Errorf("store down, key %s: answered after %v, want under %v", c.key, d, bound)
		}
	}
	if n := a.runs.Load(); n != runs {
		t.Errorf("the handler ran %d times with the store down, want 0", n-runs)
	}
}

// checkRecovered: a key first seen during the outage is applied once now,
// and the key completed before the outage is still replayed.
func checkRecovered(t *testing.T, do func(call) result, a *app) {
	t.Helper()
	runs := a.runs.Load()
	first := do(call{path: "/api", key: "during-1", body: "x"})
	again := do(call{path: "/api", key: "during-1", body: "x"})
	if first.status != 201 || first.replayed() || again.status != 201 || !again.replayed() || first.body != again.body {
		t.Errorf("after recovery: %d %v %q then %d %v %q; want 201, then its replay", first.status, first.replayed(), first.body, again.status, again.replayed(), again.body)
	}
	if old := do(call{path: "/api", key: "before", body: "x"}); old.status != 201 || !old.replayed() {
		t.Errorf("after recovery, the key completed before the outage: %d replayed %v; want its replay", old.status, old.replayed())
	}
	if n := a.runs.Load() - runs; n != 1 {
		t.Errorf("after recovery the handler ran %d times, want once", n)
	}
}

// TestPostgresStoppedMidRun: PostgreSQL shuts down under the middleware and
// returns on the same port; the same store and middleware recover.
func TestPostgresStoppedMidRun(t *testing.T) {
	pg, err := pgtest.Start() // its own server: stopping the shared one would disturb other tests
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	s, err := postgres.Open(t.Context(), pg.CreateDB(t), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	logs := &lockedLog{}
	a := &app{}
	srv := serve(t, s, idempotency.Options{Logf: logs.logf}, a)
	do := func(c call) result { return c.do(t, srv) }
	if got := do(call{path: "/api", key: "before", body: "x"}); got.status != 201 {
		t.Fatalf("before the outage: %d", got.status)
	}
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	checkOutage(t, do, a, 15*time.Second)
	if !strings.Contains(logs.String(), "idempotency") {
		t.Errorf("the outage was not logged: %q", logs.String())
	}
	if err := pg.Restart(); err != nil {
		t.Fatal(err)
	}
	checkRecovered(t, do, a)
}

// TestSQLiteLockedMidRun: another process holds an exclusive lock on the
// file; requests wait up to the busy timeout, get 503, and the handler does
// not run; once the lock goes, everything works.
func TestSQLiteLockedMidRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "swkit.db")
	s, err := sqlite.Open(t.Context(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	logs := &lockedLog{}
	a := &app{}
	srv := serve(t, s, idempotency.Options{Logf: logs.logf}, a)
	do := func(c call) result { return c.do(t, srv) }
	if got := do(call{path: "/api", key: "before", body: "x"}); got.status != 201 {
		t.Fatalf("before the lock: %d", got.status)
	}
	other, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	other.SetMaxOpenConns(1)
	if _, err := other.Exec(`BEGIN EXCLUSIVE`); err != nil {
		t.Fatal(err)
	}
	// Only the fresh key needs a write; the completed one is read (WAL readers
	// are not blocked), so it is replayed even now.
	start := time.Now()
	got := do(call{path: "/api", key: "during-1", body: "x"})
	if got.status != http.StatusServiceUnavailable || got.header.Get("Retry-After") == "" {
		t.Errorf("locked: %d, want 503 with Retry-After", got.status)
	}
	checkProblem(t, got)
	if d := time.Since(start); d < sqlite.BusyTimeout/2 {
		t.Errorf("locked: 503 after %v, before the busy timeout %v", d, sqlite.BusyTimeout)
	}
	if a.runs.Load() != 1 {
		t.Errorf("the handler ran under the lock")
	}
	if _, err := other.Exec(`ROLLBACK`); err != nil {
		t.Fatal(err)
	}
	checkRecovered(t, do, a)
}
