package campaign_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"sync/atomic"
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

// TestSlowServiceDoesNotStallOthers: 30 subscriptions on a push service
// that accepts connections and never answers, sorted before a real one,
// cannot hold every sender: once a delivery there times out, that service
// gets two requests at a time, and the real subscriber is served while
// most of the stalled ones have not even been tried.
func TestSlowServiceDoesNotStallOthers(t *testing.T) {
	f := newFixture(t, 0)
	// A port that sorts before the fake service's, so that its
	// subscriptions come first in the campaign.
	var ln net.Listener
	for port := 10000; ln == nil && port < 20000; port += 7 {
		ln, _ = net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	}
	if ln == nil || ln.Addr().String() > f.svc.URL[len("http://"):] {
		t.Fatal("no port that sorts before the fake service's")
	}
	defer ln.Close()
	var conns atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			defer c.Close() // held open, never answered
		}
	}()
	for i := range 30 {
		s := pushtest.NewSubscription(f.svc)
		s.Endpoint = fmt.Sprintf("http://%s/push/tarpit-%02d", ln.Addr(), i)
		if _, err := f.st.PutSubscription(t.Context(), s); err != nil {
			t.Fatal(err)
		}
	}
	real := pushtest.NewSubscription(f.svc)
	if _, err := f.st.PutSubscription(t.Context(), real); err != nil {
		t.Fatal(err)
	}
	c, err := f.st.CreateCampaign(t.Context(), campaign.Campaign{Payload: []byte("x")}, 100)
	if err != nil {
		t.Fatal(err)
	}
	const concurrency = 4
	w, err := campaign.NewWorker(campaign.WorkerOptions{Store: f.st, Sender: f.sender, Campaign: c.ID,
		Concurrency: concurrency, DeliveryTimeout: 500 * time.Millisecond, Poll: 10 * time.Millisecond, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- w.Run(ctx) }()
	defer func() { cancel(); <-done }()
	for deadline := time.Now().Add(30 * time.Second); len(f.svc.Messages()) == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the real subscriber got nothing")
		}
	}
	if n := conns.Load(); n > concurrency+2 {
		t.Errorf("the stalled service got %d connections before the real subscriber was served, want at most %d", n, concurrency+2)
	}
}

// TestThrottleSharedByWorkers: a 429 with Retry-After that one worker gets
// makes every worker on the store hold off that push service: a second
// worker, on another campaign, sends nothing there until the time is up.
func TestThrottleSharedByWorkers(t *testing.T) {
	f := newFixture(t, 3)
	f.svc.Respond(f.subs[0].Endpoint, pushtest.Response{Status: 429, RetryAfter: "3600", Times: 1})
	// The first worker's campaign, to one subscription, gets the 429 and
	// gives up.
	if err := f.st.SetTags(t.Context(), f.subs[0].Endpoint, []string{"first"}); err != nil {
		t.Fatal(err)
	}
	first, _ := f.run(t, campaign.Campaign{Payload: []byte("x"), Tags: []string{"first"}}, campaign.WorkerOptions{MaxAttempts: 1})
	if first.Failed == 0 {
		t.Fatalf("first campaign %+v: want the 429 counted", first.Counts)
	}
	requests := f.svc.Requests()
	c, err := f.st.CreateCampaign(t.Context(), campaign.Campaign{Payload: []byte("y")}, 10)
	if err != nil {
		t.Fatal(err)
	}
	w, err := campaign.NewWorker(campaign.WorkerOptions{Store: f.st, Sender: f.sender, Campaign: c.ID, Poll: 10 * time.Millisecond, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- w.Run(ctx) }()
	var st campaign.Status
	for deadline := time.Now().Add(20 * time.Second); st.Retrying < 3; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("second campaign %+v: want all 3 retrying", st.Counts)
		}
		st, _ = f.st.CampaignStatus(t.Context(), c.ID)
	}
	cancel()
	<-done
	if n := f.svc.Requests(); n != requests {
		t.Errorf("the second worker sent %d requests to a throttled service, want 0", n-requests)
	}
}
