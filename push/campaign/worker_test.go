package campaign_test

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/push/campaign"
	"github.com/swkit/swkit/push/pushtest"
	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/sqlite"
)

type fixture struct {
	svc    *pushtest.Server
	st     *sqlite.Store
	sender *push.Sender
	subs   []push.Subscription
}

func newFixture(t *testing.T, n int) *fixture {
	t.Helper()
	f := &fixture{svc: pushtest.NewServer()}
	t.Cleanup(f.svc.Close)
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "swkit.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f.st = st
	keys, _ := push.GenerateVAPIDKeys()
	v, _ := push.ParseVAPIDKeys(keys.Public, keys.Private)
	f.sender, err = push.NewSender(v, push.SenderOptions{Subject: "mailto:ops@example.com", AllowPrivate: true, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	for range n {
		s := pushtest.NewSubscription(f.svc)
		f.subs = append(f.subs, s)
		if _, err := st.PutSubscription(t.Context(), s); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *fixture) run(t *testing.T, c campaign.Campaign, opts campaign.WorkerOptions) (campaign.Status, *campaign.Worker) {
	t.Helper()
	c, err := f.st.CreateCampaign(t.Context(), c, 7)
	if err != nil {
		t.Fatal(err)
	}
	opts.Store, opts.Sender, opts.Campaign = f.st, f.sender, c.ID
	opts.Poll = 10 * time.Millisecond
	opts.Logf = t.Logf
	w, err := campaign.NewWorker(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := w.Run(ctx); err != nil {
		t.Fatalf("Run: %v", err)
	}
	st, err := f.st.CampaignStatus(t.Context(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	return st, w
}

func TestWorkerDeliversCampaign(t *testing.T) {
	f := newFixture(t, 30)
	f.svc.Respond(f.subs[0].Endpoint, pushtest.Response{Status: http.StatusGone})
	f.svc.Respond(f.subs[1].Endpoint, pushtest.Response{Status: http.StatusForbidden})
	st, w := f.run(t, campaign.Campaign{Payload: []byte(`{"title":"hi"}`), TTL: time.Hour}, campaign.WorkerOptions{Concurrency: 4})
	if want := (campaign.Counts{Total: 30, Delivered: 28, Gone: 1, Failed: 1}); st.Counts != want || !st.Done() {
		t.Errorf("counts %+v, done %v; want %+v, done", st.Counts, st.Done(), want)
	}
	msgs := f.svc.Messages()
	if len(msgs) != 28 {
		t.Fatalf("%d messages, want 28", len(msgs))
	}
	if m := msgs[0]; string(m.Plaintext) != `{"title":"hi"}` || m.TTL != 3600 || m.Topic != campaign.DefaultTopic(st.ID) {
		t.Errorf("message %+v: want the payload, TTL 3600 and the campaign's topic", m)
	}
	if n, err := w.Failures(); n != 1 || err == nil {
		t.Errorf("Failures = %d, %v", n, err)
	}
	if subs, _ := f.st.Subscriptions(t.Context(), "", 100); len(subs) != 29 {
		t.Errorf("%d subscriptions left, want 29", len(subs))
	}
}

// TestWorkerRetriesLater: a 503 is recorded as retrying and delivered on a
// later attempt; a 429 throttles the service for every worker.
func TestWorkerRetriesLater(t *testing.T) {
	f := newFixture(t, 5)
	f.svc.Respond(f.subs[0].Endpoint, pushtest.Response{Status: 503, Times: 1})
	f.svc.Respond(f.subs[1].Endpoint, pushtest.Response{Status: 429, RetryAfter: "1", Times: 1})
	st, _ := f.run(t, campaign.Campaign{Payload: []byte("x")}, campaign.WorkerOptions{RetryBase: 50 * time.Millisecond})
	if want := (campaign.Counts{Total: 5, Delivered: 5}); st.Counts != want {
		t.Errorf("counts %+v, want %+v", st.Counts, want)
	}
	if n := len(f.svc.Messages()); n != 5 {
		t.Errorf("%d messages, want 5", n)
	}
	th, err := f.st.Throttles(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := th[push.Origin(f.svc.URL)]; !ok && st.UpdatedAt.Sub(st.StartedAt) < time.Second {
		t.Errorf("no throttle recorded for the service, and the campaign did not wait for it")
	}
}

// TestWorkerGivesUp: a service that keeps failing makes the delivery
// Failed after MaxAttempts.
func TestWorkerGivesUp(t *testing.T) {
	f := newFixture(t, 2)
	f.svc.Respond(f.subs[0].Endpoint, pushtest.Response{Status: 500})
	st, _ := f.run(t, campaign.Campaign{Payload: []byte("x")}, campaign.WorkerOptions{RetryBase: time.Millisecond, MaxAttempts: 3})
	if want := (campaign.Counts{Total: 2, Delivered: 1, Failed: 1}); st.Counts != want {
		t.Errorf("counts %+v, want %+v", st.Counts, want)
	}
	if n := f.svc.Requests(); n != 4 {
		t.Errorf("%d requests, want 4 (3 attempts and one delivery)", n)
	}
}
