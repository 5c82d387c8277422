package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/swkit/swkit/push/campaign"
	"github.com/swkit/swkit/store"
)

const lease = 30 * time.Second

func putN(t *testing.T, s Store, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		put(t, s, sub(i), true)
	}
}

func create(t *testing.T, s Store, tags []string, size int) campaign.Campaign {
	t.Helper()
	c, err := s.CreateCampaign(t.Context(), campaign.Campaign{Payload: []byte(`{"title":"hi"}`), TTL: time.Hour, Urgency: "low", Tags: tags}, size)
	if err != nil {
		t.Fatalf("CreateCampaign: %v", err)
	}
	return c
}

func claim(t *testing.T, s Store, owner string, only int64) (campaign.Batch, bool) {
	t.Helper()
	b, ok, err := s.ClaimBatch(t.Context(), owner, lease, only)
	if err != nil {
		t.Fatalf("ClaimBatch: %v", err)
	}
	return b, ok
}

func pending(t *testing.T, s Store, b campaign.Batch) []string {
	t.Helper()
	var eps []string
	after := ""
	for {
		page, err := s.PendingDeliveries(t.Context(), b, after, 7)
		if err != nil {
			t.Fatalf("PendingDeliveries: %v", err)
		}
		for _, p := range page {
			eps = append(eps, p.Sub.Endpoint)
		}
		if len(page) < 7 {
			return eps
		}
		after = page[len(page)-1].Sub.Endpoint
	}
}

func record(t *testing.T, s Store, b campaign.BatchRef, state campaign.State, eps ...string) {
	t.Helper()
	var outs []campaign.Outcome
	for _, e := range eps {
		outs = append(outs, campaign.Outcome{Batch: b, Endpoint: e, State: state, Attempts: 1, NextAt: time.Unix(0, 0)})
	}
	if err := s.RecordOutcomes(t.Context(), outs); err != nil {
		t.Fatalf("RecordOutcomes: %v", err)
	}
}

func status(t *testing.T, s Store, id int64) campaign.Status {
	t.Helper()
	st, err := s.CampaignStatus(t.Context(), id)
	if err != nil {
		t.Fatalf("CampaignStatus: %v", err)
	}
	return st
}

func endpoints(from, to int) []string {
	var eps []string
	for i := from; i < to; i++ {
		eps = append(eps, sub(i).Endpoint)
	}
	return eps
}

func testTags(t *testing.T, newDB NewDB) {
	s, _ := openOne(t, newDB, store.Options{})
	put(t, s, sub(1), true)
	ep := sub(1).Endpoint
	if err := s.SetTags(t.Context(), ep, []string{"news", "lang:fr", "news"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Tags(t.Context(), ep); !reflect.DeepEqual(got, []string{"lang:fr", "news"}) {
		t.Errorf("tags %v, want [lang:fr news]", got)
	}
	if err := s.SetTags(t.Context(), ep, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Tags(t.Context(), ep); len(got) != 0 {
		t.Errorf("tags after clearing: %v", got)
	}
	if err := s.SetTags(t.Context(), ep, []string{"bad tag"}); err == nil {
		t.Error("a tag with a space was accepted")
	}
	if err := s.SetTags(t.Context(), "https://push.example/none", []string{"x"}); err != nil {
		t.Errorf("SetTags on an endpoint not stored: %v, want nothing done", err)
	}
	// Tags go with their subscription.
	s.SetTags(t.Context(), ep, []string{"news"})
	if err := s.DeleteSubscription(t.Context(), ep); err != nil {
		t.Fatal(err)
	}
	put(t, s, sub(1), true)
	if got, _ := s.Tags(t.Context(), ep); len(got) != 0 {
		t.Errorf("a new subscription inherited tags %v", got)
	}
}

// testCampaignDelivery walks one campaign through its batches: each
// subscription is pending once, outcomes are counted, gone ones deleted.
func testCampaignDelivery(t *testing.T, newDB NewDB) {
	s, _ := openOne(t, newDB, store.Options{})
	putN(t, s, 0, 25)
	c := create(t, s, nil, 10)
	if c.ID == 0 || c.CreatedAt.IsZero() {
		t.Fatalf("created %+v: want an ID and a time", c)
	}
	st := status(t, s, c.ID)
	if st.Total != 25 || st.Queued != 25 || st.Done() || string(st.Payload) != `{"title":"hi"}` || st.TTL != time.Hour || st.Urgency != "low" {
		t.Fatalf("new campaign: %+v", st)
	}
	if latest, err := s.LatestCampaign(t.Context()); err != nil || latest.ID != c.ID {
		t.Errorf("LatestCampaign = %d, %v", latest.ID, err)
	}
	var all []string
	for range 3 {
		b, ok := claim(t, s, "w1", 0)
		if !ok {
			t.Fatal("no batch to claim")
		}
		eps := pending(t, s, b)
		all = append(all, eps...)
		record(t, s, b.BatchRef, campaign.Delivered, eps[1:]...)
		record(t, s, b.BatchRef, campaign.Gone, eps[0])
		// A repeat, say by a worker that lost its lease, changes nothing.
		record(t, s, b.BatchRef, campaign.Failed, eps[0])
		if done, err := s.FinishBatch(t.Context(), "w1", b.BatchRef); err != nil || !done {
			t.Fatalf("FinishBatch = %v, %v", done, err)
		}
	}
	if !reflect.DeepEqual(all, endpoints(0, 25)) {
		t.Errorf("delivered to %v, want each subscription once in order", all)
	}
	if _, ok := claim(t, s, "w1", 0); ok {
		t.Error("claimed a batch after all were done")
	}
	st = status(t, s, c.ID)
	want := campaign.Counts{Total: 25, Delivered: 22, Gone: 3}
	if st.Counts != want || !st.Done() || st.StartedAt.IsZero() {
		t.Errorf("counts %+v, done %v; want %+v, done", st.Counts, st.Done(), want)
	}
	if n := len(listAll(t, s)); n != 22 {
		t.Errorf("%d subscriptions left, want 22 (gone ones deleted)", n)
	}
	if _, err := s.CampaignStatus(t.Context(), c.ID+100); !errors.Is(err, campaign.ErrNotFound) {
		t.Errorf("status of a missing campaign: %v, want ErrNotFound", err)
	}
}

func testCampaignTargetsTags(t *testing.T, newDB NewDB) {
	s, _ := openOne(t, newDB, store.Options{})
	putN(t, s, 0, 12)
	for i := range 12 {
		var tags []string
		switch i % 3 {
		case 0:
			tags = []string{"news"}
		case 1:
			tags = []string{"sport", "x"}
		}
		if err := s.SetTags(t.Context(), sub(i).Endpoint, tags); err != nil {
			t.Fatal(err)
		}
	}
	c := create(t, s, []string{"sport", "news"}, 3)
	if st := status(t, s, c.ID); st.Total != 8 || !reflect.DeepEqual(st.Tags, []string{"news", "sport"}) {
		t.Errorf("total %d, tags %v; want 8, [news sport]", st.Total, st.Tags)
	}
	got := deliverAll(t, s, c.ID)
	var want []string
	for i := range 12 {
		if i%3 != 2 {
			want = append(want, sub(i).Endpoint)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("targeted %v, want %v", got, want)
	}
}

// testCampaignClaimRace: workers in two Stores (two processes) claiming at
// once never hold one batch together.
func testCampaignClaimRace(t *testing.T, newDB NewDB) {
	open := newDB(t)
	clock := NewClock()
	a := mustOpen(t, open, store.Options{Now: clock.Now})
	b := mustOpen(t, open, store.Options{Now: clock.Now})
	putN(t, a, 0, 40)
	c := create(t, a, nil, 2)
	var mu sync.Mutex
	seen := map[int]string{}
	var wg sync.WaitGroup
	for w := range 6 {
		s := []Store{a, b}[w%2]
		owner := fmt.Sprintf("w%d", w)
		wg.Go(func() {
			for {
				bt, ok, err := s.ClaimBatch(t.Context(), owner, lease, c.ID)
				if err != nil {
					t.Errorf("ClaimBatch: %v", err)
					return
				}
				if !ok {
					return
				}
				mu.Lock()
				if prev, dup := seen[bt.Seq]; dup {
					t.Errorf("batch %d claimed by %s and %s", bt.Seq, prev, owner)
				}
				seen[bt.Seq] = owner
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != 21 {
		t.Errorf("%d batches claimed, want 21", len(seen))
	}
}

func testCampaignLeaseTakeover(t *testing.T, newDB NewDB) {
	s, clock := openOne(t, newDB, store.Options{})
	putN(t, s, 0, 5)
	c := create(t, s, nil, 10)
	b, ok := claim(t, s, "dead", c.ID)
	if !ok {
		t.Fatal("no batch")
	}
	record(t, s, b.BatchRef, campaign.Delivered, endpoints(0, 2)...)
	if _, ok := claim(t, s, "other", c.ID); ok {
		t.Fatal("claimed a leased batch")
	}
	clock.Advance(lease / 2)
	if lost, err := s.ExtendLeases(t.Context(), "dead", []campaign.BatchRef{b.BatchRef}, lease); err != nil || len(lost) != 0 {
		t.Fatalf("ExtendLeases = %v, %v", lost, err)
	}
	clock.Advance(lease / 2)
	if _, ok := claim(t, s, "other", c.ID); ok {
		t.Fatal("claimed a batch whose lease was extended")
	}
	clock.Advance(lease)
	b2, ok := claim(t, s, "other", c.ID)
	if !ok || b2.BatchRef != b.BatchRef {
		t.Fatalf("takeover claimed %+v, %v", b2, ok)
	}
	// Only the subscriptions whose outcome was not recorded are redone.
	if got := pending(t, s, b2); !reflect.DeepEqual(got, endpoints(2, 5)) {
		t.Errorf("pending after takeover %v, want the last three", got)
	}
	if lost, _ := s.ExtendLeases(t.Context(), "dead", []campaign.BatchRef{b.BatchRef}, lease); !reflect.DeepEqual(lost, []campaign.BatchRef{b.BatchRef}) {
		t.Errorf("the old owner's ExtendLeases lost %v, want the batch", lost)
	}
	if _, err := s.FinishBatch(t.Context(), "dead", b.BatchRef); !errors.Is(err, campaign.ErrLeaseLost) {
		t.Errorf("the old owner's FinishBatch: %v, want ErrLeaseLost", err)
	}
	if err := s.ReleaseBatch(t.Context(), "other", b.BatchRef); err != nil {
		t.Fatal(err)
	}
	if _, ok := claim(t, s, "third", c.ID); !ok {
		t.Error("a released batch could not be claimed at once")
	}
}

func testCampaignRetrying(t *testing.T, newDB NewDB) {
	s, clock := openOne(t, newDB, store.Options{})
	putN(t, s, 0, 3)
	c := create(t, s, nil, 10)
	b, _ := claim(t, s, "w", c.ID)
	retryAt := clock.Now().Add(time.Minute)
	record(t, s, b.BatchRef, campaign.Delivered, endpoints(0, 2)...)
	if err := s.RecordOutcomes(t.Context(), []campaign.Outcome{{Batch: b.BatchRef, Endpoint: sub(2).Endpoint, State: campaign.Retrying, Attempts: 1, NextAt: retryAt}}); err != nil {
		t.Fatal(err)
	}
	if st := status(t, s, c.ID); st.Retrying != 1 || st.Delivered != 2 || st.Queued != 0 {
		t.Errorf("counts %+v, want 2 delivered, 1 retrying", st.Counts)
	}
	if done, err := s.FinishBatch(t.Context(), "w", b.BatchRef); err != nil || done {
		t.Fatalf("FinishBatch = %v, %v; want released, not done", done, err)
	}
	if _, ok := claim(t, s, "w", c.ID); ok {
		t.Fatal("claimed before the retry was due")
	}
	clock.Advance(time.Minute)
	b, ok := claim(t, s, "w", c.ID)
	if !ok {
		t.Fatal("nothing to claim when the retry was due")
	}
	p, err := s.PendingDeliveries(t.Context(), b, "", 10)
	if err != nil || len(p) != 1 || p[0].Sub.Endpoint != sub(2).Endpoint || p[0].Attempts != 1 {
		t.Fatalf("pending %+v, %v; want the retrying one with 1 attempt", p, err)
	}
	record(t, s, b.BatchRef, campaign.Delivered, sub(2).Endpoint)
	if done, err := s.FinishBatch(t.Context(), "w", b.BatchRef); err != nil || !done {
		t.Fatalf("FinishBatch = %v, %v", done, err)
	}
	if st := status(t, s, c.ID); st.Counts != (campaign.Counts{Total: 3, Delivered: 3}) || !st.Done() {
		t.Errorf("counts %+v, want 3 delivered, done", st.Counts)
	}
}

// testCampaignLateSubscriptions: a subscription stored after the campaign
// was created is delivered to when its batch has not run yet, and counted.
func testCampaignLateSubscriptions(t *testing.T, newDB NewDB) {
	s, _ := openOne(t, newDB, store.Options{})
	putN(t, s, 0, 4)
	c := create(t, s, nil, 2)
	putN(t, s, 10, 12)
	got := deliverAll(t, s, c.ID)
	if want := append(endpoints(0, 4), endpoints(10, 12)...); !reflect.DeepEqual(got, want) {
		t.Errorf("delivered to %v, want %v", got, want)
	}
	if st := status(t, s, c.ID); st.Total != 6 || st.Delivered != 6 {
		t.Errorf("counts %+v, want 6 of 6", st.Counts)
	}
}

func testCampaignThrottles(t *testing.T, newDB NewDB) {
	open := newDB(t)
	clock := NewClock()
	a := mustOpen(t, open, store.Options{Now: clock.Now})
	b := mustOpen(t, open, store.Options{Now: clock.Now})
	until := clock.Now().Add(2 * time.Minute).Truncate(time.Second)
	if err := a.ThrottleOrigin(t.Context(), "https://push.example", until); err != nil {
		t.Fatal(err)
	}
	a.ThrottleOrigin(t.Context(), "https://push.example", until.Add(-time.Minute)) // earlier: kept later
	got, err := b.Throttles(t.Context())
	if err != nil || !got["https://push.example"].Equal(until) || len(got) != 1 {
		t.Errorf("Throttles = %v, %v; want push.example until %v", got, err, until)
	}
	clock.Advance(3 * time.Minute)
	if got, _ := b.Throttles(t.Context()); len(got) != 0 {
		t.Errorf("Throttles after expiry = %v", got)
	}
}

// deliverAll plays one worker through campaign id: every batch claimed, its
// pending subscriptions recorded as delivered, finished. It returns them.
func deliverAll(t *testing.T, s Store, id int64) []string {
	t.Helper()
	var got []string
	for {
		b, ok := claim(t, s, "w", id)
		if !ok {
			return got
		}
		eps := pending(t, s, b)
		got = append(got, eps...)
		record(t, s, b.BatchRef, campaign.Delivered, eps...)
		if _, err := s.FinishBatch(t.Context(), "w", b.BatchRef); err != nil {
			t.Fatal(err)
		}
	}
}
