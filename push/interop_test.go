package push_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/push/pushtest"
)

// These tests pin what an interop run against web-push, webpush-go and the
// reference decryptor expects of a Sender.

// TestRetryAfterAtTheCap: a Retry-After of exactly two minutes, the
// documented longest wait, is waited out even with the largest jitter.
func TestRetryAfterAtTheCap(t *testing.T) {
	h := newHarness(t, push.SenderOptions{})
	push.SetSenderSeams(h.sender, nil, nil, func(n int64) int64 { return n - 1 })
	sub := pushtest.NewSubscription(h.srv)
	h.srv.Respond(sub.Endpoint, pushtest.Response{Status: 429, RetryAfter: "120", Times: 1})
	res, err := h.sender.Send(context.Background(), sub, push.Message{Payload: []byte("x")})
	if err != nil {
		t.Fatalf("Send: %v; want a retry after 120 s", err)
	}
	if res.Attempts != 2 {
		t.Errorf("attempts = %d, want 2", res.Attempts)
	}
	if w := h.sleeps(); len(w) != 1 || w[0] < 2*time.Minute {
		t.Errorf("waits = %v, want one of at least 2m", w)
	}
}

// TestPermanentFailuresNotRetried: a certificate that does not verify and
// an address the policy refuses at connect time fail at once.
func TestPermanentFailuresNotRetried(t *testing.T) {
	t.Run("bad certificate", func(t *testing.T) {
		var conns atomic.Int32
		ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		ts.Config.ErrorLog = discardLog()
		ts.Config.ConnState = func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				conns.Add(1)
			}
		}
		ts.StartTLS()
		defer ts.Close()
		h := newHarness(t, push.SenderOptions{MaxRetries: 3})
		sub := pushtest.NewSubscription(h.srv)
		sub.Endpoint = ts.URL + "/push/secret-path"
		_, err := h.sender.Send(context.Background(), sub, push.Message{})
		if err == nil || push.Retryable(err) {
			t.Fatalf("err = %v, retryable %v: want a permanent certificate error", err, push.Retryable(err))
		}
		if n := conns.Load(); n != 1 || len(h.sleeps()) != 0 {
			t.Errorf("%d connections, waits %v: want 1 and none", n, h.sleeps())
		}
	})
	t.Run("private address at connect time", func(t *testing.T) {
		h := newHarness(t, push.SenderOptions{})
		strict, err := push.NewSender(h.vapid, push.SenderOptions{Subject: "mailto:ops@example.com", MaxRetries: 3})
		if err != nil {
			t.Fatal(err)
		}
		var slept int
		push.SetSenderSeams(strict, nil, func(context.Context, time.Duration) error { slept++; return nil }, nil)
		sub := pushtest.NewSubscription(h.srv)
		sub.Endpoint = "https://localtest.invalid" + h.srv.URL[strings.LastIndex(h.srv.URL, ":"):] + "/push/x"
		push.SetResolverForTest(strict, "localtest.invalid", "127.0.0.1")
		_, err = strict.Send(context.Background(), sub, push.Message{})
		if err == nil || push.Retryable(err) || slept != 0 {
			t.Errorf("err = %v, %d retries: want a refusal without retry", err, slept)
		}
	})
}

// TestErrorsNeverShowEndpoint: no error in the chain Send returns quotes
// the endpoint's path, a capability, whatever failed and whoever made the
// client.
func TestErrorsNeverShowEndpoint(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer slow.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	keys, _ := push.GenerateVAPIDKeys()
	v, _ := push.ParseVAPIDKeys(keys.Public, keys.Private)
	own, _ := push.NewSender(v, push.SenderOptions{Subject: "mailto:a@example.com", AllowPrivate: true, MaxRetries: -1, Timeout: 200 * time.Millisecond})
	custom, _ := push.NewSender(v, push.SenderOptions{Subject: "mailto:a@example.com", AllowPrivate: true, MaxRetries: -1, Client: &http.Client{Timeout: 200 * time.Millisecond}})
	svc := pushtest.NewServer()
	defer svc.Close()
	for _, tc := range []struct {
		name, base string
		s          *push.Sender
	}{
		{"refused", closedURL, own},
		{"timeout", slow.URL, own},
		{"custom client timeout", slow.URL, custom},
		{"custom client refused", closedURL, custom},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sub := pushtest.NewSubscription(svc)
			sub.Endpoint = tc.base + "/push/the-secret-part"
			_, err := tc.s.Send(context.Background(), sub, push.Message{})
			if err == nil {
				t.Fatal("want an error")
			}
			for e := err; e != nil; e = errors.Unwrap(e) {
				if strings.Contains(e.Error(), "the-secret-part") {
					t.Errorf("%T in the chain says %q", e, e.Error())
				}
			}
		})
	}
}

// TestCustomClientKeepsAddressCheck: a Client of the caller's (for a proxy
// or a timeout) gets the connect-time check too, and a Transport it cannot
// be added to is refused.
func TestCustomClientKeepsAddressCheck(t *testing.T) {
	svc := pushtest.NewServer()
	defer svc.Close()
	keys, _ := push.GenerateVAPIDKeys()
	v, _ := push.ParseVAPIDKeys(keys.Public, keys.Private)
	s, err := push.NewSender(v, push.SenderOptions{Subject: "mailto:a@example.com", MaxRetries: -1, Client: &http.Client{Timeout: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	push.SetLookupForTest(t, "localtest.invalid", "127.0.0.1")
	sub := pushtest.NewSubscription(svc)
	sub.Endpoint = "https://localtest.invalid" + svc.URL[strings.LastIndex(svc.URL, ":"):] + "/push/x"
	_, err = s.Send(context.Background(), sub, push.Message{})
	if !strings.Contains(err.Error(), "address 127.0.0.1 is not public") {
		t.Errorf("err = %v, want the address refused", err)
	}
	if svc.Requests() != 0 {
		t.Error("the request reached the service")
	}
	_, err = push.NewSender(v, push.SenderOptions{Subject: "mailto:a@example.com", Client: &http.Client{Transport: roundTripFunc(nil)}})
	var oe *push.OptionError
	if !errors.As(err, &oe) || oe.Option != "Client" {
		t.Errorf("NewSender with a foreign Transport: %v, want an OptionError for Client", err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestStatusErrorShowsRetryAfter: the text of a 429 carries its
// Retry-After, which is what an operator reading the CLI needs.
func TestStatusErrorShowsRetryAfter(t *testing.T) {
	h := newHarness(t, push.SenderOptions{MaxRetries: -1})
	sub := pushtest.NewSubscription(h.srv)
	h.srv.Respond(sub.Endpoint, pushtest.Response{Status: 429, RetryAfter: "3600"})
	_, err := h.sender.Send(context.Background(), sub, push.Message{})
	if err == nil || !strings.Contains(err.Error(), "retry after 1h0m0s") {
		t.Errorf("err = %v, want it to say retry after 1h0m0s", err)
	}
}

// TestMessageOptions: padding, extra headers, a proxy and the token's
// lifetime, as web-push users set them.
func TestMessageOptions(t *testing.T) {
	t.Run("padding", func(t *testing.T) {
		h := newHarness(t, push.SenderOptions{})
		sub := pushtest.NewSubscription(h.srv)
		if _, err := h.sender.Send(context.Background(), sub, push.Message{Payload: []byte("hi"), Padding: 100}); err != nil {
			t.Fatal(err)
		}
		if m := h.srv.Messages(); len(m) != 1 || string(m[0].Plaintext) != "hi" {
			t.Errorf("messages %v, want one saying hi", m)
		}
		if _, err := h.sender.Send(context.Background(), sub, push.Message{Payload: []byte("hi"), Padding: push.MaxPayload}); !errors.Is(err, push.ErrPayloadTooLarge) {
			t.Errorf("padding past the limit: %v", err)
		}
	})
	var mu sync.Mutex
	var got *http.Request
	rec := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = r
		mu.Unlock()
		w.WriteHeader(http.StatusCreated)
	}))
	defer rec.Close()
	svc := pushtest.NewServer()
	defer svc.Close()
	keys, _ := push.GenerateVAPIDKeys()
	v, _ := push.ParseVAPIDKeys(keys.Public, keys.Private)
	t.Run("headers and token lifetime", func(t *testing.T) {
		s, err := push.NewSender(v, push.SenderOptions{Subject: "mailto:a@example.com", AllowPrivate: true, TokenLifetime: 2 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		sub := pushtest.NewSubscription(svc)
		sub.Endpoint = rec.URL + "/push/x"
		start := time.Now()
		if _, err := s.Send(context.Background(), sub, push.Message{Header: http.Header{"X-Trace": {"abc"}}}); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		if got.Header.Get("X-Trace") != "abc" {
			t.Errorf("X-Trace = %q", got.Header.Get("X-Trace"))
		}
		if exp := jwtExp(t, got.Header.Get("Authorization")); exp.Before(start.Add(2*time.Hour-time.Minute)) || exp.After(start.Add(2*time.Hour+time.Minute)) {
			t.Errorf("token expires at %v, want 2h from now", exp)
		}
		if _, err := s.Send(context.Background(), sub, push.Message{Header: http.Header{"Ttl": {"9"}}}); err == nil {
			t.Error("a Message.Header setting TTL was accepted")
		}
		if _, err := push.NewSender(v, push.SenderOptions{Subject: "mailto:a@example.com", TokenLifetime: 25 * time.Hour}); err == nil {
			t.Error("a 25 h token lifetime was accepted")
		}
	})
	t.Run("proxy", func(t *testing.T) {
		var proxied atomic.Int32
		proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.IsAbs() {
				proxied.Add(1)
			}
			w.WriteHeader(http.StatusCreated)
		}))
		defer proxy.Close()
		s, err := push.NewSender(v, push.SenderOptions{Subject: "mailto:a@example.com", AllowPrivate: true, Proxy: proxy.URL})
		if err != nil {
			t.Fatal(err)
		}
		sub := pushtest.NewSubscription(svc)
		sub.Endpoint = "http://push.example.test/push/x"
		if _, err := s.Send(context.Background(), sub, push.Message{}); err != nil {
			t.Fatal(err)
		}
		if proxied.Load() != 1 {
			t.Errorf("the proxy saw %d requests, want 1", proxied.Load())
		}
	})
}

func jwtExp(t *testing.T, authorization string) time.Time {
	t.Helper()
	_, rest, _ := strings.Cut(authorization, "t=")
	jwt, _, _ := strings.Cut(rest, ",")
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("Authorization %q: no JWT", authorization)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims struct{ Exp int64 }
	if err := json.Unmarshal(b, &claims); err != nil {
		t.Fatal(err)
	}
	return time.Unix(claims.Exp, 0)
}

func discardLog() *log.Logger { return log.New(io.Discard, "", 0) }

// TestSendAllDeliveryTimeout: push services that accept connections and
// never answer cost SendAll DeliveryTimeout per subscription, not the
// client's 30 s and retries, and the real subscriber is still delivered.
func TestSendAllDeliveryTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, never answered
		}
	}()
	h := newHarness(t, push.SenderOptions{Concurrency: 4, DeliveryTimeout: 200 * time.Millisecond})
	var subs []push.Subscription
	for i := range 8 {
		s := pushtest.NewSubscription(h.srv)
		s.Endpoint = "http://" + ln.Addr().String() + "/push/tarpit-" + strconv.Itoa(i)
		subs = append(subs, s)
	}
	subs = append(subs, pushtest.NewSubscription(h.srv))
	rep := h.sender.SendAll(context.Background(), subs, push.Message{Payload: []byte("x")})
	if rep.Delivered != 1 || rep.Failed != 8 {
		t.Fatalf("report %+v: want 1 delivered, 8 failed", rep)
	}
	for _, err := range rep.Errors {
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error %v: want the delivery's deadline", err)
		}
	}
}
