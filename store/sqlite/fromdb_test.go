package sqlite_test

import (
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/sqlite"
	"github.com/swkit/swkit/store/storetest"
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

// TestFromDB is the app with one *sql.DB: its notes table and swkit's
// tables in one file, each note written in the transaction that records
// its key.
func TestFromDB(t *testing.T) {
	db := openDB(t, sqlite.DSN(filepath.Join(t.TempDir(), "app.db")))
	if _, err := db.Exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	s, err := sqlite.FromDB(t.Context(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	storetest.CheckFromDB(t, s, db, `INSERT INTO notes (text) VALUES (?)`)
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
