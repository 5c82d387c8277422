package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swkit/swkit/internal/browsertest"
)

// exampleProgram is an example built once and run (and stopped, and run
// again) on one address, so that the origin stays the same.
type exampleProgram struct {
	t    *testing.T
	bin  string
	args []string
	addr string
	cmd  *exec.Cmd
	done chan error
}

func buildExample(t *testing.T, pkg string, args ...string) *exampleProgram {
	t.Helper()
	bin := filepath.Join(t.TempDir(), filepath.Base(pkg))
	if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	ln := browsertest.Listen(t)
	addr := ln.Addr().String()
	ln.Close()
	p := &exampleProgram{t: t, bin: bin, args: args, addr: addr}
	t.Cleanup(p.stop)
	return p
}

func (p *exampleProgram) url(path string) string { return "http://" + p.addr + path }

// start runs the program and waits until it listens.
func (p *exampleProgram) start() {
	p.t.Helper()
	p.cmd = exec.Command(p.bin, append([]string{"--addr", p.addr}, p.args...)...)
	p.cmd.Env = append(os.Environ(), "NOTES_ADMIN_TOKEN=test-admin-token")
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		p.t.Fatal(err)
	}
	p.cmd.Stderr = os.Stderr
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	p.done = make(chan error, 1)
	go func() { p.done <- p.cmd.Wait() }()
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "listening on ") {
		p.t.Fatalf("the example did not start: %q", sc.Text())
	}
	go io.Copy(io.Discard, stdout)
}

// stop interrupts the program and waits for its clean exit.
func (p *exampleProgram) stop() {
	if p.cmd == nil {
		return
	}
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-p.done:
		if err != nil {
			p.t.Errorf("the example exited with %v", err)
		}
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		p.t.Error("the example did not stop")
	}
	p.cmd = nil
}

// TestExampleNotesOffline: _examples/notes as its README walks through it.
// Its rendered pages and the last notes open with the program stopped; a
// note written offline is queued, and reaches the server exactly once
// when the program is back; the admin handler needs its token.
func TestExampleNotesOffline(t *testing.T) {
	db := filepath.Join(t.TempDir(), "notes.db")
	p := buildExample(t, "../_examples/notes", "--db", db)
	p.start()

	tab := browsertest.Shared(t).NewTab(t)
	tab.Navigate(p.url("/"))
	tab.WaitController()
	tab.WaitFor(`document.getElementById('status').textContent === 'offline-ready'`)
	addNote := func(text string) {
		browsertest.Eval[bool](tab, `(document.getElementById('text').value = `+jsonString(text)+`, document.getElementById('new').requestSubmit(), true)`)
	}
	addNote("buy milk")
	tab.WaitFor(`document.getElementById('notes').textContent.includes('buy milk')`)

	p.stop()
	for _, path := range []string{"/about", "/"} {
		if err := navigateErr(tab, p.url(path)); err != nil {
			t.Fatalf("offline %s: %v", path, err)
		}
	}
	tab.WaitFor(`document.getElementById('notes').textContent.includes('buy milk')`)
	if c := browsertest.Eval[string](tab, `getComputedStyle(document.body).fontFamily`); !strings.Contains(c, "system-ui") {
		t.Errorf("offline, /static/app.css did not apply: font %q", c)
	}
	addNote("written offline")
	tab.WaitFor(`document.getElementById('notes').textContent.includes('written offline (waiting)')`)

	p.start()
	// The queue is replayed when the page loads again (or on sync).
	tab.Reload()
	tab.WaitFor(`fetch('/api/notes').then((r) => r.json()).then((l) => l.some((n) => n.text === 'written offline'))`)
	// Give a second replay every chance to arrive, then count.
	tab.Reload()
	tab.WaitFor(`document.getElementById('notes').textContent.includes('written offline')`)
	resp, err := http.Get(p.url("/api/notes"))
	if err != nil {
		t.Fatal(err)
	}
	var notes []struct{ Text string }
	json.NewDecoder(resp.Body).Decode(&notes)
	resp.Body.Close()
	n := 0
	for _, x := range notes {
		if x.Text == "written offline" {
			n++
		}
	}
	if n != 1 || len(notes) != 2 {
		t.Errorf("notes on the server %v: want buy milk and one written offline", notes)
	}

	for _, tc := range []struct {
		token  string
		status int
	}{{"", http.StatusUnauthorized}, {"test-admin-token", http.StatusOK}} {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, p.url("/admin/notify"), nil)
		if tc.token != "" {
			req.Header.Set("Authorization", "Bearer "+tc.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("POST /admin/notify with token %q: %d, want %d", tc.token, resp.StatusCode, tc.status)
		}
	}
}
