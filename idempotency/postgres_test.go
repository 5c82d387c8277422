package idempotency_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/swkit/swkit/idempotency"
	"github.com/swkit/swkit/internal/pgtest"
	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/postgres"
)

func TestMain(m *testing.M) {
	serverMain()
	crashMain()
	pgtest.Main(m)
}

// The tests here are server instances sharing one PostgreSQL database, each
// with its own store (its own pgx pool), behind the middleware over a
// handler that inserts a row into a shared table: the table counts how many
// times each key was applied across the instances.

const appliedTable = `CREATE TABLE applied (
	id     bigserial PRIMARY KEY,
	key    text NOT NULL,
	server text NOT NULL
)`

// insertHandler applies a request: one row in the applied table.
func insertHandler(pool *pgxpool.Pool, server string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond) // widen the window for duplicates
		var id int64
		err := pool.QueryRow(r.Context(), `INSERT INTO applied (key, server) VALUES ($1, $2) RETURNING id`,
			r.Header.Get(idempotency.HeaderKey), server).Scan(&id)
		if err != nil {
			http.Error(w, "insert failed", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"id":%d,"server":%q}`+"\n", id, server)
	})
}

// instance is what one server process has: a store, a pool for the
// handler, and the middleware over the handler.
func instance(ctx context.Context, dsn, name string) (http.Handler, func(), error) {
	s, err := postgres.Open(ctx, dsn, store.Options{})
	if err != nil {
		return nil, nil, err
	}
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	h := idempotency.Middleware(s, idempotency.Options{})(insertHandler(pool, name))
	return h, func() { pool.Close(); s.Close() }, nil
}

// setupShared creates the database and its applied table, and returns the
// DSN and a pool on it for the checks.
func setupShared(t *testing.T) (string, *pgxpool.Pool) {
	t.Helper()
	dsn := pgtest.DB(t)
	pool, err := pgxpool.New(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if _, err := pool.Exec(t.Context(), appliedTable); err != nil {
		t.Fatal(err)
	}
	// Migrate once, as a deployment would, before the instances race.
	s, err := postgres.Open(t.Context(), dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	return dsn, pool
}

// fire sends each of keys copies times to every server at once and checks
// that every client of one key got the same response.
func fire(t *testing.T, urls []string, keys, copies int) {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 100}, Timeout: time.Minute}
	defer client.CloseIdleConnections()
	results := make([][]result, keys)
	for k := range results {
		results[k] = make([]result, len(urls)*copies)
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for k := range keys {
		for i := range len(urls) * copies {
			wg.Go(func() {
				<-start
				c := call{path: "/api/votes", key: fmt.Sprintf("key-%d", k), body: fmt.Sprintf(`{"vote":%d}`, k), ctype: "application/json"}
				results[k][i] = c.send(t, client, urls[i%len(urls)])
			})
		}
	}
	close(start)
	wg.Wait()
	for k, rs := range results {
		for i, r := range rs {
			if r.status != http.StatusCreated || r.body != rs[0].body {
				t.Errorf("key-%d, client %d: %d %q; client 0 got %d %q", k, i, r.status, r.body, rs[0].status, rs[0].body)
			}
		}
	}
}

// checkApplied checks that each of the keys was applied exactly once.
func checkApplied(t *testing.T, pool *pgxpool.Pool, keys int) {
	t.Helper()
	rows, err := pool.Query(t.Context(), `SELECT key, count(*), string_agg(server, ',') FROM applied GROUP BY key`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]int{}
	servers := map[string]int{}
	for rows.Next() {
		var key, by string
		var n int
		if err := rows.Scan(&key, &n, &by); err != nil {
			t.Fatal(err)
		}
		got[key] = n
		for s := range strings.SplitSeq(by, ",") {
			servers[s]++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for k := range keys {
		if n := got[fmt.Sprintf("key-%d", k)]; n != 1 {
			t.Errorf("key-%d applied %d times, want once", k, n)
		}
	}
	if len(got) != keys {
		t.Errorf("%d keys applied, want %d", len(got), keys)
	}
	t.Logf("applications per server: %v", servers)
}

// TestTwoInstances runs two instances in this process, on two stores with
// separate pools, and fires the same 50 keys at both at once.
func TestTwoInstances(t *testing.T) {
	dsn, pool := setupShared(t)
	var urls []string
	for _, name := range []string{"a", "b"} {
		h, closeFn, err := instance(t.Context(), dsn, name)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		t.Cleanup(func() { srv.Close(); closeFn() })
		urls = append(urls, srv.URL)
	}
	const keys = 50
	fire(t, urls, keys, 2)
	checkApplied(t, pool, keys)
}

// TestTwoProcesses: two server processes on one PostgreSQL receiving the
// same keys at once apply each once. The processes are copies
// of the test binary (see serverMain).
func TestTwoProcesses(t *testing.T) {
	dsn, pool := setupShared(t)
	var urls []string
	for _, name := range []string{"p1", "p2"} {
		urls = append(urls, startServer(t, dsn, name))
	}
	const keys = 50
	fire(t, urls, keys, 2)
	checkApplied(t, pool, keys)
}

// Environment of a server process started by startServer.
const (
	envServerDSN  = "SWKIT_IDEMPOTENCY_TEST_SERVER_DSN"
	envServerName = "SWKIT_IDEMPOTENCY_TEST_SERVER_NAME"
)

// startServer starts a copy of the test binary as a server process on dsn
// and returns its URL. The process stops when the test ends.
func startServer(t *testing.T, dsn, name string) string {
	t.Helper()
	return startChild(t, true, envServerDSN+"="+dsn, envServerName+"="+name).url
}

// child is a copy of the test binary run as a server: it prints
// "listening URL", serves until its standard input closes, and may print
// more lines (lines reads them).
type child struct {
	cmd   *exec.Cmd
	url   string
	lines *bufio.Reader
}

// startChild starts a child with env added to the test's environment. At
// the test's end its standard input closes; with clean, it must then exit
// without an error within 30 s, else it is killed.
func startChild(t *testing.T, clean bool, env ...string) *child {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close() // the server's signal to stop
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil && clean {
				t.Errorf("server %v: %v; stderr:\n%s", env, err, stderr.String())
			}
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Errorf("server %v did not stop; stderr:\n%s", env, stderr.String())
		}
	})
	c := &child{cmd: cmd, lines: bufio.NewReader(out)}
	line, err := c.lines.ReadString('\n')
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if !ok {
		t.Fatalf("server %v: %q, %v; stderr:\n%s", env, line, err, stderr.String())
	}
	c.url = url
	return c
}

// serverMain is the server process of TestTwoProcesses: it serves the
// middleware over insertHandler on 127.0.0.1, prints its URL, and exits when
// its standard input closes. Elsewhere it returns at once.
func serverMain() {
	dsn := os.Getenv(envServerDSN)
	if dsn == "" {
		return
	}
	if err := runServer(dsn, os.Getenv(envServerName)); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func runServer(dsn, name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	h, closeFn, err := instance(ctx, dsn, name)
	if err != nil {
		return err
	}
	defer closeFn()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	fmt.Printf("listening http://%s\n", ln.Addr())
	io.Copy(io.Discard, os.Stdin)
	return srv.Shutdown(ctx)
}
