package sqlite_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/sqlite"
	"github.com/swkit/swkit/store/storetest"
)

// TestUpgradeUnprefixed opens files that earlier swkit releases made,
// before the swkit_ prefix, with rows in every table: the rows are all
// there under the new names, and the schema is the one a new file gets.
func TestUpgradeUnprefixed(t *testing.T) {
	fresh := schemaOf(t, newFile(t))
	for _, v := range []int{1, 2} {
		t.Run(fmt.Sprint("v", v), func(t *testing.T) {
			var scripts []string // each version's fixture builds on the one before
			for i := 1; i <= v; i++ {
				scripts = append(scripts, fmt.Sprintf("testdata/unprefixed_v%d.sql", i))
			}
			path := newFile(t, scripts...)
			s, err := sqlite.Open(t.Context(), path, store.Options{})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()

			storetest.CheckUpgraded(t, s, v)
			if got := schemaOf(t, path); !slices.Equal(got, fresh) {
				t.Errorf("schema after the upgrade:\n%s\nwant, as in a new file:\n%s", strings.Join(got, "\n"), strings.Join(fresh, "\n"))
			}
			if n := count(t, path, `SELECT count(*) FROM swkit_schema_migrations`); n != 2 {
				t.Errorf("swkit_schema_migrations has %d rows, want 2", n)
			}
			// The old names are free for the application's own tables.
			db := rawDB(t, path)
			for _, q := range []string{
				`CREATE TABLE schema_migrations (version uint64, dirty bool)`,
				`CREATE TABLE subscriptions (id INTEGER PRIMARY KEY, email TEXT NOT NULL)`,
				`CREATE TABLE idempotency_keys (key TEXT PRIMARY KEY, v TEXT)`,
			} {
				if _, err := db.Exec(q); err != nil {
					t.Errorf("after the upgrade, %s: %v", q, err)
				}
			}
		})
	}
}

// TestAppTablesLeftAlone opens swkit on a file where the application
// keeps its own golang-migrate version table and its own subscriptions
// table: swkit creates its prefixed tables beside them and changes neither.
func TestAppTablesLeftAlone(t *testing.T) {
	path := newFile(t)
	os.Remove(path)
	db := rawDB(t, path)
	for _, q := range []string{
		// golang-migrate's sqlite3 driver makes its table this way.
		`CREATE TABLE schema_migrations (version uint64, dirty bool)`,
		`CREATE UNIQUE INDEX version_unique ON schema_migrations (version)`,
		`INSERT INTO schema_migrations VALUES (20260101120000, false)`,
		`CREATE TABLE subscriptions (id INTEGER PRIMARY KEY, email TEXT NOT NULL)`,
		`INSERT INTO subscriptions (email) VALUES ('ada@example.com')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	before := schemaOf(t, path)
	for range 2 { // the second Open finds swkit's own tables
		s, err := sqlite.Open(t.Context(), path, store.Options{})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if _, err := s.PutSubscription(t.Context(), sub("https://push.example/x")); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	var version int64
	var dirty bool
	if err := db.QueryRow(`SELECT version, dirty FROM schema_migrations`).Scan(&version, &dirty); err != nil || version != 20260101120000 || dirty {
		t.Errorf("the app's schema_migrations = %d, %v, %v; want its row unchanged", version, dirty, err)
	}
	var email string
	if err := db.QueryRow(`SELECT email FROM subscriptions`).Scan(&email); err != nil || email != "ada@example.com" {
		t.Errorf("the app's subscriptions = %q, %v; want its row unchanged", email, err)
	}
	if n := count(t, path, `SELECT count(*) FROM swkit_subscriptions`); n != 1 {
		t.Errorf("swkit_subscriptions has %d rows, want 1", n)
	}
	after := schemaOf(t, path)
	for _, o := range before {
		if !slices.Contains(after, o) {
			t.Errorf("the app's %s is gone after Open", o)
		}
	}
	for _, o := range after {
		if !slices.Contains(before, o) && !strings.Contains(o, " swkit_") {
			t.Errorf("Open created %s, without the swkit_ prefix", o)
		}
	}
}

// newFile returns the path of a new database file holding the statements
// of the testdata files scripts, in order, or swkit's current schema when
// there are none.
func newFile(t *testing.T, scripts ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "swkit.db")
	if len(scripts) == 0 {
		s, err := sqlite.Open(t.Context(), path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		return path
	}
	db := rawDB(t, path)
	for _, script := range scripts {
		b, err := os.ReadFile(script)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(string(b)); err != nil {
			t.Fatalf("%s: %v", script, err)
		}
	}
	return path
}

func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// schemaOf lists the tables and indexes of the file, as "type name" lines
// ("sqlite_" names are SQLite's own).
func schemaOf(t *testing.T, path string) []string {
	t.Helper()
	rows, err := rawDB(t, path).Query(`SELECT type || ' ' || name FROM sqlite_master
		WHERE name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	return names
}

func count(t *testing.T, path, query string) int {
	t.Helper()
	var n int
	if err := rawDB(t, path).QueryRow(query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func sub(endpoint string) push.Subscription {
	var s push.Subscription
	s.Endpoint, s.Keys.P256dh, s.Keys.Auth = endpoint, "p", "a"
	return s
}
