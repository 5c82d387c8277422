package postgres_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/swkit/swkit/internal/pgtest"
	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/postgres"
)

// TestUpgradeUnprefixed opens databases that earlier swkit releases made,
// before the swkit_ prefix, with rows in every table: the rows are all
// there under the new names, and the schema (tables, indexes, constraints,
// sequences) is the one a new database gets.
func TestUpgradeUnprefixed(t *testing.T) {
	freshDSN := pgtest.DB(t)
	s, err := postgres.Open(t.Context(), freshDSN, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	fresh := schemaOf(t, connect(t, freshDSN))

	for _, v := range []string{"v1", "v2"} {
		t.Run(v, func(t *testing.T) {
			dsn := pgtest.DB(t)
			conn := connect(t, dsn)
			script, err := os.ReadFile("testdata/unprefixed_" + v + ".sql")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := conn.Exec(t.Context(), string(script)); err != nil {
				t.Fatal(err)
			}
			s, err := postgres.Open(t.Context(), dsn, store.Options{})
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
				// Renaming kept the id sequence and the foreign keys.
				if c, err := s.CreateCampaign(t.Context(), st.Campaign, 10); err != nil || c.ID <= 5 {
					t.Errorf("CreateCampaign = id %d, %v; want an id after 5", c.ID, err)
				}
				if err := s.DeleteSubscription(t.Context(), "https://push.example/a"); err != nil {
					t.Fatal(err)
				}
				var n int
				if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM swkit_subscription_tags WHERE endpoint = 'https://push.example/a'`).Scan(&n); err != nil || n != 0 {
					t.Errorf("%d tags of a deleted subscription left (%v): the foreign key lost its ON DELETE CASCADE", n, err)
				}
			}
			if got := schemaOf(t, conn); !slices.Equal(got, fresh) {
				t.Errorf("schema after the upgrade:\n%s\nwant, as in a new database:\n%s", strings.Join(got, "\n"), strings.Join(fresh, "\n"))
			}
			// The old names are free for the application's own tables.
			for _, q := range []string{
				`CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)`,
				`CREATE TABLE subscriptions (id bigserial PRIMARY KEY, email text NOT NULL)`,
				`CREATE TABLE push_campaigns (id bigserial PRIMARY KEY)`,
			} {
				if _, err := conn.Exec(t.Context(), q); err != nil {
					t.Errorf("after the upgrade, %s: %v", q, err)
				}
			}
		})
	}
}

// TestAppTablesLeftAlone opens swkit on a database where the application
// keeps its own golang-migrate version table and its own subscriptions
// table: swkit creates its prefixed tables beside them and changes neither.
func TestAppTablesLeftAlone(t *testing.T) {
	dsn := pgtest.DB(t)
	conn := connect(t, dsn)
	// golang-migrate's postgres driver makes its table this way.
	if _, err := conn.Exec(t.Context(), `
		CREATE TABLE IF NOT EXISTS "schema_migrations" (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
		INSERT INTO schema_migrations VALUES (20260101120000, false);
		CREATE TABLE subscriptions (id bigserial PRIMARY KEY, email text NOT NULL);
		INSERT INTO subscriptions (email) VALUES ('ada@example.com')`); err != nil {
		t.Fatal(err)
	}
	before := schemaOf(t, conn)
	for range 2 { // the second Open finds swkit's own tables
		s, err := postgres.Open(t.Context(), dsn, store.Options{})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		var sub push.Subscription
		sub.Endpoint, sub.Keys.P256dh, sub.Keys.Auth = "https://push.example/x", "p", "a"
		if _, err := s.PutSubscription(t.Context(), sub); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	var version int64
	var dirty bool
	if err := conn.QueryRow(t.Context(), `SELECT version, dirty FROM schema_migrations`).Scan(&version, &dirty); err != nil || version != 20260101120000 || dirty {
		t.Errorf("the app's schema_migrations = %d, %v, %v; want its row unchanged", version, dirty, err)
	}
	var email string
	if err := conn.QueryRow(t.Context(), `SELECT email FROM subscriptions`).Scan(&email); err != nil || email != "ada@example.com" {
		t.Errorf("the app's subscriptions = %q, %v; want its row unchanged", email, err)
	}
	after := schemaOf(t, conn)
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

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// schemaOf lists the tables, indexes, sequences and constraints in the
// connection's schema, as "kind name" lines.
func schemaOf(t *testing.T, conn *pgx.Conn) []string {
	t.Helper()
	rows, err := conn.Query(t.Context(), `
		SELECT CASE relkind WHEN 'r' THEN 'table' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' ELSE relkind::text END || ' ' || relname
			FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'i', 'S')
		UNION ALL
		SELECT 'constraint ' || conname FROM pg_constraint WHERE connamespace = current_schema()::regnamespace
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return names
}
