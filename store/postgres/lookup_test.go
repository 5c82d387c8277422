package postgres_test

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/swkit/swkit/internal/pgtest"
	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/postgres"
)

// TestSubscriptionLookupIndexed: every statement that finds one
// subscription by its endpoint (subscribe, unsubscribe, tags, a gone
// subscription's delete) has an index to go through, so one subscribe
// stays one index probe however many endpoints share a prefix. With
// sequential scans turned off, a plan without an index means there is
// none for that predicate.
func TestSubscriptionLookupIndexed(t *testing.T) {
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
	defer conn.Close(t.Context())
	const subs, tags = "swkit_subscriptions", "swkit_subscription_tags"
	if _, err := conn.Exec(t.Context(), `SET enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	const ep = "https://fcm.googleapis.com/fcm/send/x"
	for _, tc := range []struct {
		q    string
		args []any
		want string
	}{
		{`INSERT INTO ` + subs + ` (endpoint, p256dh, auth, created_at) VALUES ($1, 'k', 'a', now())
			ON CONFLICT (endpoint) DO UPDATE SET p256dh = excluded.p256dh RETURNING xmax = 0`, []any{ep}, "Conflict Arbiter Indexes"},
		{`DELETE FROM ` + subs + ` WHERE endpoint = $1`, []any{ep}, "Index"},
		{`DELETE FROM ` + subs + ` WHERE endpoint = ANY($1)`, []any{[]string{ep}}, "Index"},
		{`SELECT tag FROM ` + tags + ` WHERE endpoint = $1 ORDER BY tag`, []any{ep}, "Index"},
		{`DELETE FROM ` + tags + ` WHERE endpoint = $1`, []any{ep}, "Index"},
	} {
		rows, err := conn.Query(t.Context(), `EXPLAIN `+tc.q, tc.args...)
		if err != nil {
			t.Fatal(err)
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		if plan := strings.Join(lines, "\n"); !strings.Contains(plan, tc.want) || strings.Contains(plan, "Seq Scan") {
			t.Errorf("%s:\n%s\nwant %q and no sequential scan", tc.q, plan, tc.want)
		}
	}
}
