package storetest

import (
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/swkit/swkit/idempotency"
	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/store"
)

// CheckUpgraded checks, through s, the rows that each backend's fixture of
// an unprefixed database of schema version (1 or 2) holds
// (testdata/unprefixed_vN.sql): subscriptions https://push.example/a, b
// and c (auth keys aa, ab, ac); the key done-key (request hash h1)
// completed with 201, Content-Type application/json and {"id":7}; from
// version 2, the tag news on a and b and campaign 5 to tag news with 2
// subscriptions to deliver. It then creates a campaign, whose id must
// follow 5, and deletes a, whose tags must go with it.
func CheckUpgraded(t *testing.T, s Store, version int) {
	t.Helper()
	ctx := t.Context()
	subs, err := s.Subscriptions(ctx, "", 10)
	if err != nil || len(subs) != 3 || subs[0].Endpoint != "https://push.example/a" || subs[2].Keys.Auth != "ac" {
		t.Errorf("Subscriptions = %+v, %v; want the 3 stored before the upgrade", subs, err)
	}
	c, err := s.BeginIdempotent(ctx, "done-key", "h1", time.Hour)
	if err != nil || c.Response == nil || c.Response.Status != 201 || string(c.Response.Body) != `{"id":7}` ||
		c.Response.Header.Get("Content-Type") != "application/json" {
		t.Errorf("BeginIdempotent(done-key) = %+v, %v; want the stored 201 replayed", c, err)
	}
	if version < 2 {
		return
	}
	const a = "https://push.example/a"
	if tags, err := s.Tags(ctx, a); err != nil || !slices.Equal(tags, []string{"news"}) {
		t.Errorf("Tags(a) = %v, %v; want [news]", tags, err)
	}
	st, err := s.CampaignStatus(ctx, 5)
	if err != nil || st.Total != 2 || !slices.Equal(st.Tags, []string{"news"}) {
		t.Errorf("CampaignStatus(5) = %+v, %v; want the stored campaign, 2 to deliver", st, err)
	}
	// The rename kept the id counter and the foreign keys.
	if c, err := s.CreateCampaign(ctx, st.Campaign, 10); err != nil || c.ID <= 5 {
		t.Errorf("CreateCampaign = id %d, %v; want an id after 5", c.ID, err)
	}
	if err := s.DeleteSubscription(ctx, a); err != nil {
		t.Fatal(err)
	}
	if tags, err := s.Tags(ctx, a); err != nil || len(tags) != 0 {
		t.Errorf("Tags of a deleted subscription = %v, %v; want none: the foreign key lost its ON DELETE CASCADE", tags, err)
	}
}

// TxStore is a Store that records keys in database/sql transactions.
type TxStore interface {
	Store
	idempotency.TxStore
}

// CheckFromDB checks a Store that FromDB made over db, the application's
// handle, which has a table notes (id generated, text) that insert (one
// parameter: the text) adds to. It serves idempotency.TxMiddleware over a
// handler that reads notes, then inserts one, in the request's
// transaction: repeats of a key add no note, a handler that fails after
// its write leaves neither note nor key, 16 concurrent requests all
// succeed. Then it closes s: db stays usable, and s's calls fail with
// store.ErrClosed.
func CheckFromDB(t *testing.T, s TxStore, db *sql.DB, insert string) {
	t.Helper()
	h := idempotency.TxMiddleware(s, idempotency.Options{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tx := idempotency.Tx(r.Context())
		var n int
		if err := tx.QueryRowContext(r.Context(), `SELECT count(*) FROM notes`).Scan(&n); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		if _, err := tx.ExecContext(r.Context(), insert, r.URL.Query().Get("text")); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		if r.URL.Query().Get("fail") != "" {
			http.Error(w, "failed after the write", 500)
			return
		}
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, r.URL.Query().Get("text"))
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	post := func(key, query string) (int, string) {
		req, _ := http.NewRequest("POST", srv.URL+"/notes?"+query, nil)
		req.Header.Set(idempotency.HeaderKey, key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return 0, ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	count := func(q string) int {
		var n int
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for range 3 {
		if status, body := post("k1", "text=a"); status != 201 || body != "a" {
			t.Errorf("POST k1 = %d %q, want 201 and the first answer", status, body)
		}
	}
	if status, _ := post("k2", "text=b&fail=1"); status != 500 {
		t.Errorf("POST k2 (failing) = %d, want 500", status)
	}
	if n := count(`SELECT count(*) FROM notes`); n != 1 {
		t.Errorf("%d notes, want 1: the repeats and the failed request add none", n)
	}
	if n := count(`SELECT count(*) FROM swkit_idempotency_keys`); n != 1 {
		t.Errorf("%d keys, want 1 (k1; k2 released)", n)
	}
	// Concurrent requests on the pool's connections, each reading then
	// writing in its transaction.
	const n = 16
	statuses := make(chan int, n)
	for i := range n {
		go func() {
			status, _ := post(fmt.Sprint("c", i), "text=c")
			statuses <- status
		}()
	}
	for range n {
		if status := <-statuses; status != 201 {
			t.Errorf("concurrent POST = %d, want 201", status)
		}
	}
	if got := count(`SELECT count(*) FROM notes`); got != 1+n {
		t.Errorf("%d notes, want %d", got, 1+n)
	}

	var sub push.Subscription
	sub.Endpoint, sub.Keys.P256dh, sub.Keys.Auth = "https://push.example/a", "p", "a"
	if _, err := s.PutSubscription(t.Context(), sub); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := count(`SELECT count(*) FROM swkit_subscriptions`); n != 1 {
		t.Errorf("the app's db after Store.Close: %d subscriptions, want 1", n)
	}
	if _, err := s.Subscriptions(t.Context(), "", 10); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Subscriptions after Close = %v, want store.ErrClosed", err)
	}
	if _, err := s.BeginTx(t.Context()); !errors.Is(err, store.ErrClosed) {
		t.Errorf("BeginTx after Close = %v, want store.ErrClosed", err)
	}
}
