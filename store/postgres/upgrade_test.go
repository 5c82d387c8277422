package postgres_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/swkit/swkit/internal/pgtest"
	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/postgres"
	"github.com/swkit/swkit/store/storetest"
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

	for _, v := range []int{1, 2} {
		t.Run(fmt.Sprint("v", v), func(t *testing.T) {
			dsn := pgtest.DB(t)
			conn := connect(t, dsn)
			for i := 1; i <= v; i++ { // each version's fixture builds on the one before
				script, err := os.ReadFile(fmt.Sprintf("testdata/unprefixed_v%d.sql", i))
				if err != nil {
					t.Fatal(err)
				}
				if _, err := conn.Exec(t.Context(), string(script)); err != nil {
					t.Fatalf("unprefixed_v%d.sql: %v", i, err)
				}
			}
			s, err := postgres.Open(t.Context(), dsn, store.Options{})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()

			storetest.CheckUpgraded(t, s, v)
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
