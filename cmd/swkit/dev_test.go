package main

import (
	"bufio"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDevCommand: swkit dev serves the folder with the reload client in
// its pages and the pass-through worker at /sw.js, and tells open pages
// of each change; a config file with an error is reported on stderr and
// the last good build keeps serving.
func TestDevCommand(t *testing.T) {
	site := t.TempDir()
	writeFile(t, filepath.Join(site, "index.html"), "<!doctype html><html><head><title>dev</title></head><body>v1</body></html>")
	writeFile(t, filepath.Join(site, "app.js"), "go()")
	writeFile(t, filepath.Join(site, "swkit.json"), `{"skipWaiting": false}`)
	url, out, errOut, _ := startCommandStreams(t, "dev", "--addr", "127.0.0.1:0", site)
	if !strings.Contains(out.String(), "swkit dev: serving "+site) {
		t.Errorf("stdout: %q", out)
	}
	if _, page := get(t, url); !strings.Contains(string(page), `<script type="module" src="/swkit/dev/reload.js"></script></head>`) {
		t.Errorf("the page has no reload client:\n%s", page)
	}
	if resp, worker := get(t, url+"sw.js"); resp.Header.Get("Cache-Control") != "no-cache" || strings.Contains(string(worker), "app.js") {
		t.Errorf("sw.js: Cache-Control %q, precaches app.js: %v; want the pass-through worker, no-cache",
			resp.Header.Get("Cache-Control"), strings.Contains(string(worker), "app.js"))
	}

	resp, err := http.Get(url + "swkit/dev/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events := make(chan string, 4)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				events <- v
			}
		}
		close(events)
	}()
	next := func(what string) string {
		t.Helper()
		select {
		case v := <-events:
			return v
		case <-time.After(10 * time.Second):
			t.Fatalf("no version on the event stream within 10s %s", what)
			return ""
		}
	}
	first := next("at connection")
	writeFile(t, filepath.Join(site, "index.html"), "<!doctype html><html><head><title>dev</title></head><body>v2</body></html>")
	if second := next("after a change"); second == first {
		t.Errorf("after a change the stream sent the same version %q", second)
	}
	if _, page := get(t, url); !strings.Contains(string(page), "v2") {
		t.Errorf("after the change the page is\n%s", page)
	}

	writeFile(t, filepath.Join(site, "swkit.json"), `{"skipWaiting": "yes"}`)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(errOut.String(), "rebuild failed, still serving the last good build") {
		if time.Now().After(deadline) {
			t.Fatalf("a config with an error was not reported within 10s; stderr:\n%s", errOut)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(errOut.String(), "skipWaiting") {
		t.Errorf("the error does not name the key:\n%s", errOut)
	}
	if resp, page := get(t, url); resp.StatusCode != 200 || !strings.Contains(string(page), "v2") {
		t.Errorf("after the bad config: %d\n%s", resp.StatusCode, page)
	}
}

// TestDevConfigWrittenLater: a swkit.json written while swkit dev runs
// applies at once, without a restart.
func TestDevConfigWrittenLater(t *testing.T) {
	site := t.TempDir()
	writeFile(t, filepath.Join(site, "index.html"), "<!doctype html><title>dev</title>")
	url, _, errOut, _ := startCommandStreams(t, "dev", "--addr", "127.0.0.1:0", site)
	if resp, _ := get(t, url+"sw.js"); resp.StatusCode != 200 {
		t.Fatalf("sw.js: %d", resp.StatusCode)
	}
	writeFile(t, filepath.Join(site, "swkit.json"), `{"swDest": "worker.js"}`)
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, _ := get(t, url+"worker.js")
		if resp.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("worker.js still %d 10s after swkit.json named it; stderr:\n%s", resp.StatusCode, errOut)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
