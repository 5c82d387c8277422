package idempotency_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/swkit/swkit/idempotency"
	"github.com/swkit/swkit/store"
)

// FuzzMiddleware sends random keys, methods and bodies, each as a burst of
// concurrent duplicates, through the middleware to one store for the whole
// run. It checks that the middleware itself never answers 5xx, that the
// handler never runs twice for one key and request, and that every answer
// for a key and request is the first one. Run it longer with
//
//	go test -run '^$' -fuzz FuzzMiddleware -fuzztime 30s ./idempotency
func FuzzMiddleware(f *testing.F) {
	f.Add("8e03978e-40d5-43e8-bc93-6894a57f9324", uint8(0), []byte(`{"vote":1}`), uint8(0), uint8(4))
	f.Add(`"quoted"`, uint8(1), []byte("x"), uint8(1), uint8(1))
	f.Add("quoted", uint8(1), []byte("x"), uint8(1), uint8(1))
	f.Add("", uint8(0), []byte("no key"), uint8(2), uint8(2))
	f.Add("bad key", uint8(2), []byte{}, uint8(0), uint8(3))
	f.Add("k", uint8(4), []byte("GET"), uint8(0), uint8(2))
	f.Add("k", uint8(0), []byte(strings.Repeat("big", 30)), uint8(0), uint8(2))
	f.Add(strings.Repeat("k", 255), uint8(3), []byte{0, 1, 2}, uint8(3), uint8(7))

	methods := []string{"POST", "PUT", "PATCH", "DELETE", "GET", "HEAD", "OPTIONS"}
	ctypes := []string{"", "application/json", "text/plain", "application/x-www-form-urlencoded"}
	handlerStatuses := []int{200, 201, 202, 204, 404, 410}
	middlewareStatuses := []int{400, 409, 413, 422}

	s := openSQLite(f, store.Options{})
	var mu sync.Mutex
	runs := map[string]int{}       // handler runs per (key, request)
	answers := map[string]string{} // the first answer per (key, request)
	var serial atomic.Int64

	// request identifies a (key, request) the middleware must apply once;
	// ok is false for requests it lets through.
	request := func(r *http.Request, body []byte) (string, bool) {
		key, ok, err := idempotency.ParseKey(r.Header.Values(idempotency.HeaderKey))
		if !ok || err != nil || !slices.Contains(idempotency.DefaultMethods, r.Method) {
			return "", false
		}
		return fmt.Sprintf("%q %s %s %q %q", key, r.Method, r.URL.Path, r.Header.Get("Content-Type"), body), true
	}
	h := idempotency.Middleware(s, idempotency.Options{
		Wait:         50 * time.Millisecond,
		MaxBodyBytes: 64,
		Logf:         func(string, ...any) {},
	})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			panic(err)
		}
		if id, ok := request(r, body); ok {
			mu.Lock()
			runs[id]++
			mu.Unlock()
		}
		n := serial.Add(1) // every run answers differently: a replay shows
		status := handlerStatuses[int(n)%len(handlerStatuses)]
		if len(body) > 0 {
			status = handlerStatuses[int(body[0])%len(handlerStatuses)]
		}
		w.Header().Set("X-Run", fmt.Sprint(n))
		w.WriteHeader(status)
		fmt.Fprintf(w, "run %d: %q", n, body)
	}))

	f.Fuzz(func(t *testing.T, key string, method uint8, body []byte, ctype uint8, dupes uint8) {
		n := 1 + int(dupes%8)
		type answer struct {
			status int
			text   string
			id     string
			keyed  bool
		}
		got := make([]answer, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				r := httptest.NewRequest(methods[int(method)%len(methods)], "/api", strings.NewReader(string(body)))
				if key != "" {
					r.Header[idempotency.HeaderKey] = []string{key}
				}
				if c := ctypes[int(ctype)%len(ctypes)]; c != "" {
					r.Header.Set("Content-Type", c)
				}
				id, keyed := request(r, body)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				got[i] = answer{w.Code, fmt.Sprintf("%d %s %s", w.Code, w.Header().Get("X-Run"), w.Body), id, keyed}
			})
		}
		wg.Wait()

		mu.Lock()
		defer mu.Unlock()
		for _, a := range got {
			if a.status >= 500 {
				t.Fatalf("the middleware answered %s", a.text)
			}
			if !a.keyed || slices.Contains(middlewareStatuses, a.status) {
				continue
			}
			if runs[a.id] > 1 {
				t.Fatalf("handler ran %d times for %s", runs[a.id], a.id)
			}
			if first, ok := answers[a.id]; !ok {
				answers[a.id] = a.text
			} else if a.text != first {
				t.Fatalf("%s: answered %q, first answer was %q", a.id, a.text, first)
			}
		}
	})
}
