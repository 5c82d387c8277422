package push_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/push/pushtest"
)

type harness struct {
	srv    *pushtest.Server
	vapid  *push.VAPID
	sender *push.Sender

	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

// newHarness starts a fake push service and a Sender whose sleeps are
// recorded and skipped, with no jitter, and a fake clock both share.
func newHarness(t *testing.T, opts push.SenderOptions) *harness {
	t.Helper()
	h := &harness{srv: pushtest.NewServer(), now: time.Now()}
	t.Cleanup(h.srv.Close)
	keys, err := push.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	if h.vapid, err = push.ParseVAPIDKeys(keys.Public, keys.Private); err != nil {
		t.Fatal(err)
	}
	h.srv.RequireKey(keys.Public)
	if opts.Subject == "" {
		opts.Subject = "mailto:ops@example.com"
	}
	opts.AllowPrivate = true
	if h.sender, err = push.NewSender(h.vapid, opts); err != nil {
		t.Fatal(err)
	}
	push.SetVAPIDClock(h.vapid, h.clock)
	h.srv.SetClock(h.clock)
	push.SetSenderSeams(h.sender, h.clock, func(ctx context.Context, d time.Duration) error {
		h.mu.Lock()
		h.waits = append(h.waits, d)
		h.mu.Unlock()
		return ctx.Err()
	}, func(int64) int64 { return 0 })
	return h
}

func (h *harness) clock() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.now
}

func (h *harness) advance(d time.Duration) {
	h.mu.Lock()
	h.now = h.now.Add(d)
	h.mu.Unlock()
}

func (h *harness) sleeps() []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.waits)
}

func noRejections(t *testing.T, srv *pushtest.Server) {
	t.Helper()
	for _, err := range srv.Rejections() {
		t.Errorf("fake push service rejected a request: %v", err)
	}
}

func TestSendDelivers(t *testing.T) {
	for _, tc := range []struct {
		name    string
		msg     push.Message
		wantTTL int
	}{
		{"all headers", push.Message{Payload: []byte(`{"title":"A new cat"}`), TTL: 90 * time.Second, Urgency: push.UrgencyHigh, Topic: "cats"}, 90},
		{"zero ttl is 0, as in web-push", push.Message{Payload: []byte("plain text")}, 0},
		{"default ttl asked for", push.Message{Payload: []byte("plain text"), TTL: push.DefaultTTL}, 2419200},
		{"no store", push.Message{Payload: []byte("now or never"), TTL: push.NoStore, Urgency: push.UrgencyVeryLow}, 0},
		{"empty payload", push.Message{TTL: time.Minute}, 60},
		{"max payload", push.Message{Payload: []byte(strings.Repeat("x", push.MaxPayload)), TTL: time.Minute}, 60},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, push.SenderOptions{})
			sub := pushtest.NewSubscription(h.srv)
			res, err := h.sender.Send(context.Background(), sub, tc.msg)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != http.StatusCreated || res.Attempts != 1 || res.Location == "" {
				t.Errorf("result = %+v, want 201 in one attempt with a Location", res)
			}
			noRejections(t, h.srv)
			msgs := h.srv.Messages()
			if len(msgs) != 1 {
				t.Fatalf("server got %d messages, want 1", len(msgs))
			}
			got := msgs[0]
			want := pushtest.Message{
				Endpoint:  sub.Endpoint,
				TTL:       tc.wantTTL,
				Urgency:   string(tc.msg.Urgency),
				Topic:     tc.msg.Topic,
				Plaintext: tc.msg.Payload,
				VAPIDKey:  h.vapid.PublicKey(),
				Subject:   "mailto:ops@example.com",
			}
			if got.Endpoint != want.Endpoint || got.TTL != want.TTL || got.Urgency != want.Urgency ||
				got.Topic != want.Topic || string(got.Plaintext) != string(want.Plaintext) ||
				got.VAPIDKey != want.VAPIDKey || got.Subject != want.Subject {
				t.Errorf("server recorded\n%+v\nwant\n%+v", got, want)
			}
		})
	}
}

func TestSendStatusMapping(t *testing.T) {
	for _, tc := range []struct {
		name         string
		script       []pushtest.Response
		wantErr      error // sentinel, or nil
		wantStatus   int   // 0 for success
		wantRequests int
	}{
		{"201", nil, nil, 0, 1},
		{"202", []pushtest.Response{{Status: 202, Times: 1}}, nil, 0, 1},
		{"404 gone", []pushtest.Response{{Status: 404}}, push.ErrGone, 404, 1},
		{"410 gone", []pushtest.Response{{Status: 410}}, push.ErrGone, 410, 1},
		{"413 too large", []pushtest.Response{{Status: 413}}, push.ErrPayloadTooLarge, 413, 1},
		{"400", []pushtest.Response{{Status: 400, Body: "bad topic header"}}, nil, 400, 1},
		{"403", []pushtest.Response{{Status: 403, Body: "key mismatch"}}, nil, 403, 1},
		{"500 twice then ok", []pushtest.Response{{Status: 500, Times: 2}}, nil, 0, 3},
		{"502 then ok", []pushtest.Response{{Status: 502, Times: 1}}, nil, 0, 2},
		{"503 always", []pushtest.Response{{Status: 503}}, nil, 503, 4},
		{"429 once then ok", []pushtest.Response{{Status: 429, Times: 1}}, nil, 0, 2},
		{"429 always", []pushtest.Response{{Status: 429}}, nil, 429, 4},
		{"500 then 410", []pushtest.Response{{Status: 500, Times: 1}, {Status: 410}}, push.ErrGone, 410, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, push.SenderOptions{})
			sub := pushtest.NewSubscription(h.srv)
			for _, r := range tc.script {
				h.srv.Respond(sub.Endpoint, r)
			}
			res, err := h.sender.Send(context.Background(), sub, push.Message{Payload: []byte("hi")})
			if got := h.srv.Requests(); got != tc.wantRequests {
				t.Errorf("requests = %d, want %d", got, tc.wantRequests)
			}
			noRejections(t, h.srv)
			if tc.wantStatus == 0 {
				if err != nil {
					t.Fatalf("err = %v, want success", err)
				}
				if res.Attempts != tc.wantRequests {
					t.Errorf("attempts = %d, want %d", res.Attempts, tc.wantRequests)
				}
				return
			}
			var se *push.StatusError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want a *StatusError", err, err)
			}
			if se.Status != tc.wantStatus || se.Attempts != tc.wantRequests {
				t.Errorf("StatusError = %+v, want status %d after %d attempts", se, tc.wantStatus, tc.wantRequests)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("errors.Is(%v, %v) = false", err, tc.wantErr)
			}
			if tc.wantErr == nil && (errors.Is(err, push.ErrGone) || errors.Is(err, push.ErrPayloadTooLarge)) {
				t.Errorf("err %v matches a sentinel it should not", err)
			}
			for _, r := range tc.script {
				if r.Body != "" && se.Body != r.Body {
					t.Errorf("StatusError.Body = %q, want %q", se.Body, r.Body)
				}
			}
		})
	}
}

func TestSendBackoff(t *testing.T) {
	h := newHarness(t, push.SenderOptions{MaxRetries: 3})
	sub := pushtest.NewSubscription(h.srv)
	h.srv.Respond(sub.Endpoint, pushtest.Response{Status: 503})
	_, err := h.sender.Send(context.Background(), sub, push.Message{})
	if err == nil {
		t.Fatal("want an error")
	}
	// Jitter is 0 here, so equal jitter gives half of 0.5 s, 1 s, 2 s.
	want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second}
	if got := h.sleeps(); !slices.Equal(got, want) {
		t.Errorf("waits = %v, want %v", got, want)
	}
}

func TestSendRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		name       string
		retryAfter func(now time.Time) string
		wantWait   time.Duration
	}{
		{"seconds", func(time.Time) string { return "7" }, 7 * time.Second},
		{"http date", func(now time.Time) string { return now.Add(42 * time.Second).UTC().Format(http.TimeFormat) }, 42 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, push.SenderOptions{})
			// Whole seconds, as HTTP dates are.
			h.advance(-time.Duration(h.clock().Nanosecond()))
			sub := pushtest.NewSubscription(h.srv)
			h.srv.Respond(sub.Endpoint, pushtest.Response{Status: 429, RetryAfter: tc.retryAfter(h.clock()), Times: 1})
			res, err := h.sender.Send(context.Background(), sub, push.Message{Payload: []byte("x")})
			if err != nil {
				t.Fatal(err)
			}
			if res.Attempts != 2 {
				t.Errorf("attempts = %d, want 2", res.Attempts)
			}
			if got := h.sleeps(); len(got) != 1 || got[0] != tc.wantWait {
				t.Errorf("waits = %v, want [%v]", got, tc.wantWait)
			}
		})
	}
}

func TestSendRetryAfterTooLong(t *testing.T) {
	h := newHarness(t, push.SenderOptions{})
	sub := pushtest.NewSubscription(h.srv)
	h.srv.Respond(sub.Endpoint, pushtest.Response{Status: 429, RetryAfter: "3600"})
	_, err := h.sender.Send(context.Background(), sub, push.Message{})
	var se *push.StatusError
	if !errors.As(err, &se) || se.Status != 429 || se.RetryAfter != time.Hour {
		t.Fatalf("err = %v, want a 429 *StatusError with RetryAfter 1h", err)
	}
	if n := h.srv.Requests(); n != 1 || len(h.sleeps()) != 0 {
		t.Errorf("requests = %d, waits = %v: want 1 request and no wait", n, h.sleeps())
	}
}

func TestSendRetryPastDeadline(t *testing.T) {
	h := newHarness(t, push.SenderOptions{})
	sub := pushtest.NewSubscription(h.srv)
	h.srv.Respond(sub.Endpoint, pushtest.Response{Status: 503, RetryAfter: "30"})
	ctx, cancel := context.WithDeadline(context.Background(), h.clock().Add(10*time.Second))
	defer cancel()
	_, err := h.sender.Send(ctx, sub, push.Message{})
	var se *push.StatusError
	if !errors.As(err, &se) || se.Status != 503 {
		t.Fatalf("err = %v, want a 503 *StatusError", err)
	}
	if n := h.srv.Requests(); n != 1 || len(h.sleeps()) != 0 {
		t.Errorf("requests = %d, waits = %v: want 1 request and no wait", n, h.sleeps())
	}
}

func TestSendRefusedBeforeAnyRequest(t *testing.T) {
	h := newHarness(t, push.SenderOptions{})
	sub := pushtest.NewSubscription(h.srv)
	strict, err := push.NewSender(h.vapid, push.SenderOptions{Subject: "mailto:ops@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	bad := sub
	bad.Keys.Auth = "AAAA"
	for _, tc := range []struct {
		name    string
		sender  *push.Sender
		sub     push.Subscription
		msg     push.Message
		wantErr error
		want    string
	}{
		{"payload over limit", h.sender, sub, push.Message{Payload: make([]byte, push.MaxPayload+1)}, push.ErrPayloadTooLarge, ""},
		{"bad urgency", h.sender, sub, push.Message{Urgency: "urgent"}, nil, "urgency"},
		{"long topic", h.sender, sub, push.Message{Topic: strings.Repeat("a", 33)}, nil, "topic"},
		{"topic with space", h.sender, sub, push.Message{Topic: "new cat"}, nil, "topic"},
		{"bad auth key", h.sender, bad, push.Message{}, nil, "auth"},
		{"private endpoint without AllowPrivate", strict, sub, push.Message{}, nil, "https"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.sender.Send(context.Background(), tc.sub, tc.msg)
			if err == nil {
				t.Fatal("want an error")
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("err = %v, want %v", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
	if n := h.srv.Requests(); n != 0 {
		t.Errorf("%d requests reached the push service, want 0", n)
	}
}

func TestDefaultClientRefusesPrivateAddressAtDial(t *testing.T) {
	// A host name (not an IP literal) that resolves to loopback passes
	// CheckEndpoint but must be refused when the connection is made.
	h := newHarness(t, push.SenderOptions{})
	sub := pushtest.NewSubscription(h.srv)
	strict, err := push.NewSender(h.vapid, push.SenderOptions{Subject: "mailto:ops@example.com", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	port := h.srv.URL[strings.LastIndex(h.srv.URL, ":"):]
	sub.Endpoint = "https://localtest.invalid" + port + "/push/x"
	push.SetResolverForTest(strict, "localtest.invalid", "127.0.0.1")
	_, err = strict.Send(context.Background(), sub, push.Message{})
	var se *push.SubscriptionError
	if !errors.As(err, &se) || se.Field != "endpoint" || !strings.Contains(err.Error(), "address 127.0.0.1 is not public") {
		t.Errorf("err = %v, want a refusal of the endpoint's non-public address", err)
	}
}

func TestSenderTokenReuse(t *testing.T) {
	h := newHarness(t, push.SenderOptions{})
	sub := pushtest.NewSubscription(h.srv)
	for range 100 {
		if _, err := h.sender.Send(context.Background(), sub, push.Message{Payload: []byte("x")}); err != nil {
			t.Fatal(err)
		}
	}
	if n := push.VAPIDSigns(h.vapid); n != 1 {
		t.Errorf("signed %d tokens for 100 sends to one push service, want 1", n)
	}
	h.advance(11*time.Hour + 30*time.Minute)
	if _, err := h.sender.Send(context.Background(), sub, push.Message{Payload: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	if n := push.VAPIDSigns(h.vapid); n != 2 {
		t.Errorf("signs = %d after nearing expiry, want 2", n)
	}
	noRejections(t, h.srv)
	// One connection, give or take: net/http does not reuse a connection
	// whose request write it has not seen finish within 50 ms of the
	// response, which happens on a loaded machine (-race, parallel tests).
	if got := h.srv.Connections(); got > 3 {
		t.Errorf("101 sequential sends used %d connections, want 1 (keep-alive)", got)
	}
}

func TestSendAllMixedOutcomes(t *testing.T) {
	h := newHarness(t, push.SenderOptions{})
	const n = 1000
	subs := make([]push.Subscription, n)
	var wantGone []string
	for i := range subs {
		subs[i] = pushtest.NewSubscription(h.srv)
		e := subs[i].Endpoint
		switch i % 10 {
		case 0:
			h.srv.Respond(e, pushtest.Response{Status: 410})
			wantGone = append(wantGone, e)
		case 1:
			h.srv.Respond(e, pushtest.Response{Status: 404})
			wantGone = append(wantGone, e)
		case 2:
			h.srv.Respond(e, pushtest.Response{Status: 500, Times: 1}) // then delivered
		case 3:
			h.srv.Respond(e, pushtest.Response{Status: 400, Body: "nope"}) // failed
		case 4:
			h.srv.Respond(e, pushtest.Response{Status: 429, RetryAfter: "1", Times: 2}) // then delivered
		case 5:
			h.srv.Respond(e, pushtest.Response{Status: 413}) // failed
		}
	}
	payload := []byte(`{"title":"A new cat","url":"/"}`)
	rep := h.sender.SendAll(context.Background(), subs, push.Message{Payload: payload, TTL: time.Hour, Topic: "cat"})

	if rep.Delivered != 600 || rep.Gone != 200 || rep.Failed != 200 {
		t.Errorf("report delivered/gone/failed = %d/%d/%d, want 600/200/200", rep.Delivered, rep.Gone, rep.Failed)
	}
	slices.Sort(rep.GoneEndpoints)
	slices.Sort(wantGone)
	if !slices.Equal(rep.GoneEndpoints, wantGone) {
		t.Errorf("GoneEndpoints differ: got %d, want %d", len(rep.GoneEndpoints), len(wantGone))
	}
	// 200 failures, but the report keeps the first 100.
	if len(rep.Errors) != 100 {
		t.Errorf("len(Errors) = %d, want 100", len(rep.Errors))
	}
	for _, err := range rep.Errors {
		var se *push.SendError
		if !errors.As(err, &se) || se.Endpoint == "" {
			t.Errorf("error %v is not a *SendError naming its endpoint", err)
			break
		}
	}
	noRejections(t, h.srv)
	msgs := h.srv.Messages()
	if len(msgs) != 600 {
		t.Errorf("server decrypted %d messages, want 600", len(msgs))
	}
	for _, m := range msgs {
		if string(m.Plaintext) != string(payload) || m.TTL != 3600 || m.Topic != "cat" {
			t.Errorf("message %+v", m)
			break
		}
	}
	// 1000 first attempts, 100 retries after 500, 2×100 after 429.
	if got := h.srv.Requests(); got != 1300 {
		t.Errorf("requests = %d, want 1300", got)
	}
	if n := push.VAPIDSigns(h.vapid); n != 1 {
		t.Errorf("signed %d tokens, want 1", n)
	}
	// About 50 for 1300 requests; a few more under load (see
	// TestSenderTokenReuse), never one per request.
	if c := h.srv.Connections(); c > 60 {
		t.Errorf("%d connections for 1300 requests with 50 in flight: connections are not kept alive", c)
	}
}

func TestSendAllConcurrencyBound(t *testing.T) {
	for _, conc := range []int{1, 8, 50} {
		t.Run(fmt.Sprint(conc), func(t *testing.T) {
			h := newHarness(t, push.SenderOptions{Concurrency: conc})
			h.srv.SetDelay(2 * time.Millisecond)
			subs := make([]push.Subscription, 4*conc+3)
			for i := range subs {
				subs[i] = pushtest.NewSubscription(h.srv)
			}
			rep := h.sender.SendAll(context.Background(), subs, push.Message{Payload: []byte("x")})
			if rep.Delivered != len(subs) {
				t.Fatalf("delivered %d of %d: %v", rep.Delivered, len(subs), rep.Errors)
			}
			if got := h.srv.MaxInFlight(); got > conc {
				t.Errorf("max in flight = %d, want at most %d", got, conc)
			}
			if got := h.srv.Connections(); got > conc+conc/5+2 {
				t.Errorf("connections = %d for %d requests, want about %d", got, len(subs), conc)
			}
		})
	}
}

func TestSendAllTooLargeSendsNothing(t *testing.T) {
	h := newHarness(t, push.SenderOptions{})
	subs := []push.Subscription{pushtest.NewSubscription(h.srv), pushtest.NewSubscription(h.srv)}
	rep := h.sender.SendAll(context.Background(), subs, push.Message{Payload: make([]byte, 5000)})
	if rep.Failed != 2 || rep.Delivered != 0 || len(rep.Errors) != 1 || !errors.Is(rep.Errors[0], push.ErrPayloadTooLarge) {
		t.Errorf("report = %+v, want 2 failed with ErrPayloadTooLarge", rep)
	}
	if n := h.srv.Requests(); n != 0 {
		t.Errorf("requests = %d, want 0", n)
	}
}

func TestSendAllCancelled(t *testing.T) {
	h := newHarness(t, push.SenderOptions{})
	subs := make([]push.Subscription, 20)
	for i := range subs {
		subs[i] = pushtest.NewSubscription(h.srv)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep := h.sender.SendAll(ctx, subs, push.Message{})
	if rep.Failed != len(subs) || rep.Delivered != 0 {
		t.Errorf("report = %+v, want all failed", rep)
	}
	if len(rep.Errors) == 0 || !errors.Is(rep.Errors[len(rep.Errors)-1], context.Canceled) {
		t.Errorf("errors = %v, want context.Canceled among them", rep.Errors)
	}
}

func TestNewSenderOptions(t *testing.T) {
	h := newHarness(t, push.SenderOptions{})
	for _, subject := range []string{"", "ops@example.com", "mailto:nobody", "https:///path", "ftp://example.com"} {
		_, err := push.NewSender(h.vapid, push.SenderOptions{Subject: subject})
		if oe, ok := errors.AsType[*push.OptionError](err); !ok || oe.Option != "Subject" {
			t.Errorf("NewSender with Subject %q: %v, want an *OptionError for Subject", subject, err)
		}
	}
	if _, err := push.NewSender(nil, push.SenderOptions{Subject: "mailto:a@b.c"}); err == nil {
		t.Error("NewSender(nil): want an error")
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"-5", 0},
		{"120", 2 * time.Minute},
		{"999999999", 24 * time.Hour},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"soon", 0},
	} {
		if got := push.ParseRetryAfter(tc.in, now); got != tc.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
