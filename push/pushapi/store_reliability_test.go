package pushapi_test

import (
	"database/sql"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/swkit/swkit/internal/pgtest"
	"github.com/swkit/swkit/push/pushtest"
	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/postgres"
	"github.com/swkit/swkit/store/sqlite"
)

// outage runs the API's calls while the store is unavailable: each must
// answer 500 {"error":"internal error"} (nothing internal), without a panic
// (the test server would drop the connection) and within bound.
func outage(t *testing.T, e *env, bound time.Duration) {
	t.Helper()
	sub, _ := json.Marshal(pushtest.NewSubscription(e.pushSvc))
	for _, tt := range []struct{ method, path, body string }{
		{"POST", "subscriptions", string(sub)},
		{"DELETE", "subscriptions", `{"endpoint":"https://push.example.com/x"}`},
		{"POST", "send", `{"title":"during the outage"}`},
	} {
		start := time.Now()
		status, _, body := e.do(t, tt.method, tt.path, "application/json", tt.body, "Authorization", "Bearer "+token)
		if status != http.StatusInternalServerError || body != `{"error":"internal error"}`+"\n" {
			t.Errorf("store down: %s %s: %d %s, want 500 internal error", tt.method, tt.path, status, body)
		}
		if d := time.Since(start); d > bound {
			t.Errorf("store down: %s %s took %v, want under %v", tt.method, tt.path, d, bound)
		}
	}
	// The public key needs no store.
	if status, _, _ := e.do(t, "GET", "public-key", "", ""); status != http.StatusOK {
		t.Errorf("store down: GET public-key: %d, want 200", status)
	}
}

// recovered checks that subscribe and send work again, and that what was
// stored before the outage is still there.
func recovered(t *testing.T, e *env, before int64) {
	t.Helper()
	e.subscribe(t, pushtest.NewSubscription(e.pushSvc))
	status, body := e.send(t, `{"title":"after"}`)
	want := before + 1
	if status != http.StatusOK || !strings.Contains(body, `"delivered":`+itoa(want)) {
		t.Errorf("after recovery: send %d %s, want %d delivered", status, body, want)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestPostgresStoppedMidRun: PostgreSQL shuts down under a running API and
// comes back on the same port; the same Handler and Store recover.
func TestPostgresStoppedMidRun(t *testing.T) {
	srv, err := pgtest.Start() // its own server: stopping the shared one would disturb other tests
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	st, err := postgres.Open(t.Context(), srv.CreateDB(t), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := newEnv(t, st, nil)
	e.subscribe(t, pushtest.NewSubscription(e.pushSvc))

	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	outage(t, e, 15*time.Second)
	if logs := e.logs.String(); !strings.Contains(logs, "pushapi:") {
		t.Errorf("the outage was not logged: %q", logs)
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	recovered(t, e, 1)
}

// TestSQLiteLockedMidRun: another process takes an exclusive lock on the
// SQLite file (a backup tool, a migration); writes wait for the busy timeout
// and then fail cleanly; once the lock goes, the API works again.
func TestSQLiteLockedMidRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "swkit.db")
	st, err := sqlite.Open(t.Context(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := newEnv(t, st, nil)
	e.subscribe(t, pushtest.NewSubscription(e.pushSvc))

	other, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	other.SetMaxOpenConns(1)
	if _, err := other.Exec(`BEGIN EXCLUSIVE`); err != nil {
		t.Fatal(err)
	}
	sub, _ := json.Marshal(pushtest.NewSubscription(e.pushSvc))
	start := time.Now()
	status, _, body := e.do(t, "POST", "subscriptions", "application/json", string(sub))
	if status != http.StatusInternalServerError || body != `{"error":"internal error"}`+"\n" {
		t.Errorf("locked: subscribe %d %s, want 500 internal error", status, body)
	}
	if d := time.Since(start); d < sqlite.BusyTimeout/2 || d > sqlite.BusyTimeout+5*time.Second {
		t.Errorf("locked: subscribe failed after %v, want about the busy timeout %v", d, sqlite.BusyTimeout)
	}
	if !strings.Contains(e.logs.String(), "locked") {
		t.Errorf("the lock was not logged: %q", e.logs.String())
	}
	if _, err := other.Exec(`ROLLBACK`); err != nil {
		t.Fatal(err)
	}
	recovered(t, e, 1)
}

// TestSQLiteFolderRemovedMidRun: the folder holding the database is deleted
// under a running API (an operator's mistake, a tmp cleaner). SQLite keeps
// the open file, now unlinked: requests go on succeeding on it, and what they
// write is lost when the process restarts. Nothing panics or answers 5xx
// with internal text, and a store reopened on a restored folder works. This
// test pins that behaviour, which docs/reliability.md describes: it is a
// hazard to know about, not something the API can see.
func TestSQLiteFolderRemovedMidRun(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "db", "swkit.db")
	os.MkdirAll(filepath.Dir(path), 0o755)
	st, err := sqlite.Open(t.Context(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, st, nil)
	e.subscribe(t, pushtest.NewSubscription(e.pushSvc))
	if err := os.RemoveAll(filepath.Dir(path)); err != nil {
		t.Fatal(err)
	}
	sub, _ := json.Marshal(pushtest.NewSubscription(e.pushSvc))
	status, _, body := e.do(t, "POST", "subscriptions", "application/json", string(sub))
	t.Logf("folder removed: subscribe answered %d %s", status, strings.TrimSpace(body))
	if status >= 500 && body != `{"error":"internal error"}`+"\n" {
		t.Errorf("folder removed: %d %s reveals internals", status, body)
	}
	status, _, body = e.do(t, "POST", "send", "application/json", `{"title":"t"}`, "Authorization", "Bearer "+token)
	t.Logf("folder removed: send answered %d %s", status, strings.TrimSpace(body))
	if status >= 500 && body != `{"error":"internal error"}`+"\n" {
		t.Errorf("folder removed: %d %s reveals internals", status, body)
	}
	st.Close()

	// The operator restores the folder and restarts: a fresh, empty store.
	os.MkdirAll(filepath.Dir(path), 0o755)
	st2, err := sqlite.Open(t.Context(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	e2 := newEnv(t, st2, nil)
	if n := e2.count(t); n != 0 {
		t.Errorf("reopened: %d subscriptions survived the folder's removal; docs/reliability.md says they are lost", n)
	}
	recovered(t, e2, 0)
}
