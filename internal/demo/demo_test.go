package demo

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// serve starts the demo on 127.0.0.1 and returns it with its base URL.
func serve(t *testing.T, opts Options) (*Demo, string) {
	t.Helper()
	d, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(d)
	t.Cleanup(srv.Close)
	return d, srv.URL
}

// get sends a request and returns the response with its body read.
func get(t *testing.T, method, url string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return resp, body
}

func TestImageRotatesWithClock(t *testing.T) {
	clock := newFakeClock()
	d, base := serve(t, Options{Now: clock.Now})

	elapsed := time.Duration(0)
	for _, tc := range []struct {
		at   time.Duration
		want string
	}{
		{0, "1"},
		{9999 * time.Millisecond, "1"},
		{10 * time.Second, "2"},
		{25 * time.Second, "3"},
		{99 * time.Second, "10"},
		{100 * time.Second, "1"}, // wraps after ten
		{110 * time.Second, "2"},
		{1000 * time.Second, "1"},
	} {
		clock.Advance(tc.at - elapsed)
		elapsed = tc.at
		resp, body := get(t, http.MethodGet, base+"/img", nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("at %v: status %d", tc.at, resp.StatusCode)
		}
		if got := resp.Header.Get("X-Swkit-Image"); got != tc.want {
			t.Errorf("at %v: X-Swkit-Image = %q, want %q", tc.at, got, tc.want)
		}
		var n int
		fmt.Sscan(tc.want, &n)
		if !bytes.Equal(body, d.images[n-1].data) {
			t.Errorf("at %v: body is not image %d", tc.at, n)
		}
	}
}

func TestImageCustomRotate(t *testing.T) {
	clock := newFakeClock()
	_, base := serve(t, Options{Now: clock.Now, Rotate: 2 * time.Second})
	clock.Advance(5 * time.Second)
	resp, _ := get(t, http.MethodGet, base+"/img", nil)
	if got, want := resp.Header.Get("X-Swkit-Image"), "3"; got != want {
		t.Errorf("X-Swkit-Image after 5s at 2s rotation = %q, want %q", got, want)
	}
}

func TestImageHeadersAndConditional(t *testing.T) {
	clock := newFakeClock()
	_, base := serve(t, Options{Now: clock.Now})

	resp, body := get(t, http.MethodGet, base+"/img", nil)
	if got, want := resp.Header.Get("Content-Type"), "image/png"; got != want {
		t.Errorf("Content-Type = %q, want %q", got, want)
	}
	if got, want := resp.Header.Get("Cache-Control"), "no-cache"; got != want {
		t.Errorf("Cache-Control = %q, want %q", got, want)
	}
	etag := resp.Header.Get("ETag")
	sum := sha256.Sum256(body)
	if want := fmt.Sprintf(`"%x"`, sum[:16]); etag != want {
		t.Errorf("ETag = %s, want the content hash %s", etag, want)
	}

	resp, body = get(t, http.MethodGet, base+"/img", http.Header{"If-None-Match": {etag}})
	if resp.StatusCode != http.StatusNotModified || len(body) != 0 {
		t.Errorf("If-None-Match with the current ETag: status %d, %d body bytes; want 304, none", resp.StatusCode, len(body))
	}

	clock.Advance(10 * time.Second)
	resp, _ = get(t, http.MethodGet, base+"/img", http.Header{"If-None-Match": {etag}})
	if resp.StatusCode != http.StatusOK {
		t.Errorf("If-None-Match with the previous cat's ETag: status %d, want 200", resp.StatusCode)
	}
	if resp.Header.Get("ETag") == etag {
		t.Errorf("the next cat has the same ETag %s", etag)
	}

	resp, body = get(t, http.MethodHead, base+"/img", nil)
	if resp.StatusCode != http.StatusOK || len(body) != 0 || resp.Header.Get("X-Swkit-Image") != "2" {
		t.Errorf("HEAD: status %d, %d body bytes, image %q; want 200, none, 2", resp.StatusCode, len(body), resp.Header.Get("X-Swkit-Image"))
	}

	resp, _ = get(t, http.MethodPost, base+"/img", nil)
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: status %d, Allow %q; want 405, \"GET, HEAD\"", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

func TestImageConcurrent(t *testing.T) {
	// Requests racing with the clock: -race checks nothing is shared unguarded.
	clock := newFakeClock()
	d, base := serve(t, Options{Now: clock.Now, Rotate: time.Millisecond})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10 {
				resp, err := http.Get(base + "/img")
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				clock.Advance(time.Millisecond)
			}
		})
	}
	wg.Wait()
	if got := d.Hits()["/img"]; got != 80 {
		t.Errorf("Hits()[/img] = %d, want 80", got)
	}
}

func TestGeneratedCats(t *testing.T) {
	first, err := generatedCats()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[[32]byte]int{}
	for i, b := range first {
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("cat %d is not a valid PNG: %v", i+1, err)
		}
		if got := img.Bounds().Size(); got != image.Pt(480, 360) {
			t.Errorf("cat %d is %v, want 480x360", i+1, got)
		}
		sum := sha256.Sum256(b)
		if j, ok := seen[sum]; ok {
			t.Errorf("cat %d is identical to cat %d", i+1, j)
		}
		seen[sum] = i + 1
	}

	// Determinism: a second demo serves the very same bytes.
	d1, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	d2, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range d1.images {
		if !bytes.Equal(d1.images[i].data, d2.images[i].data) || !bytes.Equal(d1.images[i].data, first[i]) {
			t.Errorf("cat %d differs between two runs", i+1)
		}
		if d1.images[i].etag != d2.images[i].etag {
			t.Errorf("cat %d: ETag %s then %s", i+1, d1.images[i].etag, d2.images[i].etag)
		}
	}
}

// writeCats writes cat-1 .. cat-10 to a new folder, in a mix of formats and
// extensions, leaving out the numbers in skip.
func writeCats(t *testing.T, skip ...int) string {
	t.Helper()
	dir := t.TempDir()
	for n := 1; n <= 10; n++ {
		if contains(skip, n) {
			continue
		}
		img := image.NewRGBA(image.Rect(0, 0, 8, 8))
		for i := range img.Pix {
			img.Pix[i] = uint8(n * 20)
		}
		var buf bytes.Buffer
		var name string
		switch n % 3 {
		case 0:
			name = fmt.Sprintf("cat-%d.png", n)
			png.Encode(&buf, img)
		case 1:
			name = fmt.Sprintf("cat-%d.jpg", n)
			jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
		case 2:
			name = fmt.Sprintf("cat-%d.jpeg", n)
			jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
		}
		if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestImagesDir(t *testing.T) {
	dir := writeCats(t)
	clock := newFakeClock()
	_, base := serve(t, Options{Now: clock.Now, ImagesDir: dir})
	for n := 1; n <= 10; n++ {
		resp, body := get(t, http.MethodGet, base+"/img", nil)
		name, ctype := fmt.Sprintf("cat-%d.png", n), "image/png"
		switch n % 3 {
		case 1:
			name, ctype = fmt.Sprintf("cat-%d.jpg", n), "image/jpeg"
		case 2:
			name, ctype = fmt.Sprintf("cat-%d.jpeg", n), "image/jpeg"
		}
		want, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(body, want) {
			t.Errorf("image %d: body is not %s", n, name)
		}
		if got := resp.Header.Get("Content-Type"); got != ctype {
			t.Errorf("image %d: Content-Type = %q, want %q", n, got, ctype)
		}
		if got := resp.Header.Get("X-Swkit-Image"); got != fmt.Sprint(n) {
			t.Errorf("image %d: X-Swkit-Image = %q", n, got)
		}
		clock.Advance(DefaultRotate)
	}
}

func TestImagesDirErrors(t *testing.T) {
	notImage := writeCats(t, 4)
	if err := os.WriteFile(filepath.Join(notImage, "cat-4.jpg"), []byte("hello, not a cat"), 0o644); err != nil {
		t.Fatal(err)
	}
	aFile := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(aFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "no-such-folder")

	for _, tc := range []struct {
		name string
		dir  string
		want []string // every one must appear in the error
	}{
		{"missing folder", missing, []string{missing, "does not exist", "cat-1.jpg", "--images"}},
		{"not a folder", aFile, []string{aFile, "not a folder"}},
		{"missing cat-7", writeCats(t, 7), []string{"no cat-7 image", "cat-7.jpg", "cat-7.png", "add it"}},
		{"not an image", notImage, []string{"cat-4.jpg", "is not a JPEG or PNG image", "text/plain"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(Options{ImagesDir: tc.dir})
			if err == nil {
				t.Fatal("New: no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestNegativeRotate(t *testing.T) {
	if _, err := New(Options{Rotate: -time.Second}); err == nil || !strings.Contains(err.Error(), "negative") {
		t.Errorf("New with Rotate -1s: error %v, want one saying negative", err)
	}
}

func TestPage(t *testing.T) {
	_, base := serve(t, Options{Rotate: 2500 * time.Millisecond})
	resp, body := get(t, http.MethodGet, base+"/", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /: status %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("GET /: Content-Type %q", ct)
	}
	for _, want := range []string{
		`<title>swkit demo</title>`,
		`<meta name="swkit-rotate" content="2500">`,
		`<img id="cat" src="/img" alt="A cat"`,
		`id="status"`,
		`id="update"`,
		`src="main.js"`,
	} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("GET / does not contain %s", want)
		}
	}
	if bytes.Contains(body, []byte(rotateMeta)) {
		t.Errorf("GET / still has the template's %s", rotateMeta)
	}

	for path, want := range map[string]string{
		"/main.js":   "import {register, subscribe} from './swkit.js'",
		"/style.css": "#cat",
	} {
		resp, body := get(t, http.MethodGet, base+path, nil)
		if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(want)) {
			t.Errorf("GET %s: status %d, want 200 and a body with %q", path, resp.StatusCode, want)
		}
	}
}

func TestWorker(t *testing.T) {
	_, base := serve(t, Options{})
	resp, sw := get(t, http.MethodGet, base+"/sw.js", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /sw.js: status %d", resp.StatusCode)
	}
	if got := resp.Header.Get("Cache-Control"); got != "no-cache" {
		t.Errorf("GET /sw.js: Cache-Control %q, want no-cache", got)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
		t.Errorf("GET /sw.js: Content-Type %q", ct)
	}
	// The precache manifest lists the page's files, with the hash of what
	// is actually served (the rendered index.html, not the embedded one):
	// a generated worker's compact entry [url, base64 SHA-256], from which
	// the runtime derives the revision and the SRI integrity. The SRI hash
	// is checked by the browser on install, so a mismatch would fail it.
	for _, name := range []string{"index.html", "main.js", "style.css", "swkit.js"} {
		_, body := get(t, http.MethodGet, base+"/"+name, nil)
		sum := sha256.Sum256(body)
		want := fmt.Sprintf("[%q,%q]", name, base64.StdEncoding.EncodeToString(sum[:]))
		if !bytes.Contains(sw, []byte(want)) {
			t.Errorf("sw.js does not precache %s as served: %s missing", name, want)
		}
	}
	// /img is a runtime route with its own cache, never precached.
	if !bytes.Contains(sw, []byte(ImageCacheName)) {
		t.Errorf("sw.js does not mention the %s cache", ImageCacheName)
	}
	if bytes.Contains(sw, []byte(`url:"img"`)) || bytes.Contains(sw, []byte(`"url":"img"`)) {
		t.Error("sw.js precaches /img")
	}

	// Same inputs, same worker: a restarted demo must not look like an update.
	_, base2 := serve(t, Options{})
	if _, sw2 := get(t, http.MethodGet, base2+"/sw.js", nil); !bytes.Equal(sw, sw2) {
		t.Error("two demos serve different sw.js")
	}
}

func TestPageHelper(t *testing.T) {
	_, base := serve(t, Options{})
	resp, body := get(t, http.MethodGet, base+"/swkit.js", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /swkit.js: status %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
		t.Errorf("GET /swkit.js: Content-Type %q, want text/javascript", ct)
	}
	if !bytes.Contains(body, []byte("register")) {
		t.Error("swkit.js does not export register")
	}
}

func TestHits(t *testing.T) {
	d, base := serve(t, Options{})
	get(t, http.MethodGet, base+"/", nil)
	get(t, http.MethodGet, base+"/img", nil)
	get(t, http.MethodGet, base+"/img", nil)
	hits := d.Hits()
	if hits["/"] != 1 || hits["/img"] != 2 {
		t.Errorf("Hits() = %v, want / once and /img twice", hits)
	}
	hits["/img"] = 100 // a copy: changing it changes nothing
	if d.Hits()["/img"] != 2 {
		t.Error("Hits() returned the live map")
	}
}

func TestRenderIndex(t *testing.T) {
	for _, tc := range []struct {
		rotate time.Duration
		want   string
	}{
		{10 * time.Second, `content="10000"`},
		{1500 * time.Millisecond, `content="1500"`},
		{time.Microsecond, `content="1"`},
	} {
		got, err := renderIndex([]byte("<head>"+rotateMeta+"</head>"), tc.rotate)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(got, []byte(tc.want)) {
			t.Errorf("renderIndex(%v) = %s, want %s", tc.rotate, got, tc.want)
		}
	}
	if _, err := renderIndex([]byte("<head></head>"), time.Second); err == nil {
		t.Error("renderIndex of a page without the meta tag: no error")
	}
}
