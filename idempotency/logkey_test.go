package idempotency_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/swkit/swkit/idempotency"
	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/storetest"
)

// TestKeysNotLogged provokes every line the middleware logs (a 5xx that
// releases the key, a response too large to keep, a lost lease, a store
// that fails) and checks that none holds the key itself, only its
// reference, key# and 8 hex digits of its SHA-256: a key lets whoever
// holds it (with the request) have the stored response replayed.
func TestKeysNotLogged(t *testing.T) {
	const key = "8e03978e-40d5-43e8-bc93-6894a57f9324"
	sum := sha256.Sum256([]byte(key))
	ref := "key#" + hex.EncodeToString(sum[:4])
	var mu sync.Mutex
	var logs strings.Builder
	logf := func(f string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(&logs, f+"\n", args...)
	}
	clock := storetest.NewClock()
	s := openSQLite(t, store.Options{Now: clock.Now, Lease: time.Second})
	a := &app{}
	srv := serve(t, s, idempotency.Options{Logf: logf, MaxStoredResponseBytes: 1024}, a)
	for _, path := range []string{"/flaky", "/big"} {
		call{path: path, key: key, body: "x"}.do(t, srv)
	}
	// A handler that outlives its lease: a repeat takes the key over.
	var h http.Handler
	slow := true
	h = idempotency.Middleware(s, idempotency.Options{Logf: logf})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if slow {
			slow = false
			clock.Advance(2 * time.Second)
			h.ServeHTTP(httptest.NewRecorder(), newKeyed(key+"-lease"))
		}
	}))
	h.ServeHTTP(httptest.NewRecorder(), newKeyed(key+"-lease"))
	// The store fails.
	s.Close()
	call{path: "/api", key: key, body: "x"}.do(t, srv)

	mu.Lock()
	defer mu.Unlock()
	out := logs.String()
	for _, want := range []string{ref + " released", "lease lost", "closed"} {
		if !strings.Contains(out, want) {
			t.Errorf("no log line with %q, so the test does not cover it; logs:\n%s", want, out)
		}
	}
	if strings.Contains(out, key) {
		t.Errorf("a key is logged:\n%s", out)
	}
}
