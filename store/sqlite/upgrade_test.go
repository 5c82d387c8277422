package sqlite_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/sqlite"
)

// TestUpgradeUnprefixed opens files that earlier swkit releases made,
// before the swkit_ prefix, with rows in every table: the rows are all
// there under the new names, and the schema is the one a new file gets.
func TestUpgradeUnprefixed(t *testing.T) {
	fresh := schemaOf(t, newFile(t, ""))
	for _, v := range []string{"v1", "v2"} {
		t.Run(v, func(t *testing.T) {
			path := newFile(t, "testdata/unprefixed_"+v+".sql")
			s, err := sqlite.Open(t.Context(), path, store.Options{})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()

			subs, err := s.Subscriptions(t.Context(), "", 10)
			if err != nil || len(subs) != 3 || subs[0].Endpoint != "https://push.example/a" || subs[2].Keys.Auth != "ac" {
				t.Errorf("Subscriptions = %+v, %v; want the 3 stored before the upgrade", subs, err)
			}
			c, err := s.BeginIdempotent(t.Context(), "done-key", "h1", time.Hour)
			if err != nil || c.Response == nil || c.Response.Status != 201 || string(c.Response.Body) != `{"id":7}` ||
				c.Response.Header.Get("Content-Type") != "application/json" {
				t.Errorf("BeginIdempotent(done-key) = %+v, %v; want the stored 201 replayed", c, err)
			}
			if v == "v2" {
				if tags, err := s.Tags(t.Context(), "https://push.example/a"); err != nil || !slices.Equal(tags, []string{"news"}) {
					t.Errorf("Tags(a) = %v, %v; want [news]", tags, err)
				}
				st, err := s.CampaignStatus(t.Context(), 5)
				if err != nil || st.Total != 2 || !slices.Equal(st.Tags, []string{"news"}) {
					t.Errorf("CampaignStatus(5) = %+v, %v; want the stored campaign, 2 to deliver", st, err)
				}
				// Renaming kept the AUTOINCREMENT counter and the foreign keys.
				if c, err := s.CreateCampaign(t.Context(), st.Campaign, 10); err != nil || c.ID <= 5 {
					t.Errorf("CreateCampaign = id %d, %v; want an id after 5", c.ID, err)
				}
				if err := s.DeleteSubscription(t.Context(), "https://push.example/a"); err != nil {
					t.Fatal(err)
				}
				if n := count(t, path, `SELECT count(*) FROM swkit_subscription_tags WHERE endpoint = 'https://push.example/a'`); n != 0 {
					t.Errorf("%d tags of a deleted subscription left: the foreign key lost its ON DELETE CASCADE", n)
				}
			}
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
	path := newFile(t, "")
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
// of the testdata file script, or swkit's current schema when script is "".
func newFile(t *testing.T, script string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "swkit.db")
	if script == "" {
		s, err := sqlite.Open(t.Context(), path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		return path
	}
	b, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rawDB(t, path).Exec(string(b)); err != nil {
		t.Fatalf("%s: %v", script, err)
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
