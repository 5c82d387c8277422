package swkit

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The dev worker and the reload client exist only in the dev handler:
// WriteDir's output has neither, and the production worker is the same
// whether or not a dev handler ran.
func TestDevCodeNeverBuilt(t *testing.T) {
	dir := t.TempDir()
	writeOutputs(t, dir, map[string]string{"index.html": "<!doctype html><html><head><title>x</title></head><body>x</body></html>", "app.js": "go()"})
	before, err := BuildDir(dir, Config{}, DirOptions{NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	h, err := Dev(dir, Config{}, DevOptions{DirOptions: DirOptions{NoCache: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	get := func(path string) *httptest.ResponseRecorder { return serve(h, path) }
	devWorker := get("/sw.js").Body.Bytes()
	if bytes.Equal(devWorker, before.Worker) || bytes.Contains(devWorker, []byte("app.js")) {
		t.Errorf("the dev worker is the production one, or precaches app.js")
	}
	page := get("/")
	if !strings.Contains(page.Body.String(), reloadTag+"</head>") || page.Header().Get("Cache-Control") != "no-cache" || page.Header().Get("Etag") != "" {
		t.Errorf("dev page: %v\n%s", page.Header(), page.Body)
	}
	if rec := get(DevPath + "reload.js"); rec.Code != 200 || !strings.Contains(rec.Body.String(), "EventSource") {
		t.Errorf("reload client: %d", rec.Code)
	}

	res, err := WriteDir(dir, Config{}, DirOptions{NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(res.Worker, before.Worker) {
		t.Error("the production worker changed after a dev handler ran")
	}
	for name := range res.Generated() {
		data, _ := os.ReadFile(filepath.Join(dir, name))
		for _, dev := range []string{"EventSource", DevPath, string(devWorker)} {
			if bytes.Contains(data, []byte(dev)) {
				t.Errorf("%s written by WriteDir holds dev code %.40q", name, dev)
			}
		}
	}
}

// A change rebuilds and a fingerprinted name is sent no-cache; a config
// file with an error keeps the last good build.
func TestDevRebuilds(t *testing.T) {
	dir := t.TempDir()
	writeOutputs(t, dir, map[string]string{"app.3f9a1c2b.js": "v1", "swkit.json": `{}`})
	var refused atomic.Bool
	logf := func(format string, args ...any) {
		if strings.HasPrefix(format, "rebuild failed") {
			refused.Store(true)
		}
	}
	h, err := Dev(dir, Config{}, DevOptions{DirOptions: DirOptions{NoCache: true, ConfigFile: filepath.Join(dir, "swkit.json")}, Logf: logf})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	get := func(path string) *httptest.ResponseRecorder { return serve(h, path) }
	if rec := get("/app.3f9a1c2b.js"); rec.Header().Get("Cache-Control") != "no-cache" {
		t.Errorf("fingerprinted name: Cache-Control %q, want no-cache in development", rec.Header().Get("Cache-Control"))
	}
	first := h.Result()
	if first.Worker != nil || first.Files != 2 {
		t.Errorf("dev build: a production worker of %d bytes, %d files precached; want none, and the file and the page helper", len(first.Worker), first.Files)
	}
	writeOutputs(t, dir, map[string]string{"app.3f9a1c2b.js": "v2"})
	waitFor(t, func() bool { return h.Result() != first })
	if got := get("/app.3f9a1c2b.js").Body.String(); got != "v2" {
		t.Errorf("after the change: %q", got)
	}
	second := h.Result()
	writeOutputs(t, dir, map[string]string{"swkit.json": `{"skipWaiting": "yes"}`})
	waitFor(t, refused.Load)
	if h.Result() != second || get("/app.3f9a1c2b.js").Code != 200 {
		t.Error("a config with an error replaced the last good build")
	}
	writeOutputs(t, dir, map[string]string{"swkit.json": `{"skipWaiting": true}`})
	waitFor(t, func() bool { return h.Result() != second })
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("no rebuild within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// serve answers a GET of path with h.
func serve(h http.Handler, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}
