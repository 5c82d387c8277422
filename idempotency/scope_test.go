package idempotency_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/swkit/swkit/idempotency"
	"github.com/swkit/swkit/store"
)

// TestDefaultKeyScopeSeparatesCallers: one key sent by two callers, told
// apart by their Authorization or their Cookie header. The first caller's
// request runs and its repeat is replayed; the second caller, with the same
// key, method, path and body, gets 422 and never the first one's response.
func TestDefaultKeyScopeSeparatesCallers(t *testing.T) {
	for _, header := range []string{"Authorization", "Cookie"} {
		t.Run(header, func(t *testing.T) {
			a := &app{}
			srv := serve(t, openSQLite(t, store.Options{}), idempotency.Options{}, a)
			send := func(credential string) (int, string, bool) {
				t.Helper()
				req, err := http.NewRequest(http.MethodPost, srv.URL+"/api/comments", strings.NewReader("hello"))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set(idempotency.HeaderKey, "shared-key")
				req.Header.Set(header, credential)
				resp, err := srv.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(body), resp.Header.Get(idempotency.HeaderReplayed) == "true"
			}
			alice, bob := "Bearer alice", "Bearer bob"
			if header == "Cookie" {
				alice, bob = "session=alice", "session=bob"
			}
			status, first, _ := send(alice)
			if status != http.StatusCreated {
				t.Fatalf("alice's request: %d %s", status, first)
			}
			if status, body, replayed := send(alice); status != http.StatusCreated || body != first || !replayed {
				t.Errorf("alice's repeat: %d %q replayed=%v, want her first response replayed", status, body, replayed)
			}
			status, body, replayed := send(bob)
			if status != http.StatusUnprocessableEntity || replayed || strings.Contains(body, `"run"`) {
				t.Errorf("bob with alice's key: %d %q replayed=%v, want 422 without alice's response", status, body, replayed)
			}
			if n := a.runs.Load(); n != 1 {
				t.Errorf("the handler ran %d times, want once", n)
			}
		})
	}
}
