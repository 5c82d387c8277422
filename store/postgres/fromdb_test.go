package postgres_test

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

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/swkit/swkit/idempotency"
	"github.com/swkit/swkit/internal/pgtest"
	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/postgres"
)

// TestFromDBOtherDriver: a *sql.DB of a driver other than pgx's is
// refused with an error that says which driver swkit needs.
func TestFromDBOtherDriver(t *testing.T) {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := postgres.FromDB(t.Context(), db, store.Options{})
	if err == nil {
		s.Close()
		t.Fatal("FromDB of a SQLite *sql.DB succeeded")
	}
	if !errors.Is(err, store.ErrUnsuitable) || !strings.Contains(err.Error(), "github.com/jackc/pgx/v5/stdlib") {
		t.Errorf("FromDB: %v; want store.ErrUnsuitable naming pgx's stdlib driver", err)
	}
}

// TestFromDBLeavesDBOpen: closing the Store leaves the application's
// *sql.DB usable; the Store's own calls fail with store.ErrClosed.
func TestFromDBLeavesDBOpen(t *testing.T) {
	db, err := sql.Open("pgx", pgtest.DB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := postgres.FromDB(t.Context(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var sub push.Subscription
	sub.Endpoint, sub.Keys.P256dh, sub.Keys.Auth = "https://push.example/a", "p", "a"
	if _, err := s.PutSubscription(t.Context(), sub); err != nil {
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

// TestFromDBTxMiddleware is an app on a pgxpool with its *sql.DB made
// from it: its notes and swkit's keys in one database, each note written
// in the transaction that records its key. Repeats add no note; a failed
// handler leaves neither note nor key; concurrent requests all succeed.
func TestFromDBTxMiddleware(t *testing.T) {
	pool, err := pgxpool.New(t.Context(), pgtest.DB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE notes (id bigserial PRIMARY KEY, text text NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	s, err := postgres.FromDB(t.Context(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	srv := httptest.NewServer(idempotency.TxMiddleware(s, idempotency.Options{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tx := idempotency.Tx(r.Context())
		if _, err := tx.ExecContext(r.Context(), `INSERT INTO notes (text) VALUES ($1)`, r.URL.Query().Get("text")); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		if r.URL.Query().Get("fail") != "" {
			http.Error(w, "failed after the write", 500)
			return
		}
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, r.URL.Query().Get("text"))
	})))
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
		b, _ := io.ReadAll(resp.Body)
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
		if status, body := post("k1", "text=a"); status != 201 || body != "a" {
			t.Errorf("POST k1 = %d %q, want 201 and the first answer", status, body)
		}
	}
	if status, _ := post("k2", "text=b&fail=1"); status != 500 {
		t.Errorf("POST k2 (failing) = %d, want 500", status)
	}
	if n := count(`SELECT count(*) FROM notes`); n != 1 {
		t.Errorf("%d notes, want 1: the repeats and the failed request add none", n)
	}
	if n := count(`SELECT count(*) FROM swkit_idempotency_keys`); n != 1 {
		t.Errorf("%d keys, want 1 (k1; k2 released)", n)
	}
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
	if got := count(`SELECT count(*) FROM notes`); got != 1+n {
		t.Errorf("%d notes, want %d", got, 1+n)
	}
}
