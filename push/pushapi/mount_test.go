package pushapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
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
			srv := httptest.NewServer(tt.mount(e.h))
			t.Cleanup(srv.Close)
			do := func(method, path, body string) (int, string) {
				t.Helper()
				req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := srv.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, err := io.ReadAll(resp.Body)
				if err != nil {
					t.Fatal(err)
				}
				return resp.StatusCode, string(b)
			}

			status, body := do("GET", tt.base+"public-key", "")
			var pk struct{ PublicKey string }
			if status != http.StatusOK || json.Unmarshal([]byte(body), &pk) != nil || pk.PublicKey != e.keys.Public {
				t.Fatalf("GET %spublic-key: %d %s", tt.base, status, body)
			}
			sub := pushtest.NewSubscription(e.pushSvc)
			subJSON, _ := json.Marshal(sub)
			if status, body := do("POST", tt.base+"subscriptions", string(subJSON)); status != http.StatusCreated {
				t.Fatalf("POST %ssubscriptions: %d %s", tt.base, status, body)
			}
			if status, body := do("POST", tt.base+"send", `{"title":"hi"}`); status != http.StatusOK || body != `{"delivered":1,"gone":0,"failed":0}`+"\n" {
				t.Errorf("POST %ssend: %d %s", tt.base, status, body)
			}
			if status, body := do("DELETE", tt.base+"subscriptions", `{"endpoint":"`+sub.Endpoint+`"}`); status != http.StatusNoContent {
				t.Errorf("DELETE %ssubscriptions: %d %s", tt.base, status, body)
			}
			if got := e.count(t); got != 0 {
				t.Errorf("%d subscriptions stored after the DELETE, want 0", got)
			}
			for _, p := range []string{tt.other, tt.base, tt.base + "public-key/"} {
				if status, body := do("GET", p, ""); status != http.StatusNotFound {
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
