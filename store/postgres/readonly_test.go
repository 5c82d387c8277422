package postgres_test

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/swkit/swkit/internal/pgtest"
	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/postgres"
)

// TestReadOnlyFailsAtOpen: a database where writes are refused (a standby,
// default_transaction_read_only) is an error from Open, not a server that
// starts and then fails every write: the migration step writes, even when
// there is nothing to migrate.
func TestReadOnlyFailsAtOpen(t *testing.T) {
	dsn := pgtest.DB(t)
	s, err := postgres.Open(t.Context(), dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	db := conn.Config().Database
	if _, err := conn.Exec(t.Context(), "ALTER DATABASE "+pgx.Identifier{db}.Sanitize()+" SET default_transaction_read_only = on"); err != nil {
		t.Fatal(err)
	}
	conn.Close(t.Context())
	s, err = postgres.Open(t.Context(), dsn, store.Options{})
	if err == nil {
		s.Close()
		t.Fatal("Open of a read-only database succeeded")
	}
	if !strings.Contains(err.Error(), "read-only") {
		t.Errorf("Open: %v; want an error saying the database is read-only", err)
	}
}
