package postgres_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/swkit/swkit/idempotency"
	"github.com/swkit/swkit/internal/pgtest"
	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/postgres"
	"github.com/swkit/swkit/store/storetest"
)

func TestMain(m *testing.M) {
	storetest.ChildMain(func(ctx context.Context, dsn string) (storetest.Store, error) {
		return postgres.Open(ctx, dsn, store.Options{})
	})
	pgtest.Main(m)
}

// TestTwoProcesses is two swkit servers on one PostgreSQL: separate
// processes racing to claim the same 200 keys apply each once.
func TestTwoProcesses(t *testing.T) {
	dsn := pgtest.DB(t)
	s, err := postgres.Open(t.Context(), dsn, store.Options{}) // migrate first, as a deployment would
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	storetest.RaceProcesses(t, dsn, 2, 200)
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.OpenFunc {
		dsn := pgtest.DB(t)
		return func(t *testing.T, opts store.Options) (storetest.Store, error) {
			s, err := postgres.Open(t.Context(), dsn, opts)
			if err != nil {
				return nil, err
			}
			t.Cleanup(func() { s.Close() })
			return s, nil
		}
	})
}

// TestConformanceFromDB runs the suite on Stores over an application's
// *sql.DB (pgx's stdlib driver), one *sql.DB for each Store.
func TestConformanceFromDB(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.OpenFunc {
		dsn := pgtest.DB(t)
		return func(t *testing.T, opts store.Options) (storetest.Store, error) {
			db, err := sql.Open("pgx", dsn)
			if err != nil {
				return nil, err
			}
			t.Cleanup(func() { db.Close() })
			s, err := postgres.FromDB(t.Context(), db, opts)
			if err != nil {
				return nil, err
			}
			t.Cleanup(func() { s.Close() })
			return s, nil
		}
	})
}

// TestMigrationsOnce opens one database from many Stores at once and checks
// that each migration was recorded once.
func TestMigrationsOnce(t *testing.T) {
	dsn := pgtest.DB(t)
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			s, err := postgres.Open(t.Context(), dsn, store.Options{})
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatalf("Open: %v", err)
		}
	}
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var rows, versions int
	if err := conn.QueryRow(t.Context(), `SELECT count(*), count(DISTINCT version) FROM swkit_schema_migrations`).Scan(&rows, &versions); err != nil {
		t.Fatal(err)
	}
	if rows != versions || rows == 0 {
		t.Errorf("schema_migrations has %d rows for %d versions, want one row each", rows, versions)
	}
}

func TestOpenServerDown(t *testing.T) {
	// A port nothing listens on: connection refused, at once.
	dsn := "postgres://swkit:secret-password@127.0.0.1:1/swkit?sslmode=disable"
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	s, err := postgres.Open(ctx, dsn, store.Options{})
	if err == nil {
		s.Close()
		t.Fatal("Open succeeded with no server, want an error")
	}
	msg := err.Error()
	for _, want := range []string{"open postgres 127.0.0.1:1/swkit", "check the server is running"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	if strings.Contains(msg, "secret-password") {
		t.Errorf("error %q shows the password", msg)
	}
}

// TestServerRestart stops the server under an open Store: calls fail with
// errors, without panics or hangs, and work again once the server is back.
func TestServerRestart(t *testing.T) {
	srv, err := pgtest.Start() // its own server: stopping the shared one would disturb other tests
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() }) // after CreateDB's cleanup, which drops the database
	dsn := srv.CreateDB(t)
	s, err := postgres.Open(t.Context(), dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var sub push.Subscription
	sub.Endpoint, sub.Keys.P256dh, sub.Keys.Auth = "https://push.example/1", "p", "a"
	if _, err := s.PutSubscription(t.Context(), sub); err != nil {
		t.Fatal(err)
	}
	claim, err := s.BeginIdempotent(t.Context(), "k", "h", time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	calls := map[string]func(context.Context) error{
		"PutSubscription": func(ctx context.Context) error { _, err := s.PutSubscription(ctx, sub); return err },
		"Subscriptions":   func(ctx context.Context) error { _, err := s.Subscriptions(ctx, "", 10); return err },
		"BeginIdempotent": func(ctx context.Context) error { _, err := s.BeginIdempotent(ctx, "k2", "h", time.Hour); return err },
		"Complete": func(ctx context.Context) error {
			return s.Complete(ctx, claim, idempotency.Response{Status: 200})
		},
		"PurgeExpired": func(ctx context.Context) error { _, err := s.PurgeExpired(ctx, time.Now()); return err },
	}
	for name, call := range calls {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		start := time.Now()
		err := call(ctx)
		cancel()
		if err == nil {
			t.Errorf("server down: %s succeeded, want an error", name)
		}
		if d := time.Since(start); d > 6*time.Second {
			t.Errorf("server down: %s took %v, beyond its context's 5 s", name, d)
		}
	}

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := s.Complete(ctx, claim, idempotency.Response{Status: 200}); err != nil {
		t.Fatalf("after restart: Complete: %v", err)
	}
	if page, err := s.Subscriptions(ctx, "", 10); err != nil || len(page) != 1 {
		t.Fatalf("after restart: Subscriptions = %v, %v; want the one stored, nil", page, err)
	}
	if c, err := s.BeginIdempotent(ctx, "k", "h", time.Hour); err != nil || c.Response == nil || c.Response.Status != 200 {
		t.Fatalf("after restart: BeginIdempotent = %+v, %v; want the replay", c, err)
	}
}
