package pushapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/swkit/swkit/push/pushapi"
	"github.com/swkit/swkit/push/pushtest"
)

// TestMount serves the API the ways docs/push.md shows and checks that a
// page finds every endpoint under the mount path, and nothing elsewhere.
func TestMount(t *testing.T) {
	tests := []struct {
		name  string
		mount func(h http.Handler) http.Handler
		base  string // the mount path, as swkit.json's push.endpoint says it
		other string // a path that must not reach the API
	}{
		{"default, on a ServeMux", func(h http.Handler) http.Handler {
			mux := http.NewServeMux()
			mux.Handle("/swkit/push/", http.StripPrefix("/swkit/push", h))
			return mux
		}, "/swkit/push/", "/api/notify/public-key"},
		{"custom path, on a ServeMux", func(h http.Handler) http.Handler {
			mux := http.NewServeMux()
			mux.Handle("/api/notify/", http.StripPrefix("/api/notify", h))
			return mux
		}, "/api/notify/", "/swkit/push/public-key"},
		{"StripPrefix with the slash, on a ServeMux", func(h http.Handler) http.Handler {
			mux := http.NewServeMux()
			mux.Handle("/api/notify/", http.StripPrefix("/api/notify/", h))
			return mux
		}, "/api/notify/", "/api/public-key"},
		{"StripPrefix alone", func(h http.Handler) http.Handler {
			return http.StripPrefix("/api/v2/push/", h)
		}, "/api/v2/push/", "/api/v2/push/x/public-key"},
		{"at the root", func(h http.Handler) http.Handler { return h }, "/", "/swkit/push/public-key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, openSQLite(t), nil)
			e.api = httptest.NewServer(tt.mount(e.h))
			t.Cleanup(e.api.Close)
			e.prefix = tt.base

			status, _, body := e.do(t, "GET", "public-key", "", "")
			var pk struct{ PublicKey string }
			if status != http.StatusOK || json.Unmarshal([]byte(body), &pk) != nil || pk.PublicKey != e.keys.Public {
				t.Fatalf("GET %spublic-key: %d %s", tt.base, status, body)
			}
			sub := pushtest.NewSubscription(e.pushSvc)
			if got := e.subscribe(t, sub); got != http.StatusCreated {
				t.Errorf("POST %ssubscriptions: %d, want 201", tt.base, got)
			}
			if status, body := e.send(t, `{"title":"hi"}`); status != http.StatusOK || body != `{"delivered":1,"gone":0,"failed":0}`+"\n" {
				t.Errorf("POST %ssend: %d %s", tt.base, status, body)
			}
			if status, _, body := e.do(t, "DELETE", "subscriptions", "application/json", `{"endpoint":"`+sub.Endpoint+`"}`); status != http.StatusNoContent {
				t.Errorf("DELETE %ssubscriptions: %d %s", tt.base, status, body)
			}
			if got := e.count(t); got != 0 {
				t.Errorf("%d subscriptions stored after the DELETE, want 0", got)
			}
			for _, p := range []string{tt.other, tt.base, tt.base + "public-key/"} {
				if status, _, body := e.do(t, "GET", p, "", ""); status != http.StatusNotFound {
					t.Errorf("GET %s: %d %s, want 404", p, status, body)
				}
			}
		})
	}
}

// TestMountMistake: a Handler mounted without StripPrefix sees full paths,
// which it does not serve; it answers 404 rather than guess.
func TestMountMistake(t *testing.T) {
	e := newEnv(t, openSQLite(t), nil)
	mux := http.NewServeMux()
	mux.Handle(pushapi.DefaultPrefix, e.h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	resp, err := srv.Client().Get(srv.URL + pushapi.DefaultPrefix + "public-key")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET %spublic-key without StripPrefix: %d, want 404", pushapi.DefaultPrefix, resp.StatusCode)
	}
}
