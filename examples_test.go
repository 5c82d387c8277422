package swkit_test

import (
	"bufio"
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
)

// TestExampleEmbed builds _examples/embed, runs it on a free port and checks
// what it serves, then stops it with an interrupt and expects a clean exit.
//
// The example lives under "_examples" so that it stays a program of its own
// (package main, its own go:embed folder) that `go run ./_examples/embed`
// runs, while `go build ./...`, `go vet ./...` and `go test ./...` skip
// folders starting with "_". This test is what keeps it compiling and working.
func TestExampleEmbed(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program with the go tool")
	}
	gotool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool in PATH")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()

	bin := filepath.Join(t.TempDir(), "embed")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	build := exec.CommandContext(ctx, gotool, "build", "-o", bin, "./_examples/embed")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./_examples/embed: %v\n%s", err, out)
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
	stopped := false
	defer func() {
		if !stopped {
			cmd.Process.Kill()
			<-exited
		}
	}()

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
		m := regexp.MustCompile(`^listening on (http://127\.0\.0\.1:\d+) `).FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("first line %q, want \"listening on http://...\"", line)
		}
		base = m[1]
	case err := <-exited:
		stopped = true
		t.Fatalf("example exited before listening: %v\n%s", err, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("example did not print its address within 30 s")
	}

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
		resp, err := http.Get(base + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
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

	if runtime.GOOS == "windows" {
		return // no interrupt to send; the deferred Kill stops it
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		stopped = true
		if err != nil {
			t.Errorf("after an interrupt: %v, want a clean exit\n%s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Error("example still running 10 s after an interrupt")
	}
}
