package idempotency_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/swkit/swkit/idempotency"
	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/sqlite"
	"github.com/swkit/swkit/store/storetest"
)

// openSQLite opens a store on a new SQLite file in t.TempDir().
func openSQLite(t testing.TB, opts store.Options) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "swkit.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// app is the handler behind the middleware in the tests. It counts its
// runs, and its responses differ from run to run, so that a replay can be
// told from a second run.
type app struct {
	runs    atomic.Int64 // handler invocations
	applied atomic.Int64 // successful writes
	flaky   atomic.Int64
	delay   time.Duration
}

func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	run := a.runs.Add(1)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	time.Sleep(a.delay)
	switch r.URL.Path {
	case "/flaky": // fails once, applying nothing, then works
		if a.flaky.Add(1) == 1 {
			http.Error(w, "database is down", http.StatusInternalServerError)
			return
		}
	case "/bad":
		http.Error(w, "no such cat", http.StatusNotFound)
		return
	case "/big":
		a.applied.Add(1)
		w.Write([]byte(strings.Repeat("x", 2048)))
		return
	}
	a.applied.Add(1)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Location", fmt.Sprintf("/api/comments/%d", run))
	h.Add("X-Multi", "one")
	h.Add("X-Multi", "two")
	h.Set("Set-Cookie", fmt.Sprintf("last=%d; Path=/", run))
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, `{"run":%d,"body":%q}`, run, body)
}

// call is one request to the test server. key "" sends no Idempotency-Key.
type call struct {
	method, path, key, body, ctype string
}

type result struct {
	status int
	header http.Header
	body   string
}

func (c call) do(t testing.TB, srv *httptest.Server) result {
	t.Helper()
	return c.send(t, srv.Client(), srv.URL)
}

// send sends the call to the server at base (http://host:port).
func (c call) send(t testing.TB, client *http.Client, base string) result {
	t.Helper()
	method := c.method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequest(method, base+c.path, strings.NewReader(c.body))
	if err != nil {
		t.Error(err)
		return result{}
	}
	if c.key != "" {
		req.Header.Set(idempotency.HeaderKey, c.key)
	}
	if c.ctype != "" {
		req.Header.Set("Content-Type", c.ctype)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Error(err) // not Fatal: send runs in goroutines
		return result{}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Error(err)
	}
	return result{resp.StatusCode, resp.Header, string(b)}
}

func (r result) replayed() bool { return r.header.Get(idempotency.HeaderReplayed) == "true" }

// serve starts the middleware over a on 127.0.0.1.
func serve(t testing.TB, s idempotency.Store, opts idempotency.Options, a http.Handler) *httptest.Server {
	t.Helper()
	if opts.Logf == nil {
		opts.Logf = t.Logf
	}
	srv := httptest.NewServer(idempotency.Middleware(s, opts)(a))
	t.Cleanup(srv.Close)
	return srv
}

func TestMiddleware(t *testing.T) {
	type step struct {
		call
		wantStatus   int
		wantReplayed bool
	}
	post := func(path, key, body string) call { return call{path: path, key: key, body: body, ctype: "text/plain"} }
	tests := []struct {
		name        string
		opts        idempotency.Options
		steps       []step
		wantRuns    int64
		wantApplied int64
	}{
		{
			name: "first then replays",
			steps: []step{
				{post("/api", "k1", "hello"), 201, false},
				{post("/api", "k1", "hello"), 201, true},
				{post("/api", `"k1"`, "hello"), 201, true}, // the quoted form is the same key
			},
			wantRuns: 1, wantApplied: 1,
		},
		{
			name: "two keys",
			steps: []step{
				{post("/api", "k1", "hello"), 201, false},
				{post("/api", "k2", "hello"), 201, false},
			},
			wantRuns: 2, wantApplied: 2,
		},
		{
			name: "other body is a mismatch",
			steps: []step{
				{post("/api", "k1", "hello"), 201, false},
				{post("/api", "k1", "HELLO"), 422, false},
			},
			wantRuns: 1, wantApplied: 1,
		},
		{
			name: "other route is a mismatch",
			steps: []step{
				{post("/api", "k1", "hello"), 201, false},
				{post("/api/other", "k1", "hello"), 422, false},
				{post("/api?x=1", "k1", "hello"), 422, false},
				{call{method: "PUT", path: "/api", key: "k1", body: "hello", ctype: "text/plain"}, 422, false},
			},
			wantRuns: 1, wantApplied: 1,
		},
		{
			name: "other content type is a mismatch",
			steps: []step{
				{post("/api", "k1", "hello"), 201, false},
				{call{path: "/api", key: "k1", body: "hello", ctype: "application/json"}, 422, false},
			},
			wantRuns: 1, wantApplied: 1,
		},
		{
			name: "no key passes through",
			steps: []step{
				{post("/api", "", "hello"), 201, false},
				{post("/api", "", "hello"), 201, false},
			},
			wantRuns: 2, wantApplied: 2,
		},
		{
			name: "no key when required",
			opts: idempotency.Options{Required: true},
			steps: []step{
				{post("/api", "", "hello"), 400, false},
				{call{method: "GET", path: "/api"}, 201, false}, // GET needs none
			},
			wantRuns: 1, wantApplied: 1,
		},
		{
			name: "GET untouched",
			steps: []step{
				{call{method: "GET", path: "/api", key: "k1"}, 201, false},
				{call{method: "GET", path: "/api", key: "k1"}, 201, false},
				{call{method: "GET", path: "/api", key: "not valid"}, 201, false},
			},
			wantRuns: 3, wantApplied: 3,
		},
		{
			name: "only the configured methods",
			opts: idempotency.Options{Methods: []string{"put"}},
			steps: []step{
				{post("/api", "k1", "hello"), 201, false},
				{post("/api", "k1", "hello"), 201, false},
				{call{method: "PUT", path: "/api", key: "k1"}, 201, false},
				{call{method: "PUT", path: "/api", key: "k1"}, 201, true},
			},
			wantRuns: 3, wantApplied: 3,
		},
		{
			name: "invalid keys",
			steps: []step{
				{post("/api", "with space", "hello"), 400, false},
				{post("/api", `"unterminated`, "hello"), 400, false},
				{post("/api", `""`, "hello"), 400, false},
				{post("/api", strings.Repeat("k", 256), "hello"), 400, false},
				{post("/api", "clé", "hello"), 400, false},
			},
		},
		{
			name: "longest key",
			steps: []step{
				{post("/api", strings.Repeat("k", 255), "hello"), 201, false},
				{post("/api", strings.Repeat("k", 255), "hello"), 201, true},
			},
			wantRuns: 1, wantApplied: 1,
		},
		{
			name: "5xx releases the key, the retry applies once",
			steps: []step{
				{post("/flaky", "k1", "hello"), 500, false},
				{post("/flaky", "k1", "hello"), 201, false},
				{post("/flaky", "k1", "hello"), 201, true},
			},
			wantRuns: 2, wantApplied: 1,
		},
		{
			name: "4xx is stored",
			steps: []step{
				{post("/bad", "k1", "hello"), 404, false},
				{post("/bad", "k1", "hello"), 404, true},
			},
			wantRuns: 1,
		},
		{
			name: "body too large",
			opts: idempotency.Options{MaxBodyBytes: 10},
			steps: []step{
				{post("/api", "k1", "0123456789"), 201, false},
				{post("/api", "k2", "0123456789a"), 413, false},
				{post("/api", "", "0123456789a"), 201, false}, // not ours without a key
			},
			wantRuns: 2, wantApplied: 2,
		},
		{
			name: "response too large to store is passed through and released",
			opts: idempotency.Options{MaxStoredResponseBytes: 1024},
			steps: []step{
				{post("/big", "k1", "hello"), 200, false},
				{post("/big", "k1", "hello"), 200, false},
			},
			wantRuns: 2, wantApplied: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &app{}
			srv := serve(t, openSQLite(t, store.Options{}), tt.opts, a)
			for i, st := range tt.steps {
				got := st.do(t, srv)
				if got.status != st.wantStatus || got.replayed() != st.wantReplayed {
					t.Errorf("step %d (%s %s key %.20q): status %d, replayed %v; want %d, %v; body %s",
						i, st.method, st.path, st.key, got.status, got.replayed(), st.wantStatus, st.wantReplayed, got.body)
				}
				if got.status >= 400 && got.status != 404 && got.status != 500 {
					checkProblem(t, got)
				}
			}
			if got := a.runs.Load(); got != tt.wantRuns {
				t.Errorf("handler ran %d times, want %d", got, tt.wantRuns)
			}
			if got := a.applied.Load(); got != tt.wantApplied {
				t.Errorf("applied %d times, want %d", got, tt.wantApplied)
			}
		})
	}
}

// checkProblem checks that an error the middleware answered is a problem
// detail that cannot be cached.
func checkProblem(t *testing.T, r result) {
	t.Helper()
	var p struct {
		Status int
		Detail string
	}
	if err := json.Unmarshal([]byte(r.body), &p); err != nil || p.Status != r.status || p.Detail == "" {
		t.Errorf("status %d: body %q is not a problem detail (%v)", r.status, r.body, err)
	}
	if got := r.header.Get("Content-Type"); got != "application/problem+json" {
		t.Errorf("status %d: Content-Type %q", r.status, got)
	}
	if got := r.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("status %d: Cache-Control %q", r.status, got)
	}
}

// TestReplayIdentical checks that a replay has the first response's status,
// headers and body, byte for byte, plus Idempotent-Replayed.
func TestReplayIdentical(t *testing.T) {
	tests := []struct {
		name string
		call call
	}{
		{"created with headers", call{path: "/api", key: "k", body: `{"text":"meow"}`, ctype: "application/json"}},
		{"empty body", call{path: "/api", key: "k"}},
		{"binary body", call{path: "/api", key: "k", body: "\x00\xff\xfe", ctype: "application/octet-stream"}},
		{"not found", call{path: "/bad", key: "k"}},
		{"large body", call{path: "/big", key: "k"}},
		{"DELETE", call{method: "DELETE", path: "/api/comments/1", key: "k"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, openSQLite(t, store.Options{}), idempotency.Options{}, &app{})
			first := tt.call.do(t, srv)
			if first.replayed() {
				t.Fatalf("first response has %s", idempotency.HeaderReplayed)
			}
			for i := range 2 {
				again := tt.call.do(t, srv)
				if !again.replayed() {
					t.Fatalf("repeat %d: no %s: true", i, idempotency.HeaderReplayed)
				}
				if again.status != first.status || again.body != first.body {
					t.Errorf("repeat %d: %d %q, want %d %q", i, again.status, again.body, first.status, first.body)
				}
				want, got := maps.Clone(first.header), maps.Clone(again.header)
				delete(want, "Date")
				delete(got, "Date")
				delete(got, idempotency.HeaderReplayed)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("repeat %d: header\n%v\nwant\n%v", i, got, want)
				}
			}
		})
	}
}

// TestPanic checks that a panicking handler releases its key and that the
// panic reaches the caller; the retry then applies once.
func TestPanic(t *testing.T) {
	s := openSQLite(t, store.Options{})
	var runs atomic.Int64
	h := idempotency.Middleware(s, idempotency.Options{Logf: t.Logf})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if runs.Add(1) == 1 {
			panic("boom")
		}
		w.WriteHeader(http.StatusCreated)
	}))
	request := func() *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/api", strings.NewReader("x"))
		r.Header.Set(idempotency.HeaderKey, "k")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("recovered %v, want the handler's panic", p)
			}
		}()
		request()
		t.Error("no panic")
	}()
	for i, want := range []struct {
		status   int
		replayed bool
	}{{201, false}, {201, true}} {
		w := request()
		if w.Code != want.status || (w.Header().Get(idempotency.HeaderReplayed) == "true") != want.replayed {
			t.Errorf("request %d after the panic: %d, replayed %q", i, w.Code, w.Header().Get(idempotency.HeaderReplayed))
		}
	}
	if got := runs.Load(); got != 2 {
		t.Errorf("handler ran %d times, want 2 (the panic and one retry)", got)
	}
}

// TestConcurrentDuplicates sends one key 100 times at once.
func TestConcurrentDuplicates(t *testing.T) {
	tests := []struct {
		name string
		wait time.Duration
		// allow409 is whether some duplicates may be told 409.
		allow409 bool
	}{
		{"wait for the first", 0, false}, // idempotency.DefaultWait, 10 s, far more than the handler takes
		{"no wait", idempotency.NoWait, true},
		{"short wait", 20 * time.Millisecond, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &app{delay: 200 * time.Millisecond}
			srv := serve(t, openSQLite(t, store.Options{}), idempotency.Options{Wait: tt.wait}, a)
			const n = 100
			results := make([]result, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				wg.Go(func() {
					<-start
					results[i] = call{path: "/api", key: "same", body: "vote", ctype: "text/plain"}.do(t, srv)
				})
			}
			close(start)
			wg.Wait()

			if got := a.runs.Load(); got != 1 {
				t.Fatalf("handler ran %d times, want once", got)
			}
			var ok, conflicts int
			var first *result
			for i, r := range results {
				switch r.status {
				case http.StatusConflict:
					conflicts++
					if r.header.Get("Retry-After") != "1" {
						t.Errorf("409 without Retry-After: 1: %v", r.header)
					}
					continue
				case http.StatusCreated:
					ok++
				default:
					t.Fatalf("client %d: %d %s", i, r.status, r.body)
				}
				if first == nil {
					first = &results[i]
				} else if r.body != first.body || r.header.Get("Location") != first.header.Get("Location") {
					t.Errorf("client %d got %q, another got %q", i, r.body, first.body)
				}
			}
			t.Logf("%d answered, %d told 409", ok, conflicts)
			if conflicts > 0 && !tt.allow409 {
				t.Errorf("%d clients told 409, want none", conflicts)
			}
			if ok == 0 {
				t.Error("no client got the response")
			}
		})
	}
}

// TestWaitThenRetry checks that a duplicate waiting on a first request that
// fails with a 5xx takes the key over and runs the handler itself.
func TestWaitThenRetry(t *testing.T) {
	started, proceed := make(chan struct{}), make(chan struct{})
	var runs atomic.Int64
	h := idempotency.Middleware(openSQLite(t, store.Options{}), idempotency.Options{Logf: t.Logf})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if runs.Add(1) == 1 {
			close(started)
			<-proceed
			http.Error(w, "database is down", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	first, second := httptest.NewRecorder(), httptest.NewRecorder()
	var wg sync.WaitGroup
	wg.Go(func() { h.ServeHTTP(first, newKeyed("k")) })
	<-started // the first holds the key
	wg.Go(func() { h.ServeHTTP(second, newKeyed("k")) })
	time.Sleep(50 * time.Millisecond) // let the second start waiting (the outcome is the same if it has not)
	close(proceed)
	wg.Wait()
	if first.Code != 500 || second.Code != 201 || second.Header().Get(idempotency.HeaderReplayed) != "" {
		t.Errorf("first %d, second %d %v; want 500, then 201 run afresh", first.Code, second.Code, second.Header())
	}
	if got := runs.Load(); got != 2 {
		t.Errorf("handler ran %d times, want 2", got)
	}
}

// TestWaitCancelled checks that a duplicate stops waiting when its client
// goes away.
func TestWaitCancelled(t *testing.T) {
	s := openSQLite(t, store.Options{})
	started, release := make(chan struct{}), make(chan struct{})
	var runs atomic.Int64
	h := idempotency.Middleware(s, idempotency.Options{Wait: time.Minute, Logf: t.Logf})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if runs.Add(1) == 1 {
			close(started)
		}
		<-release
	}))
	done := make(chan struct{})
	go func() { h.ServeHTTP(httptest.NewRecorder(), newKeyed("k")); close(done) }()
	defer func() { close(release); <-done }()
	<-started // the first holds the key

	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(100*time.Millisecond, cancel)
	w := httptest.NewRecorder()
	start := time.Now()
	h.ServeHTTP(w, newKeyed("k").WithContext(ctx))
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the duplicate waited %v after its client went away", took)
	}
	if w.Code != http.StatusConflict {
		t.Errorf("status %d, want 409", w.Code)
	}
	if got := runs.Load(); got != 1 {
		t.Errorf("handler ran %d times, want once", got)
	}
}

// TestTTL checks that a key is forgotten once its TTL is over.
func TestTTL(t *testing.T) {
	clock := storetest.NewClock()
	a := &app{}
	srv := serve(t, openSQLite(t, store.Options{Now: clock.Now}), idempotency.Options{TTL: time.Hour}, a)
	c := call{path: "/api", key: "k", body: "x"}
	steps := []struct {
		name         string
		advance      time.Duration
		call         call
		wantStatus   int
		wantReplayed bool
	}{
		{"first", 0, c, 201, false},
		{"within TTL", 59 * time.Minute, c, 201, true},
		{"other request within TTL", 0, call{path: "/api", key: "k", body: "y"}, 422, false},
		{"after TTL", 2 * time.Minute, c, 201, false},
		{"replayed again", time.Minute, c, 201, true},
		{"other request after TTL", 2 * time.Hour, call{path: "/api", key: "k", body: "y"}, 201, false},
	}
	for _, st := range steps {
		clock.Advance(st.advance)
		got := st.call.do(t, srv)
		if got.status != st.wantStatus || got.replayed() != st.wantReplayed {
			t.Errorf("%s: %d, replayed %v; want %d, %v", st.name, got.status, got.replayed(), st.wantStatus, st.wantReplayed)
		}
	}
	if got := a.runs.Load(); got != 3 {
		t.Errorf("handler ran %d times, want 3", got)
	}
}

// TestStoreUnavailable checks that a store that fails gets 503 and that the
// handler does not run.
func TestStoreUnavailable(t *testing.T) {
	s := openSQLite(t, store.Options{})
	var logs strings.Builder
	var mu sync.Mutex
	a := &app{}
	srv := serve(t, s, idempotency.Options{Logf: func(f string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(&logs, f+"\n", args...)
	}}, a)
	c := call{path: "/api", key: "k", body: "x"}
	if got := c.do(t, srv); got.status != 201 {
		t.Fatalf("before close: %d", got.status)
	}
	s.Close()
	for _, c := range []call{c, {path: "/api", key: "other", body: "x"}} {
		got := c.do(t, srv)
		if got.status != http.StatusServiceUnavailable || got.header.Get("Retry-After") == "" {
			t.Errorf("key %s: %d, Retry-After %q; want 503 with Retry-After", c.key, got.status, got.header.Get("Retry-After"))
		}
		checkProblem(t, got)
		if strings.Contains(strings.ToLower(got.body), "sql") || strings.Contains(got.body, "closed") {
			t.Errorf("503 body tells internals: %s", got.body)
		}
	}
	if got := a.runs.Load(); got != 1 {
		t.Errorf("handler ran %d times, want once (before the store closed)", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), "closed") {
		t.Errorf("the store error was not logged: %q", logs.String())
	}
}

// TestLeaseLost has a handler outlive the store's lease: a duplicate takes
// the key over and runs the handler again (the documented limit), the first
// is logged and still gets its response.
func TestLeaseLost(t *testing.T) {
	clock := storetest.NewClock()
	s := openSQLite(t, store.Options{Now: clock.Now, Lease: time.Second})
	var logs []string
	var mu sync.Mutex
	var h http.Handler
	var runs atomic.Int64
	h = idempotency.Middleware(s, idempotency.Options{Logf: func(f string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		logs = append(logs, fmt.Sprintf(f, args...))
	}})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := runs.Add(1)
		if n == 1 {
			// The first run is slow: its lease runs out and a retry
			// arrives meanwhile.
			clock.Advance(2 * time.Second)
			h.ServeHTTP(httptest.NewRecorder(), newKeyed("k"))
		}
		fmt.Fprintf(w, "run %d", n)
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, newKeyed("k"))
	if w.Code != 200 || w.Body.String() != "run 1" {
		t.Errorf("first client got %d %q, want its own response", w.Code, w.Body)
	}
	if got := runs.Load(); got != 2 {
		t.Errorf("handler ran %d times, want 2", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(logs) != 1 || !strings.Contains(logs[0], "lease lost") {
		t.Errorf("logs %q, want one about the lost lease", logs)
	}
	// The key holds the retry's response.
	w = httptest.NewRecorder()
	h.ServeHTTP(w, newKeyed("k"))
	if w.Body.String() != "run 2" || w.Header().Get(idempotency.HeaderReplayed) != "true" {
		t.Errorf("replay: %q, %v", w.Body, w.Header())
	}
}

func newKeyed(key string) *http.Request {
	r := httptest.NewRequest("POST", "/api", strings.NewReader("x"))
	r.Header.Set(idempotency.HeaderKey, key)
	return r
}
