package pushapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/swkit/swkit/push/pushapi"
	"github.com/swkit/swkit/push/pushtest"
)

// byHeader counts clients by a test header, as a proxy's X-Forwarded-For.
func byHeader(r *http.Request) string { return r.Header.Get("X-Client") }

// TestSubscribeRateLimit: one client cannot flood the store with
// subscriptions; another client is not affected.
func TestSubscribeRateLimit(t *testing.T) {
	e := newEnv(t, openSQLite(t), func(o *pushapi.Options) {
		o.SubscribeLimit = pushapi.RateLimit{Rate: 0.001, Burst: 5}
		o.ClientAddr = byHeader
	})
	post := func(client string) (int, http.Header) {
		status, hdr, _ := e.do(t, "POST", "subscriptions", "application/json", mustJSON(pushtest.NewSubscription(e.pushSvc)), "X-Client", client)
		return status, hdr
	}
	for i := range 5 {
		if status, _ := post("flood"); status != http.StatusCreated {
			t.Fatalf("subscription %d: %d, want 201", i, status)
		}
	}
	status, hdr := post("flood")
	if status != http.StatusTooManyRequests || hdr.Get("Retry-After") == "" {
		t.Errorf("6th subscription: %d, Retry-After %q; want 429 with Retry-After", status, hdr.Get("Retry-After"))
	}
	if status, _ := post("someone else"); status != http.StatusCreated {
		t.Errorf("another client: %d, want 201", status)
	}
	if n := e.count(t); n != 6 {
		t.Errorf("%d stored, want 6", n)
	}
	if !strings.Contains(e.logs.String(), "too many subscription requests from flood") {
		t.Errorf("the flood was not logged: %q", e.logs.String())
	}
}

// TestWrongTokensThrottled: wrong send tokens are logged with the client's
// address and, past the limit, refused with 429 even when the next one is
// right, so guessing gets nowhere; other clients keep sending.
func TestWrongTokensThrottled(t *testing.T) {
	e := newEnv(t, openSQLite(t), func(o *pushapi.Options) {
		o.TokenFailureLimit = pushapi.RateLimit{Rate: 0.001, Burst: 3}
		o.ClientAddr = byHeader
	})
	send := func(client, tok string) int {
		status, _, _ := e.do(t, "POST", "send", "application/json", `{"title":"hi"}`, "Authorization", "Bearer "+tok, "X-Client", client)
		return status
	}
	for i := range 3 {
		if status := send("guesser", "wrong-token-0123456789"); status != http.StatusUnauthorized {
			t.Fatalf("wrong token %d: %d, want 401", i, status)
		}
	}
	if status := send("guesser", "wrong-token-0123456789"); status != http.StatusTooManyRequests {
		t.Errorf("4th wrong token: %d, want 429", status)
	}
	if status := send("guesser", token); status != http.StatusTooManyRequests {
		t.Errorf("the right token from the blocked client: %d, want 429", status)
	}
	if status := send("operator", token); status != http.StatusOK {
		t.Errorf("the right token from another client: %d, want 200", status)
	}
	logs := e.logs.String()
	if strings.Count(logs, "wrong or missing send token from guesser") != 3 || !strings.Contains(logs, "too many wrong send tokens from guesser") {
		t.Errorf("logs %q: want each wrong token and the block", logs)
	}
	if strings.Contains(logs, "wrong-token") {
		t.Error("the log shows the token tried")
	}
}

// TestSubscribeNormalizesEndpoint: twelve spellings of one endpoint are
// stored once; deleting any of them deletes it.
func TestSubscribeNormalizesEndpoint(t *testing.T) {
	e := newEnv(t, openSQLite(t), nil)
	sub := pushtest.NewSubscription(e.pushSvc)
	base := strings.TrimPrefix(sub.Endpoint, "http://127.0.0.1")
	port, path, _ := strings.Cut(strings.TrimPrefix(base, ":"), "/")
	for _, ep := range []string{
		sub.Endpoint,
		sub.Endpoint + "#frag",
		"http://127.0.0.1:" + port + "/./" + path,
		"HTTP://127.0.0.1:" + port + "/" + path,
		"http://127.0.0.1:" + port + "/x/../" + path,
		"http://127.0.0.1:" + port + "/" + path + "#",
	} {
		s := sub
		s.Endpoint = ep
		if status := e.subscribe(t, s); ep != sub.Endpoint && status != http.StatusOK {
			t.Errorf("subscribe %s: %d, want 200 (already stored)", ep, status)
		}
	}
	if n := e.count(t); n != 1 {
		t.Errorf("%d subscriptions stored, want 1", n)
	}
	e.do(t, "DELETE", "subscriptions", "application/json", `{"endpoint":"`+sub.Endpoint+`#frag"}`)
	if n := e.count(t); n != 0 {
		t.Errorf("%d subscriptions after deleting a spelling, want 0", n)
	}
}
