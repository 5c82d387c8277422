package swkit_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/swkit/swkit"
)

// The examples live under "_examples" so that each stays a program of its
// own (package main, its own go:embed folder) that `go run ./_examples/X`
// runs, while `go build ./...`, `go vet ./...` and `go test ./...` skip
// folders starting with "_". These tests are what keep them compiling and
// working: each builds its example, runs it on a free port, checks what it
// serves, then stops it with an interrupt and expects a clean exit.

// TestExampleEmbed: _examples/embed generates its worker at start-up
// (swkit.New) beside a JSON API.
func TestExampleEmbed(t *testing.T) {
	base := runExample(t, "./_examples/embed")
	for _, tt := range []struct {
		path, contentType, contains string
	}{
		{"/", "text/html; charset=utf-8", `<script type="module" src="/app.js">`},
		{"/app.js", "text/javascript; charset=utf-8", "from '/swkit.js'"},
		{"/swkit.js", "text/javascript; charset=utf-8", "register"},
		{"/sw.js", "text/javascript; charset=utf-8", "logo.svg"},
		{"/style.css", "text/css; charset=utf-8", "body"},
		{"/logo.svg", "image/svg+xml", "<svg"},
		{"/api/time", "application/json", `"time"`},
	} {
		resp, body := httpGet(t, base+tt.path)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", tt.path, resp.StatusCode)
		}
		if got := resp.Header.Get("Content-Type"); got != tt.contentType {
			t.Errorf("%s: Content-Type %q, want %q", tt.path, got, tt.contentType)
		}
		if !strings.Contains(string(body), tt.contains) {
			t.Errorf("%s: body does not contain %q", tt.path, tt.contains)
		}
		if tt.path == "/api/time" {
			var v struct{ Time time.Time }
			if err := json.Unmarshal(body, &v); err != nil || time.Since(v.Time).Abs() > time.Minute {
				t.Errorf("/api/time = %s (%v), want the current time", body, err)
			}
		}
	}
}

// TestExamplePrebuilt: _examples/prebuilt serves a worker that go generate
// built, with package server, so the program links no bundler; its
// committed worker is what swkit build writes for its site today.
func TestExamplePrebuilt(t *testing.T) {
	out, err := exec.Command(goTool(t), "list", "-deps", "./_examples/prebuilt").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	if bytes.Contains(out, []byte("esbuild")) {
		t.Error("_examples/prebuilt links esbuild")
	}

	site := filepath.Join("_examples", "prebuilt", "site")
	cfg, err := swkit.LoadConfig(os.DirFS(site), "swkit.json")
	if err != nil {
		t.Fatal(err)
	}
	// The worker and the page helper in the folder are left out of a
	// build, so the folder builds as its author wrote it.
	res, err := swkit.Build(os.DirFS(site), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range res.Generated() {
		got, err := os.ReadFile(filepath.Join(site, filepath.FromSlash(name)))
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%s is not what swkit build writes today (%v): run go generate ./_examples/prebuilt", name, err)
		}
	}

	base := runExample(t, "./_examples/prebuilt")
	for _, tt := range []struct {
		path         string
		status       int
		cacheControl string
		contains     string
	}{
		{"/", 200, "no-cache", "offline-ready"},
		{"/sw.js", 200, "no-cache", "app.3f9a1c2b.css"},
		{"/swkit.js", 200, "no-cache", "register"},
		{"/app.3f9a1c2b.css", 200, "public, max-age=31536000, immutable", "body"},
		{"/swkit.json", 404, "", ""},
	} {
		resp, body := httpGet(t, base+tt.path)
		if resp.StatusCode != tt.status || resp.Header.Get("Cache-Control") != tt.cacheControl || !strings.Contains(string(body), tt.contains) {
			t.Errorf("%s: status %d, Cache-Control %q; want %d, %q, a body with %q",
				tt.path, resp.StatusCode, resp.Header.Get("Cache-Control"), tt.status, tt.cacheControl, tt.contains)
		}
		if got := resp.Header.Get("X-Frame-Options"); got != "DENY" {
			t.Errorf("%s: X-Frame-Options %q, want DENY (server.securityHeaders)", tt.path, got)
		}
	}
}

func goTool(t *testing.T) string {
	t.Helper()
	gotool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal("no go tool in PATH: these tests build the examples with it")
	}
	return gotool
}

// runExample builds the example program in pkg, starts it on a free port
// and returns its base URL; when the test ends it interrupts the program and
// expects a clean exit.
func runExample(t *testing.T, pkg string) string {
	t.Helper()
	// Not t.Context(), which is cancelled (killing the program) before the
	// cleanup below can interrupt it.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	bin := filepath.Join(t.TempDir(), "example")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	build := exec.CommandContext(ctx, goTool(t), "build", "-o", bin, pkg)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}

	cmd := exec.CommandContext(ctx, bin, "--addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		io.Copy(io.Discard, stdout)
	}()
	var base string
	select {
	case line := <-lines:
		m := regexp.MustCompile(`^listening on (http://127\.0\.0\.1:\d+)`).FindStringSubmatch(line)
		if m == nil {
			cmd.Process.Kill()
			t.Fatalf("first line %q, want \"listening on http://...\"", line)
		}
		base = m[1]
	case err := <-exited:
		t.Fatalf("example exited before listening: %v\n%s", err, stderr.String())
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("example did not print its address within 30 s")
	}
	t.Cleanup(func() {
		if runtime.GOOS == "windows" {
			cmd.Process.Kill() // no interrupt to send
			<-exited
			return
		}
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			t.Error(err)
		}
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("after an interrupt: %v, want a clean exit\n%s", err, stderr.String())
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			t.Error("example still running 10 s after an interrupt")
		}
	})
	return base
}

func httpGet(t *testing.T, url string) (*http.Response, []byte) {
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
