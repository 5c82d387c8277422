package idempotency_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swkit/swkit/idempotency"
	"github.com/swkit/swkit/internal/pgtest"
	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/open"
	"github.com/swkit/swkit/store/postgres"
	"github.com/swkit/swkit/store/sqlite"
)

// The crash tests run the middleware in a server process of their own (a
// copy of the test binary) and kill it with SIGKILL at a chosen point of a
// request, then send the request again to a new process on the same
// database: the applied table tells how many times the key was applied.

// Environment of a crash server process.
const (
	envCrashDSN  = "SWKIT_TX_CRASH_DSN"
	envCrashMode = "SWKIT_TX_CRASH_MODE" // "tx" (TxMiddleware) or "plain" (Middleware)
	envCrashAt   = "SWKIT_TX_CRASH_AT"   // "after-write", "before-response" or ""
)

// crashLease is the store's lease in the crash servers: the retry after a
// crash takes the dead process's claim over once it has run out.
const crashLease = 500 * time.Millisecond

// crashMain is the crash server process: it serves the middleware over a
// handler that inserts one row into applied, prints its URL, and, at the
// point envCrashAt names, prints "crash point" and waits to be killed.
// Elsewhere it returns at once.
func crashMain() {
	dsn := os.Getenv(envCrashDSN)
	if dsn == "" {
		return
	}
	if err := runCrashServer(dsn, os.Getenv(envCrashMode), os.Getenv(envCrashAt)); err != nil {
		fmt.Fprintln(os.Stderr, "crash server:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func runCrashServer(dsn, mode, at string) error {
	ctx := context.Background()
	st, err := open.Open(ctx, dsn, store.Options{Lease: crashLease})
	if err != nil {
		return err
	}
	defer st.Close()
	// The application's own handle, for the plain middleware's writes.
	var own *sql.DB
	switch s := st.(type) {
	case *postgres.Store:
		own = s.DB()
	case *sqlite.Store:
		_, path, _ := open.Parse(dsn)
		if own, err = sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)"); err != nil {
			return err
		}
		defer own.Close()
	}
	crash := func() {
		fmt.Println("crash point")
		select {} // until SIGKILL
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get(idempotency.HeaderKey)
		var err error
		if tx := idempotency.Tx(r.Context()); tx != nil {
			_, err = tx.ExecContext(r.Context(), rebind(dsn, `INSERT INTO applied (key) VALUES (?)`), key)
		} else {
			_, err = own.ExecContext(r.Context(), rebind(dsn, `INSERT INTO applied (key) VALUES (?)`), key)
		}
		if err != nil {
			http.Error(w, "insert failed", http.StatusServiceUnavailable)
			return
		}
		if at == "after-write" {
			crash()
		}
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, "applied %s\n", key)
	})
	var h http.Handler
	if mode == "tx" {
		h = idempotency.TxMiddleware(st.(idempotency.TxStore), idempotency.Options{})(handler)
	} else {
		h = idempotency.Middleware(st, idempotency.Options{})(handler)
	}
	if at == "before-response" {
		// Outside the middleware: the outcome is stored by now, the
		// response not yet sent.
		inner := h
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			inner.ServeHTTP(crashWriter{w, crash}, r)
		})
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go http.Serve(ln, h)
	fmt.Printf("listening http://%s\n", ln.Addr())
	io.Copy(io.Discard, os.Stdin)
	return nil
}

// crashWriter crashes on the response's first byte.
type crashWriter struct {
	http.ResponseWriter
	crash func()
}

func (c crashWriter) WriteHeader(int)           { c.crash() }
func (c crashWriter) Write([]byte) (int, error) { c.crash(); return 0, nil }
func (c crashWriter) Header() http.Header       { return c.ResponseWriter.Header() }

// rebind turns ? placeholders into PostgreSQL's $n for a postgres DSN.
func rebind(dsn, query string) string {
	if !strings.HasPrefix(dsn, "postgres") {
		return query
	}
	for n := 1; strings.Contains(query, "?"); n++ {
		query = strings.Replace(query, "?", fmt.Sprintf("$%d", n), 1)
	}
	return query
}

// startCrashServer starts a crash server process (see crashMain), killed
// at the test's end if it is still running.
func startCrashServer(t *testing.T, dsn, mode, at string) *child {
	t.Helper()
	return startChild(t, false, envCrashDSN+"="+dsn, envCrashMode+"="+mode, envCrashAt+"="+at)
}

// post sends the one request of the test, with its key.
func post(url string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodPost, url+"/api/votes", strings.NewReader(`{"cat":3}`))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(idempotency.HeaderKey, `"0b5e7c1e-8f1a-4b4e-9d3c-0c1f5b2a9e71"`)
	return (&http.Client{Timeout: time.Minute}).Do(req)
}

// TestTxCrash kills the server between the handler's write and its
// response, then retries on a new process: with TxMiddleware the key is
// applied once whichever side of the commit the crash falls on; with
// Middleware, a crash after the write and before the stored response
// applies it twice, the gap TxMiddleware closes.
func TestTxCrash(t *testing.T) {
	backends := map[string]func(t *testing.T) (dsn string, db *sql.DB){
		"sqlite": func(t *testing.T) (string, *sql.DB) {
			path := filepath.Join(t.TempDir(), "app.db")
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return "sqlite:" + path, db
		},
		"postgres": func(t *testing.T) (string, *sql.DB) {
			dsn := pgtest.DB(t)
			s, err := postgres.Open(t.Context(), dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return dsn, s.DB()
		},
	}
	cases := []struct {
		mode, at    string
		wantApplied int
		wantReplay  bool
	}{
		{"tx", "after-write", 1, false},
		{"tx", "before-response", 1, true},
		{"plain", "after-write", 2, false},
	}
	for _, backend := range []string{"sqlite", "postgres"} {
		for _, tc := range cases {
			t.Run(backend+"/"+tc.mode+"/"+tc.at, func(t *testing.T) {
				dsn, db := backends[backend](t)
				if _, err := db.Exec(`CREATE TABLE applied (key TEXT NOT NULL)`); err != nil {
					t.Fatal(err)
				}
				first := startCrashServer(t, dsn, tc.mode, tc.at)
				failed := make(chan error, 1)
				go func() {
					resp, err := post(first.url)
					if err == nil {
						resp.Body.Close()
					}
					failed <- err
				}()
				if line, err := first.lines.ReadString('\n'); strings.TrimSpace(line) != "crash point" {
					t.Fatalf("the server never reached the crash point: %q, %v", line, err)
				}
				first.cmd.Process.Kill() // SIGKILL: no cleanup of any kind
				if err := <-failed; err == nil {
					t.Fatal("the killed server answered")
				}

				second := startCrashServer(t, dsn, tc.mode, "")
				resp, err := post(second.url)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				replayed := resp.Header.Get(idempotency.HeaderReplayed) == "true"
				if resp.StatusCode != http.StatusCreated || replayed != tc.wantReplay {
					t.Errorf("the retry answered %d, replayed %v; want 201, replayed %v", resp.StatusCode, replayed, tc.wantReplay)
				}
				var n int
				if err := db.QueryRow(`SELECT count(*) FROM applied`).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if n != tc.wantApplied {
					t.Errorf("the key was applied %d times, want %d", n, tc.wantApplied)
				}
			})
		}
	}
}
