package postgres_test

import (
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/swkit/swkit/internal/pgtest"
	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/postgres"
	"github.com/swkit/swkit/store/storetest"
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

// TestFromDB is an app on a pgxpool with its *sql.DB made from it: its
// notes and swkit's tables in one database, each note written in the
// transaction that records its key.
func TestFromDB(t *testing.T) {
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
	storetest.CheckFromDB(t, s, db, `INSERT INTO notes (text) VALUES ($1)`)
}
