package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/sqlite"
	"github.com/swkit/swkit/store/storetest"
)

func TestMain(m *testing.M) {
	storetest.ChildMain(func(ctx context.Context, path string) (storetest.Store, error) {
		return sqlite.Open(ctx, path, store.Options{})
	})
	os.Exit(m.Run())
}

// TestTwoProcesses races two processes on one file (with no prior open:
// they also race to create it) to claim the same 200 keys.
func TestTwoProcesses(t *testing.T) {
	storetest.RaceProcesses(t, filepath.Join(t.TempDir(), "swkit.db"), 2, 200)
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.OpenFunc {
		path := filepath.Join(t.TempDir(), "swkit.db")
		return func(t *testing.T, opts store.Options) (storetest.Store, error) {
			s, err := sqlite.Open(t.Context(), path, opts)
			if err != nil {
				return nil, err
			}
			t.Cleanup(func() { s.Close() })
			return s, nil
		}
	})
}

// TestConformanceFromDB runs the suite on Stores over an application's
// *sql.DB, one *sql.DB (a pool of its own) for each Store.
func TestConformanceFromDB(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.OpenFunc {
		path := filepath.Join(t.TempDir(), "app.db")
		return func(t *testing.T, opts store.Options) (storetest.Store, error) {
			db, err := sql.Open("sqlite", sqlite.DSN(path))
			if err != nil {
				return nil, err
			}
			t.Cleanup(func() { db.Close() })
			s, err := sqlite.FromDB(t.Context(), db, opts)
			if err != nil {
				return nil, err
			}
			t.Cleanup(func() { s.Close() })
			return s, nil
		}
	})
}

func TestOpenUnusablePath(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file.txt")
	if err := os.WriteFile(file, []byte("not a folder"), 0o644); err != nil {
		t.Fatal(err)
	}
	notSQLite := filepath.Join(dir, "junk.db")
	if err := os.WriteFile(notSQLite, []byte(strings.Repeat("not a database ", 100)), 0o644); err != nil {
		t.Fatal(err)
	}
	// Tests run as root, which chmod does not stop: paths under a regular
	// file or a missing folder fail for everyone.
	for _, tc := range []struct {
		name, path string
		want       []string
	}{
		{"under a file", filepath.Join(file, "db.sqlite"), []string{"open sqlite " + filepath.Join(file, "db.sqlite"), "is not a folder"}},
		{"missing folder", filepath.Join(dir, "missing", "db.sqlite"), []string{"open sqlite", "check the folder exists and is writable"}},
		{"not a database", notSQLite, []string{"open sqlite " + notSQLite, "check the folder is writable and the file is a SQLite database"}},
		{"empty", "", []string{"empty path"}},
		{"uri", "file:x.db?mode=ro", []string{"a file path is expected"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := sqlite.Open(t.Context(), tc.path, store.Options{})
			if err == nil {
				s.Close()
				t.Fatalf("Open(%q) succeeded, want an error", tc.path)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Open(%q) error %q does not say %q", tc.path, err, w)
				}
			}
		})
	}
}

// TestMigrationsOnce opens a new file from many Stores at once and checks
// that each migration was recorded once.
func TestMigrationsOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "swkit.db")
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			s, err := sqlite.Open(t.Context(), path, store.Options{})
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
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rows, versions int
	if err := db.QueryRow(`SELECT count(*), count(DISTINCT version) FROM swkit_schema_migrations`).Scan(&rows, &versions); err != nil {
		t.Fatal(err)
	}
	if rows != versions || rows == 0 {
		t.Errorf("schema_migrations has %d rows for %d versions, want one row each", rows, versions)
	}
	var mode string
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
}

// TestSubscriptionLookupIndexed: storing and deleting a subscription find
// its row through the primary key, so the time does not grow with the
// number of stored endpoints sharing its prefix.
func TestSubscriptionLookupIndexed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "swkit.db")
	s, err := sqlite.Open(t.Context(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`SELECT count(*) FROM swkit_subscriptions WHERE endpoint = ?`,
		`DELETE FROM swkit_subscriptions WHERE endpoint = ?`,
		`DELETE FROM swkit_subscription_tags WHERE endpoint = ?`,
	} {
		var plan []string
		rows, err := db.Query(`EXPLAIN QUERY PLAN `+q, "https://fcm.googleapis.com/fcm/send/x")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id, parent, unused int
			var detail string
			rows.Scan(&id, &parent, &unused, &detail)
			plan = append(plan, detail)
		}
		rows.Close()
		if p := strings.Join(plan, "; "); !strings.Contains(p, "USING PRIMARY KEY") && !strings.Contains(p, "USING INDEX") {
			t.Errorf("%s: plan %q, want an index search", q, p)
		}
	}
}
