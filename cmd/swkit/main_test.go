package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/swkit/swkit/internal/pgtest"
	"github.com/swkit/swkit/store/open"
)

func TestMain(m *testing.M) {
	// A child started by startChild: the test binary as the swkit command.
	if os.Getenv(envChild) == "1" {
		main()
	}
	testscript.Main(withPostgres{withCacheHome{m}}, map[string]func(){
		"swkit": func() { main() },
	})
}

// withPostgres stops the PostgreSQL server that tests may have started.
type withPostgres struct{ m interface{ Run() int } }

func (w withPostgres) Run() int { return pgtest.Run(w.m) }

// withCacheHome runs the tests with build caches in a temporary folder, not
// the user's (scripts get their own, see TestScripts).
type withCacheHome struct{ *testing.M }

func (m withCacheHome) Run() int {
	dir, err := os.MkdirTemp("", "swkit-cache-home")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	os.Setenv("XDG_CACHE_HOME", dir)
	_, before := os.Stat(open.DefaultSQLite)
	code := m.M.Run()
	// A command run without --db opens swkit.db in the working directory,
	// which here is the source folder: a test that forgets --db would
	// leave a database behind to be committed.
	if _, after := os.Stat(open.DefaultSQLite); before != nil && after == nil && code == 0 {
		fmt.Fprintf(os.Stderr, "a test left %s in the package folder: give the command --db in a temporary folder\n", open.DefaultSQLite)
		return 1
	}
	return code
}

// TestScripts runs the command-line scenarios in testdata/script: what a user
// types and what they must see.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("XDG_CACHE_HOME", env.WorkDir+"/.cache")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// stderrlines N: the last command wrote exactly N lines to stderr.
			"stderrlines": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 1 {
					ts.Fatalf("usage: stderrlines N")
				}
				want, err := strconv.Atoi(args[0])
				ts.Check(err)
				got := strings.Count(ts.ReadFile("stderr"), "\n")
				if (got == want) == neg {
					ts.Fatalf("stderr has %d lines, want %d", got, want)
				}
			},
		},
	})
}

// syncBuffer is a bytes.Buffer safe to read while a command writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var urlLine = regexp.MustCompile(`http://127\.0\.0\.1:\d+/`)

// startCommand runs a serving command in the background and returns the URL it
// printed, failing the test if none appears before the deadline.
func startCommand(t *testing.T, args ...string) (url string, stop func() int) {
	t.Helper()
	url, _, stop = startCommandOut(t, args...)
	return url, stop
}

// startCommandOut is startCommand, also returning what the command prints
// on standard output.
func startCommandOut(t *testing.T, args ...string) (url string, out *syncBuffer, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, &stdout, &stderr) }()
	deadline := time.Now().Add(20 * time.Second)
	for url == "" {
		select {
		case code := <-done:
			cancel()
			t.Fatalf("swkit %s exited with %d before serving; stderr: %s", strings.Join(args, " "), code, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("swkit %s printed no URL in time; stdout: %q", strings.Join(args, " "), stdout.String())
		}
		url = urlLine.FindString(stdout.String())
		time.Sleep(10 * time.Millisecond)
	}
	var once sync.Once
	var code int
	stop = func() int {
		once.Do(func() {
			cancel()
			select {
			case code = <-done:
			case <-time.After(10 * time.Second):
				t.Fatalf("swkit %s did not shut down within 10s", args[0])
			}
		})
		return code
	}
	t.Cleanup(func() { stop() })
	return url, &stdout, stop
}

func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestServeGeneratesWorkerInMemory(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "index.html"), "<!doctype html><title>hi</title>")
	url, stdout, stop := startCommandOut(t, "serve", "--addr", "127.0.0.1:0", dir)
	// A site whose config asks for no push hears nothing about push.
	if out := stdout.String(); strings.Contains(out, "push") {
		t.Errorf("serve printed %q: a line about push for a site without push", out)
	}

	resp, body := get(t, url+"sw.js")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /sw.js: status %d", resp.StatusCode)
	}
	if got := resp.Header.Get("Cache-Control"); got != "no-cache" {
		t.Errorf("sw.js Cache-Control = %q, want no-cache", got)
	}
	if !bytes.Contains(body, []byte("index.html")) {
		t.Errorf("generated sw.js does not precache index.html")
	}
	if _, err := os.Stat(filepath.Join(dir, "sw.js")); !os.IsNotExist(err) {
		t.Errorf("serve wrote sw.js into the folder (err=%v); it must generate it in memory", err)
	}
	if resp, _ := get(t, url+"swkit.js"); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /swkit.js: status %d", resp.StatusCode)
	}
	if code := stop(); code != 0 {
		t.Errorf("graceful shutdown exited %d, want 0", code)
	}
}

func TestServePortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"serve", "--addr", ln.Addr().String(), t.TempDir()}, &stdout, &stderr)
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	want := fmt.Sprintf("swkit serve: address %s is already in use: stop the other server or pass --addr with a free port\n", ln.Addr())
	if got := stderr.String(); got != want {
		t.Errorf("stderr:\n got %q\nwant %q", got, want)
	}
}

func TestDemoPrintsURLAndServes(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	url, stop := startCommand(t, "demo", "--addr", "127.0.0.1:0", "--rotate", "1h", "--db", db)
	resp, body := get(t, url)
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("<img")) {
		t.Fatalf("GET /: status %d, body %.200q", resp.StatusCode, body)
	}
	if resp, _ := get(t, url+"img"); resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /img: status %d", resp.StatusCode)
	}
	if code := stop(); code != 0 {
		t.Errorf("graceful shutdown exited %d, want 0", code)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestServePushOffNote: a config that gives the worker push, served without
// push keys, gets the line that says how to turn the push API on.
func TestServePushOffNote(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "index.html"), "<!doctype html><title>hi</title>")
	writeFile(t, filepath.Join(dir, "swkit.json"), `{"push": {}}`)
	for _, env := range []string{envPublicKey, envPrivateKey, envSubject, envPushToken} {
		t.Setenv(env, "")
	}
	_, stdout, _ := startCommandOut(t, "serve", "--addr", "127.0.0.1:0", dir)
	// Printed just after the URL: wait for it.
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(stdout.String(), "push is off: run \"swkit vapid\""); {
		if time.Now().After(deadline) {
			t.Fatalf("serve printed %q, want the push-off note", stdout.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestDemoVotesSurviveRestart: a vote posted with an Idempotency-Key, then
// posted again after the demo restarted on the same --db (a replay whose
// answer was lost), counts once: the key and the vote are in the file.
func TestDemoVotesSurviveRestart(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	post := func(url string) *http.Response {
		t.Helper()
		req, err := http.NewRequest("POST", url+"api/votes", strings.NewReader(`{"cat": 3, "note": "once"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", `"1f0c3c51-3d0e-4c61-9c3b-6c1f4d2b8a70"`)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for i, wantReplayed := range []string{"", "true"} {
		url, stop := startCommand(t, "demo", "--addr", "127.0.0.1:0", "--rotate", "1h", "--db", db)
		resp := post(url)
		if resp.StatusCode != http.StatusCreated || resp.Header.Get("Idempotent-Replayed") != wantReplayed {
			t.Errorf("run %d: POST answered %d, Idempotent-Replayed %q; want 201, %q", i, resp.StatusCode, resp.Header.Get("Idempotent-Replayed"), wantReplayed)
		}
		_, body := get(t, url+"api/votes")
		if n := strings.Count(string(body), `"note":"once"`); n != 1 {
			t.Errorf("run %d: the demo lists the vote %d times, want once: %s", i, n, body)
		}
		if code := stop(); code != 0 {
			t.Fatalf("run %d: graceful shutdown exited %d", i, code)
		}
	}
}
