package sqlite_test

import (
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/swkit/swkit/idempotency"
	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/sqlite"
)

// TestFromDBSettings: a *sql.DB without one of the settings swkit's
// guarantees rest on is refused, with an error that names the setting.
func TestFromDBSettings(t *testing.T) {
	all := map[string]string{
		"busy_timeout": "_pragma=busy_timeout(5000)",
		"journal_mode": "_pragma=journal_mode(WAL)",
		"foreign_keys": "_pragma=foreign_keys(1)",
		"synchronous":  "_pragma=synchronous(FULL)",
	}
	for _, tc := range []struct{ missing, instead, want string }{
		{"journal_mode", "", "journal_mode is delete, not WAL"},
		{"busy_timeout", "", "busy_timeout is 0"},
		{"foreign_keys", "", "foreign_keys is off"},
		{"synchronous", "_pragma=synchronous(NORMAL)", "synchronous is 1"},
	} {
		t.Run(tc.missing, func(t *testing.T) {
			var params []string
			for name, p := range all {
				if name != tc.missing {
					params = append(params, p)
				}
			}
			if tc.instead != "" {
				params = append(params, tc.instead)
			}
			db := openDB(t, filepath.Join(t.TempDir(), "app.db")+"?"+strings.Join(params, "&"))
			s, err := sqlite.FromDB(t.Context(), db, store.Options{})
			if err == nil {
				s.Close()
				t.Fatal("FromDB succeeded, want an error")
			}
			if !errors.Is(err, store.ErrUnsuitable) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("FromDB: %v; want store.ErrUnsuitable saying %q", err, tc.want)
			}
		})
	}

	// The usual mistake: the pragmas sent once with db.Exec, which sets
	// them on one connection of the pool only.
	t.Run("set on one connection", func(t *testing.T) {
		db := openDB(t, filepath.Join(t.TempDir(), "app.db"))
		if _, err := db.Exec(`PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON`); err != nil {
			t.Fatal(err)
		}
		db.SetMaxIdleConns(0) // the next statement gets a new connection
		_, err := sqlite.FromDB(t.Context(), db, store.Options{})
		if !errors.Is(err, store.ErrUnsuitable) || !strings.Contains(err.Error(), "in the DSN") {
			t.Errorf("FromDB: %v; want store.ErrUnsuitable saying to set the settings in the DSN", err)
		}
	})
}

// TestFromDBLeavesDBOpen: closing the Store leaves the application's
// *sql.DB usable; the Store's own calls fail with store.ErrClosed.
func TestFromDBLeavesDBOpen(t *testing.T) {
	db := openDB(t, sqlite.DSN(filepath.Join(t.TempDir(), "app.db")))
	s, err := sqlite.FromDB(t.Context(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutSubscription(t.Context(), sub("https://push.example/a")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM swkit_subscriptions`).Scan(&n); err != nil || n != 1 {
		t.Errorf("the app's db after Store.Close: count = %d, %v; want 1, nil", n, err)
	}
	if _, err := s.Subscriptions(t.Context(), "", 10); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Subscriptions after Close = %v, want store.ErrClosed", err)
	}
	if _, err := s.BeginTx(t.Context()); !errors.Is(err, store.ErrClosed) {
		t.Errorf("BeginTx after Close = %v, want store.ErrClosed", err)
	}
}

// TestFromDBTxMiddleware is the app with one *sql.DB: its notes table and
// swkit's keys in one file, each note written in the transaction that
// records its key. A repeated request gets the first answer and adds no
// note; a handler that fails leaves neither note nor key behind.
func TestFromDBTxMiddleware(t *testing.T) {
	db := openDB(t, sqlite.DSN(filepath.Join(t.TempDir(), "app.db")))
	if _, err := db.Exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	s, err := sqlite.FromDB(t.Context(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h := idempotency.TxMiddleware(s, idempotency.Options{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tx := idempotency.Tx(r.Context())
		// A read, then a write: one step under the transaction's lock.
		var n int
		if err := tx.QueryRowContext(r.Context(), `SELECT count(*) FROM notes`).Scan(&n); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		if _, err := tx.ExecContext(r.Context(), `INSERT INTO notes (text) VALUES (?)`, r.URL.Query().Get("text")); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		if r.URL.Query().Get("fail") != "" {
			http.Error(w, "failed after the write", 500)
			return
		}
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte(strings.Repeat("x", n+1)))
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	post := func(key, query string) (int, string) {
		req, _ := http.NewRequest("POST", srv.URL+"/notes?"+query, nil)
		req.Header.Set(idempotency.HeaderKey, key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return 0, ""
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Error(err)
		}
		return resp.StatusCode, string(b)
	}
	count := func(q string) int {
		var n int
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for range 3 {
		if status, body := post("k1", "text=a"); status != 201 || body != "x" {
			t.Errorf("POST k1 = %d %q, want 201 and the first answer", status, body)
		}
	}
	if status, _ := post("k2", "text=b&fail=1"); status != 500 {
		t.Errorf("POST k2 (failing) = %d, want 500", status)
	}
	if n := count(`SELECT count(*) FROM notes`); n != 1 {
		t.Errorf("%d notes, want 1: the repeats and the failed request add none", n)
	}
	if n := count(`SELECT count(*) FROM swkit_idempotency_keys WHERE status IS NOT NULL`); n != 1 {
		t.Errorf("%d completed keys, want 1 (k1)", n)
	}
	// The failed key was released: its retry runs, once.
	if status, body := post("k2", "text=b"); status != 201 || body != "xx" {
		t.Errorf("POST k2 again = %d %q, want 201 %q", status, body, "xx")
	}
	if n := count(`SELECT count(*) FROM notes`); n != 2 {
		t.Errorf("%d notes, want 2", n)
	}

	// Concurrent requests on the pool's connections, each reading then
	// writing: each transaction takes the write lock first, so none fails
	// on a lock it could not upgrade.
	const n = 16
	statuses := make(chan int, n)
	for i := range n {
		go func() {
			status, _ := post(fmt.Sprint("c", i), "text=c")
			statuses <- status
		}()
	}
	for range n {
		if status := <-statuses; status != 201 {
			t.Errorf("concurrent POST = %d, want 201", status)
		}
	}
	if got := count(`SELECT count(*) FROM notes`); got != 2+n {
		t.Errorf("%d notes, want %d", got, 2+n)
	}
}

func openDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
