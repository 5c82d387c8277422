package e2e

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/swkit/swkit/internal/browsertest"
)

// TestExampleEmbedOffline: _examples/embed does what its comment says.
// With the program stopped, the page still loads and shows the last time
// the API answered, from the worker's networkFirst cache.
func TestExampleEmbedOffline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bin := filepath.Join(t.TempDir(), "embed")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "../_examples/embed").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ln := browsertest.Listen(t) // a port no other test's origin had
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.CommandContext(ctx, bin, "--addr", addr)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() {
		t.Fatal("the example printed nothing")
	}
	m := regexp.MustCompile(`^listening on (http://127\.0\.0\.1:\d+)`).FindStringSubmatch(sc.Text())
	if m == nil {
		t.Fatalf("first line %q", sc.Text())
	}
	go io.Copy(io.Discard, stdout)

	tab := browsertest.Shared(t).NewTab(t)
	tab.Navigate(m[1] + "/")
	tab.WaitFor(`document.getElementById('status').textContent === 'offline-ready'`)
	// The first load ran before the worker controlled the page: load again
	// so that the API answer goes through the route and into its cache.
	tab.Reload()
	tab.WaitFor(`navigator.serviceWorker.controller !== null`)
	tab.WaitFor(`caches.open('api').then((c) => c.match('/api/time')).then(Boolean)`)
	tab.WaitFor(`document.getElementById('time').textContent !== 'unknown'`)
	online := browsertest.Eval[string](tab, `document.getElementById('time').textContent`)

	cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("the example exited with %v", err)
		}
	case <-ctx.Done():
		t.Fatal("the example did not stop")
	}
	tab.Reload()
	tab.WaitFor(`document.getElementById('time').textContent !== 'unknown'`)
	if got := browsertest.Eval[string](tab, `document.getElementById('time').textContent`); got != online {
		t.Errorf("offline the page shows %q, want the last answer %q", got, online)
	}
}
