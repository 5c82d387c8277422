package pushapi_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/swkit/swkit/internal/pgtest"
	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/push/pushapi"
	"github.com/swkit/swkit/push/pushtest"
	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/postgres"
	"github.com/swkit/swkit/store/sqlite"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const (
	token   = "test-send-token-0123456789"
	subject = "mailto:ops@example.com"
)

// backends are the stores the API runs on; the main scenario runs on each.
var backends = []struct {
	name string
	open func(t *testing.T) pushapi.Store
}{
	{"sqlite", func(t *testing.T) pushapi.Store { return openSQLite(t) }},
	{"postgres", func(t *testing.T) pushapi.Store {
		t.Helper()
		s, err := postgres.Open(t.Context(), pgtest.DB(t), store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
}

func openSQLite(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "swkit.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// env is the API on 127.0.0.1 in front of a store, sending to a fake push
// service that decrypts what it gets.
type env struct {
	api     *httptest.Server
	prefix  string // where api serves h
	h       *pushapi.Handler
	pushSvc *pushtest.Server
	store   pushapi.Store
	keys    push.VAPIDKeys
	logs    *logBuffer
}

type logBuffer struct {
	mu    sync.Mutex
	lines []string
}

func (l *logBuffer) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func newEnv(t *testing.T, st pushapi.Store, edit func(*pushapi.Options)) *env {
	t.Helper()
	keys, err := push.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	v, err := push.ParseVAPIDKeys(keys.Public, keys.Private)
	if err != nil {
		t.Fatal(err)
	}
	sender, err := push.NewSender(v, push.SenderOptions{Subject: subject, AllowPrivate: true, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	svc := pushtest.NewServer()
	t.Cleanup(svc.Close)
	svc.RequireKey(keys.Public)
	logs := &logBuffer{}
	opts := pushapi.Options{
		Store: st, VAPID: v, Sender: sender, SendToken: token,
		AllowPrivate: true, Logf: logs.logf,
		// The tests of the limits turn them on; the others send many
		// requests from one address.
		SubscribeLimit: pushapi.RateLimit{Rate: -1}, TokenFailureLimit: pushapi.RateLimit{Rate: -1},
	}
	if edit != nil {
		edit(&opts)
	}
	h, err := pushapi.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(pushapi.DefaultPrefix, http.StripPrefix("/swkit/push", h))
	api := httptest.NewServer(mux)
	t.Cleanup(api.Close)
	return &env{api: api, prefix: pushapi.DefaultPrefix, h: h, pushSvc: svc, store: st, keys: keys, logs: logs}
}

// do sends a request to the API and returns the status, headers and body.
// A path without a leading slash is relative to e.prefix.
func (e *env) do(t *testing.T, method, path, contentType, body string, header ...string) (int, http.Header, string) {
	t.Helper()
	if !strings.HasPrefix(path, "/") {
		path = e.prefix + path
	}
	req, err := http.NewRequestWithContext(t.Context(), method, e.api.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := e.api.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

func (e *env) subscribe(t *testing.T, sub push.Subscription) int {
	t.Helper()
	b, err := json.Marshal(sub)
	if err != nil {
		t.Fatal(err)
	}
	status, _, body := e.do(t, "POST", "subscriptions", "application/json", string(b))
	if status != http.StatusCreated && status != http.StatusOK {
		t.Fatalf("subscribe: status %d, body %s", status, body)
	}
	return status
}

func (e *env) send(t *testing.T, body string) (int, string) {
	t.Helper()
	status, _, resp := e.do(t, "POST", "send", "application/json", body, "Authorization", "Bearer "+token)
	return status, resp
}

// count returns how many subscriptions are stored (up to a thousand).
func (e *env) count(t *testing.T) int64 {
	t.Helper()
	page, err := e.store.Subscriptions(t.Context(), "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	return int64(len(page))
}

// TestSubscribeAndSend is the whole path on each backend: a page fetches the
// key and subscribes, an operator sends, and the push service decrypts the
// notification JSON the worker will show.
func TestSubscribeAndSend(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			e := newEnv(t, b.open(t), nil)

			status, hdr, body := e.do(t, "GET", "public-key", "", "")
			if status != http.StatusOK {
				t.Fatalf("GET public-key: status %d", status)
			}
			var pk struct{ PublicKey string }
			if err := json.Unmarshal([]byte(body), &pk); err != nil || pk.PublicKey != e.keys.Public {
				t.Fatalf("GET public-key: body %s (err %v), want publicKey %s", body, err, e.keys.Public)
			}
			if got := hdr.Get("Cache-Control"); got != "no-cache" {
				t.Errorf("public-key Cache-Control = %q, want no-cache", got)
			}
			if got := hdr.Get("Content-Type"); got != "application/json" {
				t.Errorf("public-key Content-Type = %q", got)
			}

			sub := pushtest.NewSubscription(e.pushSvc)
			if got := e.subscribe(t, sub); got != http.StatusCreated {
				t.Errorf("first subscribe: status %d, want 201", got)
			}
			if got := e.subscribe(t, sub); got != http.StatusOK {
				t.Errorf("second subscribe: status %d, want 200", got)
			}
			if got := e.count(t); got != 1 {
				t.Fatalf("%d subscriptions stored, want 1", got)
			}

			status, resp := e.send(t, `{"title":"A new cat","body":"Number 3","url":"/?cat=3","icon":"/icon.png",
				"tag":"cat","actions":[{"action":"open","title":"Look"}],"data":{"n":3},
				"ttl":60,"urgency":"high","topic":"cats"}`)
			if status != http.StatusOK || resp != `{"delivered":1,"gone":0,"failed":0}`+"\n" {
				t.Fatalf("send: status %d, body %s", status, resp)
			}
			msgs := e.pushSvc.Messages()
			if len(msgs) != 1 {
				t.Fatalf("push service got %d messages, want 1 (rejections: %v)", len(msgs), e.pushSvc.Rejections())
			}
			m := msgs[0]
			want := `{"title":"A new cat","body":"Number 3","url":"/?cat=3","icon":"/icon.png","tag":"cat","actions":[{"action":"open","title":"Look"}],"data":{"n":3}}`
			if string(m.Plaintext) != want {
				t.Errorf("decrypted payload:\n got %s\nwant %s", m.Plaintext, want)
			}
			if m.TTL != 60 || m.Urgency != "high" || m.Topic != "cats" {
				t.Errorf("headers: TTL %d, Urgency %q, Topic %q; want 60, high, cats", m.TTL, m.Urgency, m.Topic)
			}
			if m.Subject != subject || m.VAPIDKey != e.keys.Public {
				t.Errorf("VAPID: sub %q key %q; want %q %q", m.Subject, m.VAPIDKey, subject, e.keys.Public)
			}
			if m.Endpoint != sub.Endpoint {
				t.Errorf("delivered to %q, want %q", m.Endpoint, sub.Endpoint)
			}

			status, _, body = e.do(t, "DELETE", "subscriptions", "application/json", `{"endpoint":"`+sub.Endpoint+`"}`)
			if status != http.StatusNoContent || body != "" {
				t.Errorf("unsubscribe: status %d body %q, want 204 and nothing", status, body)
			}
			if got := e.count(t); got != 0 {
				t.Errorf("%d subscriptions after unsubscribe, want 0", got)
			}
		})
	}
}

func TestGoneSubscriptionsAreDeleted(t *testing.T) {
	for _, status := range []int{http.StatusGone, http.StatusNotFound} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			e := newEnv(t, openSQLite(t), nil)
			live, gone := pushtest.NewSubscription(e.pushSvc), pushtest.NewSubscription(e.pushSvc)
			e.subscribe(t, live)
			e.subscribe(t, gone)
			e.pushSvc.Respond(gone.Endpoint, pushtest.Response{Status: status})

			if st, body := e.send(t, `{"title":"hi"}`); body != `{"delivered":1,"gone":1,"failed":0}`+"\n" {
				t.Fatalf("send: status %d body %s", st, body)
			}
			if got := e.count(t); got != 1 {
				t.Errorf("%d subscriptions left, want 1 (the gone one deleted)", got)
			}
			if _, body := e.send(t, `{"title":"again"}`); body != `{"delivered":1,"gone":0,"failed":0}`+"\n" {
				t.Errorf("second send: %s", body)
			}
		})
	}
}

func TestSendCountsFailures(t *testing.T) {
	e := newEnv(t, openSQLite(t), nil)
	ok, bad := pushtest.NewSubscription(e.pushSvc), pushtest.NewSubscription(e.pushSvc)
	e.subscribe(t, ok)
	e.subscribe(t, bad)
	e.pushSvc.Respond(bad.Endpoint, pushtest.Response{Status: http.StatusBadRequest, Body: "nope"})

	rep, err := e.h.Send(t.Context(), pushapi.Notification{Title: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Delivered != 1 || rep.Gone != 0 || rep.Failed != 1 || len(rep.Errors) != 1 {
		t.Errorf("report %+v, want 1 delivered, 1 failed with its error", rep)
	}
	if got := e.count(t); got != 2 {
		t.Errorf("%d subscriptions, want 2: a failure is not a reason to delete", got)
	}
	if !strings.Contains(e.logs.String(), "failed 1") {
		t.Errorf("log does not mention the failure: %q", e.logs.String())
	}
}

// TestSendPagesThroughStore sends to more subscriptions than one batch, with
// gone ones deleted between pages.
func TestSendPagesThroughStore(t *testing.T) {
	pushapi.SetSendBatch(t, 3)
	e := newEnv(t, openSQLite(t), nil)
	var subs []push.Subscription
	for i := range 10 {
		s := pushtest.NewSubscription(e.pushSvc)
		subs = append(subs, s)
		e.subscribe(t, s)
		if i%3 == 0 {
			e.pushSvc.Respond(s.Endpoint, pushtest.Response{Status: http.StatusGone})
		}
	}
	rep, err := e.h.Send(t.Context(), pushapi.Notification{Title: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Delivered != 6 || rep.Gone != 4 || rep.Failed != 0 {
		t.Errorf("report %+v, want 6 delivered, 4 gone", rep)
	}
	if got := e.count(t); got != 6 {
		t.Errorf("%d subscriptions left, want 6", got)
	}
	if got := e.pushSvc.Requests(); got != 10 {
		t.Errorf("push service got %d requests, want 10 (each subscription once)", got)
	}
}

func TestSubscribeRejectsBadInput(t *testing.T) {
	e := newEnv(t, openSQLite(t), func(o *pushapi.Options) { o.AllowPrivate = false })
	good := pushtest.NewSubscription(e.pushSvc)
	withEndpoint := func(ep string) string {
		return fmt.Sprintf(`{"endpoint":%q,"keys":{"p256dh":%q,"auth":%q}}`, ep, good.Keys.P256dh, good.Keys.Auth)
	}
	tests := []struct {
		name, body, wantField string
	}{
		{"not JSON", `{"endpoint":`, "body"},
		{"array", `[1,2]`, "body"},
		{"endpoint a number", `{"endpoint":42}`, "endpoint"},
		{"keys a string", `{"endpoint":"https://push.example.com/x","keys":"k"}`, "keys"},
		{"p256dh a number", `{"endpoint":"https://push.example.com/x","keys":{"p256dh":1,"auth":"x"}}`, "keys.p256dh"},
		{"no endpoint", `{"keys":{"p256dh":"x","auth":"y"}}`, "endpoint"},
		{"no keys", `{"endpoint":"https://push.example.com/x"}`, "keys.p256dh"},
		{"no auth", fmt.Sprintf(`{"endpoint":"https://push.example.com/x","keys":{"p256dh":%q}}`, good.Keys.P256dh), "keys.auth"},
		{"p256dh not a point", fmt.Sprintf(`{"endpoint":"https://push.example.com/x","keys":{"p256dh":"AAAA","auth":%q}}`, good.Keys.Auth), "keys.p256dh"},
		{"auth too short", fmt.Sprintf(`{"endpoint":"https://push.example.com/x","keys":{"p256dh":%q,"auth":"AAAA"}}`, good.Keys.P256dh), "keys.auth"},
		{"http public host", withEndpoint("http://push.example.com/x"), "endpoint"},
		{"ftp", withEndpoint("ftp://push.example.com/x"), "endpoint"},
		{"relative", withEndpoint("/push/x"), "endpoint"},
		{"loopback (the fake service)", withEndpoint(good.Endpoint), "endpoint"},
		{"https loopback", withEndpoint("https://127.0.0.1/push/x"), "endpoint"},
		{"localhost", withEndpoint("https://localhost/push/x"), "endpoint"},
		{"10/8", withEndpoint("https://10.1.2.3/push/x"), "endpoint"},
		{"192.168/16", withEndpoint("https://192.168.0.1/push/x"), "endpoint"},
		{"172.16/12", withEndpoint("https://172.16.5.5/push/x"), "endpoint"},
		{"link-local", withEndpoint("https://169.254.169.254/latest/meta-data"), "endpoint"},
		{"IPv6 ULA", withEndpoint("https://[fd00::1]/push/x"), "endpoint"},
		{"IPv6 loopback", withEndpoint("https://[::1]/push/x"), "endpoint"},
		{"user info", withEndpoint("https://u:p@push.example.com/x"), "endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := e.do(t, "POST", "subscriptions", "application/json", tt.body)
			if status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400; body %s", status, body)
			}
			var resp struct{ Error string }
			if err := json.Unmarshal([]byte(body), &resp); err != nil {
				t.Fatalf("error body %q is not JSON: %v", body, err)
			}
			if !strings.HasPrefix(resp.Error, tt.wantField+":") {
				t.Errorf("error %q does not start with the field %q", resp.Error, tt.wantField+":")
			}
			if strings.Contains(resp.Error, "Go struct") || strings.Contains(resp.Error, "push.") {
				t.Errorf("error %q shows Go internals", resp.Error)
			}
		})
	}
	if got := e.count(t); got != 0 {
		t.Errorf("%d subscriptions stored from bad input", got)
	}

	// The same public https endpoint is accepted.
	if got := e.subscribe(t, mustParse(t, withEndpoint("https://fcm.googleapis.com/fcm/send/abc"))); got != http.StatusCreated {
		t.Errorf("public https endpoint: status %d, want 201", got)
	}
}

func mustParse(t *testing.T, body string) push.Subscription {
	t.Helper()
	s, err := push.ParseSubscription([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRequestChecks(t *testing.T) {
	e := newEnv(t, openSQLite(t), nil)
	sub := pushtest.NewSubscription(e.pushSvc)
	subJSON, _ := json.Marshal(sub)
	big := `{"endpoint":"` + strings.Repeat("a", pushapi.DefaultMaxBodyBytes) + `"}`
	auth := []string{"Authorization", "Bearer " + token}
	tests := []struct {
		name, method, path, contentType, body string
		header                                []string
		wantStatus                            int
		wantAllow                             string
	}{
		{"subscribe text/plain", "POST", "subscriptions", "text/plain", string(subJSON), nil, 415, ""},
		{"subscribe form", "POST", "subscriptions", "application/x-www-form-urlencoded", "endpoint=x", nil, 415, ""},
		{"subscribe no type", "POST", "subscriptions", "", string(subJSON), nil, 415, ""},
		{"subscribe json with charset", "POST", "subscriptions", "application/json; charset=utf-8", string(subJSON), nil, 201, ""},
		{"subscribe too large", "POST", "subscriptions", "application/json", big, nil, 413, ""},
		{"unsubscribe too large", "DELETE", "subscriptions", "application/json", big, nil, 413, ""},
		{"send too large", "POST", "send", "application/json", big, auth, 413, ""},
		{"send text/plain", "POST", "send", "text/plain", `{"title":"x"}`, auth, 415, ""},
		{"GET subscriptions", "GET", "subscriptions", "", "", nil, 405, "POST, DELETE"},
		{"PUT subscriptions", "PUT", "subscriptions", "application/json", string(subJSON), nil, 405, "POST, DELETE"},
		{"POST public-key", "POST", "public-key", "application/json", "{}", nil, 405, "GET, HEAD"},
		{"GET send", "GET", "send", "", "", auth, 405, "POST"},
		{"HEAD public-key", "HEAD", "public-key", "", "", nil, 200, ""},
		{"unknown path", "GET", "nothing", "", "", nil, 404, ""},
		{"unsubscribe unknown", "DELETE", "subscriptions", "application/json", `{"endpoint":"https://push.example.com/never"}`, nil, 204, ""},
		{"unsubscribe no endpoint", "DELETE", "subscriptions", "application/json", `{}`, nil, 400, ""},
		{"unsubscribe endpoint number", "DELETE", "subscriptions", "application/json", `{"endpoint":1}`, nil, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, hdr, body := e.do(t, tt.method, tt.path, tt.contentType, tt.body, tt.header...)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %s", status, tt.wantStatus, body)
			}
			if got := hdr.Get("Allow"); got != tt.wantAllow {
				t.Errorf("Allow = %q, want %q", got, tt.wantAllow)
			}
			if status >= 400 {
				if ct := hdr.Get("Content-Type"); ct != "application/json" {
					t.Errorf("error Content-Type %q", ct)
				}
				if !strings.HasPrefix(body, `{"error":"`) {
					t.Errorf("error body %q, want {\"error\": ...}", body)
				}
			}
		})
	}
}

func TestMaxBodyBytesOption(t *testing.T) {
	e := newEnv(t, openSQLite(t), func(o *pushapi.Options) { o.MaxBodyBytes = 64 })
	sub := pushtest.NewSubscription(e.pushSvc)
	b, _ := json.Marshal(sub) // about 250 bytes
	if status, _, body := e.do(t, "POST", "subscriptions", "application/json", string(b)); status != 413 {
		t.Errorf("status %d body %s, want 413", status, body)
	}
}

// TestSendAuth: every wrong token gets the same answer, so none tells a
// caller it came closer; only the right one sends.
func TestSendAuth(t *testing.T) {
	e := newEnv(t, openSQLite(t), nil)
	e.subscribe(t, pushtest.NewSubscription(e.pushSvc))
	const body = `{"title":"hi"}`
	wrongs := map[string][]string{
		"no header":          nil,
		"empty bearer":       {"Authorization", "Bearer "},
		"wrong same length":  {"Authorization", "Bearer " + strings.Repeat("x", len(token))},
		"prefix of token":    {"Authorization", "Bearer " + token[:len(token)-1]},
		"token plus more":    {"Authorization", "Bearer " + token + "x"},
		"basic scheme":       {"Authorization", "Basic " + token},
		"token without type": {"Authorization", token},
	}
	var first string
	for name, hdr := range wrongs {
		t.Run(name, func(t *testing.T) {
			status, h, resp := e.do(t, "POST", "send", "application/json", body, hdr...)
			got := fmt.Sprintf("%d %s %s", status, h.Get("WWW-Authenticate"), resp)
			if status != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", status)
			}
			if first == "" {
				first = got
			} else if got != first {
				t.Errorf("response %q differs from another wrong token's %q", got, first)
			}
		})
	}
	if n := e.pushSvc.Requests(); n != 0 {
		t.Fatalf("push service got %d requests from unauthorized sends", n)
	}
	status, _, resp := e.do(t, "POST", "send", "application/json", body, "Authorization", "bearer "+token)
	if status != http.StatusOK || !strings.Contains(resp, `"delivered":1`) {
		t.Errorf("right token (lower-case scheme): status %d body %s", status, resp)
	}
}

func TestSendDisabledWithoutToken(t *testing.T) {
	e := newEnv(t, openSQLite(t), func(o *pushapi.Options) { o.SendToken = "" })
	for _, method := range []string{"POST", "GET"} {
		status, _, _ := e.do(t, method, "send", "application/json", `{"title":"x"}`, "Authorization", "Bearer ")
		if status != http.StatusNotFound {
			t.Errorf("%s send without a configured token: status %d, want 404", method, status)
		}
	}
	// Handler.Send still works for Go callers.
	e.subscribe(t, pushtest.NewSubscription(e.pushSvc))
	if rep, err := e.h.Send(t.Context(), pushapi.Notification{Title: "x"}); err != nil || rep.Delivered != 1 {
		t.Errorf("Handler.Send: %+v, %v", rep, err)
	}
}

func TestSendRejectsBadNotifications(t *testing.T) {
	e := newEnv(t, openSQLite(t), nil)
	e.subscribe(t, pushtest.NewSubscription(e.pushSvc))
	tests := []struct{ name, body, wantError string }{
		{"no title", `{"body":"b"}`, "title: required"},
		{"blank title", `{"title":"  "}`, "title: required"},
		{"title a number", `{"title":1}`, "title: want a string"},
		{"ttl a string", `{"title":"t","ttl":"1h"}`, "ttl: want an integer"},
		{"negative ttl", `{"title":"t","ttl":-1}`, "ttl: want 0 or more seconds"},
		{"huge ttl", `{"title":"t","ttl":99999999999999}`, "ttl: at most 31536000 seconds"},
		{"urgency", `{"title":"t","urgency":"now"}`, "urgency: want very-low, low, normal or high"},
		{"long topic", `{"title":"t","topic":"` + strings.Repeat("a", 33) + `"}`, "topic: at most 32 characters"},
		{"topic alphabet", `{"title":"t","topic":"a b"}`, "topic: only letters, digits, - and _"},
		{"javascript url", `{"title":"t","url":"javascript:alert(1)"}`, `url: scheme "javascript" not allowed: use a relative or http(s) URL`},
		{"data url icon", `{"title":"t","icon":"data:image/png;base64,AAAA"}`, `icon: scheme "data" not allowed: use a relative or http(s) URL`},
		{"action without title", `{"title":"t","actions":[{"action":"a"}]}`, "actions[0].title: required"},
		{"actions an object", `{"title":"t","actions":{}}`, "actions: want an array"},
		{"not JSON", `title=t`, "body: not valid JSON (at byte 2)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, resp := e.send(t, tt.body)
			want := fmt.Sprintf(`{"error":%q}`, tt.wantError) + "\n"
			if status != http.StatusBadRequest || resp != want {
				t.Errorf("status %d body %s, want 400 %s", status, resp, want)
			}
		})
	}
	if n := e.pushSvc.Requests(); n != 0 {
		t.Errorf("push service got %d requests for bad notifications", n)
	}
}

// TestPayloadTooLarge: RFC 8291 leaves 3993 bytes of plaintext; a larger
// notification is refused before any request, over HTTP and in Go.
func TestPayloadTooLarge(t *testing.T) {
	e := newEnv(t, openSQLite(t), nil)
	e.subscribe(t, pushtest.NewSubscription(e.pushSvc))
	body := strings.Repeat("b", push.MaxPayload)
	status, resp := e.send(t, `{"title":"t","body":"`+body+`"}`)
	if status != http.StatusRequestEntityTooLarge || !strings.Contains(resp, "3993 bytes") {
		t.Errorf("status %d body %s, want 413 naming the 3993-byte limit", status, resp)
	}
	_, err := e.h.Send(t.Context(), pushapi.Notification{Title: "t", Body: body})
	if !errors.Is(err, push.ErrPayloadTooLarge) {
		t.Errorf("Handler.Send error %v, want push.ErrPayloadTooLarge", err)
	}
	if n := e.pushSvc.Requests(); n != 0 {
		t.Errorf("push service got %d requests", n)
	}

	// Just under the limit goes through.
	n := pushapi.Notification{Title: "t"}
	overhead, _ := n.Payload()
	n.Body = strings.Repeat("b", push.MaxPayload-len(overhead)-len(`,"body":""`))
	if p, err := n.Payload(); err != nil || len(p) != push.MaxPayload {
		t.Fatalf("payload of %d bytes, err %v; want exactly %d", len(p), err, push.MaxPayload)
	}
	if rep, err := e.h.Send(t.Context(), n); err != nil || rep.Delivered != 1 {
		t.Errorf("send at the limit: %+v, %v", rep, err)
	}
}

func TestSendTTL(t *testing.T) {
	e := newEnv(t, openSQLite(t), nil)
	e.subscribe(t, pushtest.NewSubscription(e.pushSvc))
	for _, tt := range []struct {
		body string
		want int
	}{
		{`{"title":"t"}`, int(push.DefaultTTL.Seconds())},
		{`{"title":"t","ttl":0}`, 0},
		{`{"title":"t","ttl":3600}`, 3600},
	} {
		before := len(e.pushSvc.Messages())
		if status, resp := e.send(t, tt.body); status != 200 {
			t.Fatalf("%s: status %d %s", tt.body, status, resp)
		}
		msgs := e.pushSvc.Messages()
		if len(msgs) != before+1 || msgs[before].TTL != tt.want {
			t.Errorf("%s: TTL header %d, want %d", tt.body, msgs[len(msgs)-1].TTL, tt.want)
		}
	}
}

func TestConcurrentSubscribes(t *testing.T) {
	e := newEnv(t, openSQLite(t), nil)
	subs := make([]push.Subscription, 20)
	for i := range subs {
		subs[i] = pushtest.NewSubscription(e.pushSvc)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 3*len(subs))
	for range 3 { // each subscription three times at once
		for _, s := range subs {
			wg.Go(func() {
				b, _ := json.Marshal(s)
				resp, err := e.api.Client().Post(e.api.URL+pushapi.DefaultPrefix+"subscriptions", "application/json", bytes.NewReader(b))
				if err != nil {
					errs <- err
					return
				}
				resp.Body.Close()
				if resp.StatusCode != 201 && resp.StatusCode != 200 {
					errs <- fmt.Errorf("status %d", resp.StatusCode)
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := e.count(t); got != int64(len(subs)) {
		t.Errorf("%d subscriptions stored, want %d", got, len(subs))
	}
	if rep, err := e.h.Send(t.Context(), pushapi.Notification{Title: "all"}); err != nil || rep.Delivered != len(subs) {
		t.Errorf("send: %+v, %v", rep, err)
	}
}

// TestStoreErrorsStayInternal: a broken store gives 500 "internal error";
// the cause goes to the log only.
func TestStoreErrorsStayInternal(t *testing.T) {
	st := openSQLite(t)
	e := newEnv(t, st, nil)
	sub := pushtest.NewSubscription(e.pushSvc)
	st.Close()
	b, _ := json.Marshal(sub)
	for _, tt := range []struct{ method, path, body string }{
		{"POST", "subscriptions", string(b)},
		{"DELETE", "subscriptions", `{"endpoint":"https://push.example.com/x"}`},
		{"POST", "send", `{"title":"t"}`},
	} {
		status, _, body := e.do(t, tt.method, tt.path, "application/json", tt.body, "Authorization", "Bearer "+token)
		if status != 500 || body != `{"error":"internal error"}`+"\n" {
			t.Errorf("%s %s: status %d body %s, want 500 internal error", tt.method, tt.path, status, body)
		}
	}
	if logs := e.logs.String(); !strings.Contains(logs, "pushapi: store subscription") || !strings.Contains(logs, "pushapi: send") {
		t.Errorf("the causes were not logged: %q", logs)
	}
}

func TestNewChecksOptions(t *testing.T) {
	keys, _ := push.GenerateVAPIDKeys()
	v, _ := push.ParseVAPIDKeys(keys.Public, keys.Private)
	s, _ := push.NewSender(v, push.SenderOptions{Subject: subject})
	st := openSQLite(t)
	tests := []struct {
		name         string
		opts         pushapi.Options
		option, want string
	}{
		{"no store", pushapi.Options{VAPID: v, Sender: s}, "Store", "pushapi: Options.Store: required"},
		{"no vapid", pushapi.Options{Store: st, Sender: s}, "VAPID", "pushapi: Options.VAPID: required"},
		{"no sender", pushapi.Options{Store: st, VAPID: v}, "Sender", "pushapi: Options.Sender: required"},
		{"short token", pushapi.Options{Store: st, VAPID: v, Sender: s, SendToken: "secret"}, "SendToken", "pushapi: Options.SendToken: at least 16 characters, got 6"},
		{"negative limit", pushapi.Options{Store: st, VAPID: v, Sender: s, MaxBodyBytes: -1}, "MaxBodyBytes", "pushapi: Options.MaxBodyBytes: negative (-1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := pushapi.New(tt.opts)
			oe, ok := errors.AsType[*pushapi.OptionError](err)
			if !ok || oe.Option != tt.option || err.Error() != tt.want {
				t.Errorf("error %v, want an *OptionError for %s: %q", err, tt.option, tt.want)
			}
		})
	}
}
