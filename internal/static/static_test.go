package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"
)

var testOpts = Options{
	Files: map[string][]byte{
		"sw.js":    []byte("NEW WORKER FROM MEMORY"),
		"swkit.js": []byte("export const helper = 1;"),
	},
	Headers: map[string]string{
		"Content-Security-Policy": "default-src 'self'",
		"x-frame-options":         "DENY",
	},
	ServiceWorkerAllowed: "/",
}

func TestServeHeaders(t *testing.T) {
	s := newSite(t)
	h := s.handler(t, testOpts)
	const (
		html = "text/html; charset=utf-8"
		js   = "text/javascript; charset=utf-8"
		imm  = "public, max-age=31536000, immutable"
	)
	tests := []struct {
		name   string
		method string
		target string
		status int
		header map[string]string
		body   string // checked when not empty
	}{
		{"root index", "GET", "/", 200, map[string]string{"Content-Type": html, "Cache-Control": "no-cache", "Vary": "Accept-Encoding"}, ""},
		{"index by name", "GET", "/index.html", 200, map[string]string{"Content-Type": html, "Location": ""}, ""},
		{"dir index", "GET", "/about/", 200, map[string]string{"Content-Type": html}, "<!doctype html><title>about</title>"},
		{"dir redirect", "GET", "/about", 301, map[string]string{"Location": "./about/", "Cache-Control": "", "Etag": ""}, ""},
		{"dir redirect keeps query", "GET", "/about?a=1&b=%20", 301, map[string]string{"Location": "./about/?a=1&b=%20"}, ""},
		{"dir redirect head", "HEAD", "/about", 301, map[string]string{"Location": "./about/"}, ""},
		{"dir without index", "GET", "/emptydir/", 404, nil, "Not Found\n"},
		{"dir without index redirects first", "GET", "/emptydir", 301, nil, ""},
		{"index that is a dir", "GET", "/nested/", 404, nil, "Not Found\n"},
		{"worker from memory", "GET", "/sw.js", 200, map[string]string{"Content-Type": js, "Cache-Control": "no-cache", "Service-Worker-Allowed": "/"}, "NEW WORKER FROM MEMORY"},
		{"worker never from a stale sibling", "GET", "/sw.js", 200, map[string]string{"Content-Encoding": ""}, "NEW WORKER FROM MEMORY"},
		{"stale sibling of memory file", "GET", "/sw.js.br", 404, nil, "Not Found\n"},
		{"other memory file", "GET", "/swkit.js", 200, map[string]string{"Cache-Control": "no-cache", "Service-Worker-Allowed": "", "Vary": "Accept-Encoding"}, "export const helper = 1;"},
		{"hashed hex", "GET", "/assets/app.3f2a9c1b.js", 200, map[string]string{"Cache-Control": imm, "Content-Type": js}, "hashed();"},
		{"hashed mixed", "GET", "/assets/index-BqRbTq0K.css", 200, map[string]string{"Cache-Control": imm, "Content-Type": "text/css; charset=utf-8"}, ""},
		{"plain js", "GET", "/app.js", 200, map[string]string{"Cache-Control": "no-cache", "Content-Type": js, "Vary": "Accept-Encoding", "Content-Encoding": ""}, ""},
		{"webmanifest", "GET", "/manifest.webmanifest", 200, map[string]string{"Content-Type": "application/manifest+json", "Cache-Control": "no-cache"}, ""},
		{"mjs", "GET", "/mod.mjs", 200, map[string]string{"Content-Type": js}, ""},
		{"upper-case extension", "GET", "/UPPER.JS", 200, map[string]string{"Content-Type": js}, ""},
		{"wasm", "GET", "/a.wasm", 200, map[string]string{"Content-Type": "application/wasm"}, ""},
		{"json", "GET", "/data.json", 200, map[string]string{"Content-Type": "application/json"}, ""},
		{"svg", "GET", "/icon.svg", 200, map[string]string{"Content-Type": "image/svg+xml"}, ""},
		{"woff2", "GET", "/font.woff2", 200, map[string]string{"Content-Type": "font/woff2", "Vary": ""}, ""},
		{"avif", "GET", "/img.avif", 200, map[string]string{"Content-Type": "image/avif", "Vary": ""}, ""},
		{"webp", "GET", "/img.webp", 200, map[string]string{"Content-Type": "image/webp"}, ""},
		{"ico", "GET", "/favicon.ico", 200, map[string]string{"Content-Type": "image/x-icon"}, ""},
		{"unknown type", "GET", "/blob.xyz", 200, map[string]string{"Content-Type": "application/octet-stream"}, "unknown"},
		{"symlink inside the root", "GET", "/link-in", 200, nil, ""},
		{"head has no body", "HEAD", "/style.css", 200, map[string]string{"Content-Length": "2100", "Etag": "?"}, ""},
		{"post", "POST", "/index.html", 405, map[string]string{"Allow": "GET, HEAD", "Cache-Control": "", "Etag": ""}, "Method Not Allowed\n"},
		{"options", "OPTIONS", "/", 405, map[string]string{"Allow": "GET, HEAD"}, ""},
		{"missing", "GET", "/nope.html", 404, map[string]string{"Cache-Control": "", "Etag": "", "Content-Type": "text/plain; charset=utf-8"}, "Not Found\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := do(t, h, tt.method, tt.target)
			if w.Code != tt.status {
				t.Fatalf("status = %d, want %d; body %q", w.Code, tt.status, w.Body)
			}
			want := map[string]string{
				"X-Content-Type-Options":  "nosniff",
				"Content-Security-Policy": "default-src 'self'",
				"X-Frame-Options":         "DENY",
			}
			for k, v := range tt.header {
				want[k] = v
			}
			if want["Etag"] == "?" {
				delete(want, "Etag")
				if w.Header().Get("Etag") == "" {
					t.Error("no ETag")
				}
			}
			checkHeaders(t, w.Header(), want)
			if tt.status == 200 && tt.method == "GET" {
				etag := w.Header().Get("Etag")
				if len(etag) < 3 || etag[0] != '"' || etag[len(etag)-1] != '"' {
					t.Errorf("ETag %q is not a strong quoted tag", etag)
				}
			}
			if tt.method == "HEAD" && w.Body.Len() != 0 {
				t.Errorf("HEAD body = %q, want empty", w.Body)
			}
			if tt.body != "" && w.Body.String() != tt.body {
				t.Errorf("body = %q, want %q", w.Body, tt.body)
			}
		})
	}
}

func TestServeDefaults(t *testing.T) {
	// No SwDest: sw.js from disk is the worker; no ServiceWorkerAllowed set.
	h := newSite(t).handler(t, Options{})
	w := do(t, h, "GET", "/sw.js")
	checkHeaders(t, w.Header(), map[string]string{"Cache-Control": "no-cache", "Service-Worker-Allowed": ""})
	if got := w.Body.String(); got != "OLD WORKER FROM DISK" {
		t.Errorf("body = %q", got)
	}

	// A custom SwDest whose name looks hashed is still no-cache.
	h = newSite(t).handler(t, Options{SwDest: "assets/app.3f2a9c1b.js", ServiceWorkerAllowed: "/"})
	w = do(t, h, "GET", "/assets/app.3f2a9c1b.js")
	checkHeaders(t, w.Header(), map[string]string{"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"})

	// A custom IsHashedName replaces the default.
	h = newSite(t).handler(t, Options{IsHashedName: func(name string) bool { return name == "blob.xyz" }})
	checkHeaders(t, do(t, h, "GET", "/blob.xyz").Header(), map[string]string{"Cache-Control": "public, max-age=31536000, immutable"})
	checkHeaders(t, do(t, h, "GET", "/assets/app.3f2a9c1b.js").Header(), map[string]string{"Cache-Control": "no-cache"})
}

func TestConditionalAndRange(t *testing.T) {
	h := newSite(t).handler(t, testOpts)
	first := do(t, h, "GET", "/style.css")
	etag := first.Header().Get("Etag")
	full := first.Body.String()
	memTag := do(t, h, "GET", "/sw.js").Header().Get("Etag")
	brTag := do(t, h, "GET", "/app.js", "Accept-Encoding", "br").Header().Get("Etag")

	tests := []struct {
		name   string
		target string
		header []string
		status int
		body   string
		want   map[string]string
	}{
		{"if-none-match", "/style.css", []string{"If-None-Match", etag}, 304, "", map[string]string{"Etag": etag, "Cache-Control": "no-cache", "Content-Type": "", "Content-Length": ""}},
		{"if-none-match weak", "/style.css", []string{"If-None-Match", "W/" + etag}, 304, "", nil},
		{"if-none-match list", "/style.css", []string{"If-None-Match", `"x", ` + etag}, 304, "", nil},
		{"if-none-match star", "/style.css", []string{"If-None-Match", "*"}, 304, "", nil},
		{"if-none-match other", "/style.css", []string{"If-None-Match", `"other"`}, 200, full, nil},
		{"if-none-match memory", "/sw.js", []string{"If-None-Match", memTag}, 304, "", nil},
		{"if-none-match sibling", "/app.js", []string{"Accept-Encoding", "br", "If-None-Match", brTag}, 304, "", map[string]string{"Vary": "Accept-Encoding"}},
		{"sibling tag does not match identity", "/app.js", []string{"If-None-Match", brTag}, 200, "", nil},
		{"range", "/style.css", []string{"Range", "bytes=0-4"}, 206, full[:5], map[string]string{"Content-Range": "bytes 0-4/2100", "Etag": etag}},
		{"suffix range", "/style.css", []string{"Range", "bytes=-3"}, 206, full[len(full)-3:], nil},
		{"if-range match", "/style.css", []string{"Range", "bytes=5-9", "If-Range", etag}, 206, full[5:10], nil},
		{"if-range mismatch", "/style.css", []string{"Range", "bytes=5-9", "If-Range", `"old"`}, 200, full, nil},
		{"range on encoded", "/app.js", []string{"Accept-Encoding", "br", "Range", "bytes=0-5"}, 206, "BROTLI", map[string]string{"Content-Encoding": "br", "Content-Range": "bytes 0-5/11"}},
		{"unsatisfiable range", "/style.css", []string{"Range", "bytes=9999-"}, 416, "", map[string]string{"Etag": "", "Cache-Control": ""}},
		{"if-match failure", "/style.css", []string{"If-Match", `"other"`}, 412, "", map[string]string{"Etag": "", "Cache-Control": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := do(t, h, "GET", tt.target, tt.header...)
			if w.Code != tt.status {
				t.Fatalf("status = %d, want %d", w.Code, tt.status)
			}
			if tt.body != "" && w.Body.String() != tt.body {
				t.Errorf("body = %q, want %q", w.Body, tt.body)
			}
			if tt.status == 304 && w.Body.Len() != 0 {
				t.Errorf("304 with body %q", w.Body)
			}
			checkHeaders(t, w.Header(), tt.want)
		})
	}
}

func TestPrecompressed(t *testing.T) {
	h := newSite(t).handler(t, testOpts)
	identity := do(t, h, "GET", "/app.js")
	tests := []struct {
		accept   string // "-" for no header
		encoding string
		body     string
	}{
		{"-", "", identity.Body.String()},
		{"", "", identity.Body.String()},
		{"identity", "", identity.Body.String()},
		{"br", "br", "BROTLI-BODY"},
		{"gzip", "gzip", "GZIP-BODY"},
		{"x-gzip", "gzip", "GZIP-BODY"},
		{"gzip, deflate, br, zstd", "br", "BROTLI-BODY"},
		{"GZIP, BR", "br", "BROTLI-BODY"},
		{"br;q=0, gzip", "gzip", "GZIP-BODY"},
		{"br; q=0.000, gzip", "gzip", "GZIP-BODY"},
		{"gzip;q=0.5, br;q=0.4", "gzip", "GZIP-BODY"},
		{"gzip;q=0.5, br;q=0.5", "br", "BROTLI-BODY"},
		{"br;q=0, gzip;q=0", "", identity.Body.String()},
		{"*", "br", "BROTLI-BODY"},
		{"*;q=0", "", identity.Body.String()},
		{"gzip, *;q=0", "gzip", "GZIP-BODY"},
		{"br;q=bogus, gzip", "gzip", "GZIP-BODY"},
		{"br;q=1.5", "", identity.Body.String()},
		{"deflate", "", identity.Body.String()},
	}
	for _, tt := range tests {
		t.Run(tt.accept, func(t *testing.T) {
			var hdr []string
			if tt.accept != "-" {
				hdr = []string{"Accept-Encoding", tt.accept}
			}
			w := do(t, h, "GET", "/app.js", hdr...)
			if w.Code != 200 {
				t.Fatalf("status = %d", w.Code)
			}
			checkHeaders(t, w.Header(), map[string]string{
				"Content-Encoding": tt.encoding,
				"Content-Type":     "text/javascript; charset=utf-8",
				"Vary":             "Accept-Encoding",
				"Cache-Control":    "no-cache",
				"Content-Length":   strconv.Itoa(len(tt.body)),
			})
			if got := w.Body.String(); got != tt.body {
				t.Errorf("body = %q, want %q", got, tt.body)
			}
			if tt.encoding != "" && w.Header().Get("Etag") == identity.Header().Get("Etag") {
				t.Error("encoded response shares the identity ETag")
			}
		})
	}
	t.Run("sibling served as a file", func(t *testing.T) {
		w := do(t, h, "GET", "/app.js.gz")
		checkHeaders(t, w.Header(), map[string]string{"Content-Type": "application/gzip", "Content-Encoding": ""})
		if w.Body.String() != "GZIP-BODY" {
			t.Errorf("body = %q", w.Body)
		}
	})
	t.Run("image never encoded", func(t *testing.T) {
		w := do(t, h, "GET", "/img.png", "Accept-Encoding", "gzip, br")
		checkHeaders(t, w.Header(), map[string]string{"Content-Encoding": "", "Vary": ""})
	})
}

func TestCompressOnTheFly(t *testing.T) {
	h := newSite(t).handler(t, Options{Compress: true, Files: map[string][]byte{"sw.js": bytes.Repeat([]byte("self.x = 1;\n"), 200)}})
	original, _ := os.ReadFile(filepath.Join(newSite(t).dir, "style.css"))
	identityTag := do(t, h, "GET", "/style.css").Header().Get("Etag")

	tests := []struct {
		name, target, accept string
		encoding             string
	}{
		{"gzip", "/style.css", "gzip, br", "gzip"},
		{"not accepted", "/style.css", "br;q=1, gzip;q=0", ""},
		{"too small", "/small.css", "gzip", ""},
		{"sibling wins", "/app.js", "gzip", "gzip"},
		{"memory file", "/sw.js", "gzip", "gzip"},
		{"image", "/img.png", "gzip", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := range 2 { // the second time from the cache
				w := do(t, h, "GET", tt.target, "Accept-Encoding", tt.accept)
				checkHeaders(t, w.Header(), map[string]string{"Content-Encoding": tt.encoding})
				if tt.name == "gzip" {
					zr, err := gzip.NewReader(w.Body)
					if err != nil {
						t.Fatal(err)
					}
					got, err := io.ReadAll(zr)
					if err != nil || !bytes.Equal(got, original) {
						t.Fatalf("round %d: decompressed %d bytes (err %v), want the original", i, len(got), err)
					}
					tag := w.Header().Get("Etag")
					if tag == identityTag || tag == "" {
						t.Errorf("gzip ETag %q, identity %q", tag, identityTag)
					}
					if w.Header().Get("Content-Length") == "" {
						t.Error("no Content-Length")
					}
					if c := do(t, h, "GET", tt.target, "Accept-Encoding", "gzip", "If-None-Match", tag).Code; c != 304 {
						t.Errorf("revalidation status = %d, want 304", c)
					}
				}
				if tt.name == "sibling wins" && w.Body.String() != "GZIP-BODY" {
					t.Errorf("body = %q, want the sibling", w.Body)
				}
			}
		})
	}
}

// TestUnsafePaths sends every way we know to reach hidden files or leave the
// root. None may succeed, fail with 5xx or say anything about the server.
func TestUnsafePaths(t *testing.T) {
	s := newSite(t)
	h := s.handler(t, testOpts)
	targets := []string{
		"/.env",
		"/.git/config",
		"/.git/",
		"/.git",
		"/sub/.hidden",
		"/%2eenv",
		"/%2Eenv",
		"/../secret.txt",
		"/%2e%2e/secret.txt",
		"/%2E%2e/secret.txt",
		"/%2e%2e%2fsecret.txt",
		"/..%2fsecret.txt",
		"/..%2Fsecret.txt",
		"/%2e%2e%5csecret.txt",
		"/..%5csecret.txt",
		"/.%2e/secret.txt",
		"/about/..",
		"/about/../../secret.txt",
		"/about/%2e%2e/%2e%2e/secret.txt",
		"/%252e%252e/secret.txt",
		"/%252e%252e%252fsecret.txt",
		"/%c0%ae%c0%ae/secret.txt", // overlong UTF-8 dots
		"/%e0%80%ae%e0%80%ae/secret.txt",
		"/%ff",
		"/./index.html",
		"/%2e/index.html",
		"//index.html",
		"//secret.txt",
		"///etc/passwd",
		"/about//",
		"/about//index.html",
		"/index.html%00",
		"/index.html%00.png",
		"/%00",
		"/a%0d%0aSet-Cookie:%20x=1",
		"/link-out",
		"/link-abs",
		"/linkdir-out/secret.txt",
		"/linkdir-out/",
		"/linkdir-out",
		"/index.html/",
		"/index.html/x",
		"/" + strings.Repeat("a", 256),
		"/" + strings.Repeat("a/", 600),
		"/" + strings.Repeat("%2e%2e/", 200) + "secret.txt",
		"/etc/passwd",
		"/" + strings.TrimPrefix(filepath.ToSlash(s.parent), "/") + "/secret.txt",
	}
	for _, target := range targets {
		name := target
		if len(name) > 60 {
			name = name[:60]
		}
		t.Run(name, func(t *testing.T) {
			for _, method := range []string{"GET", "HEAD"} {
				w := do(t, h, method, target, "Accept-Encoding", "gzip, br")
				if w.Code != 404 {
					t.Errorf("%s status = %d, want 404", method, w.Code)
				}
				checkLeaks(t, s, w.Body.String()+headerText(w.Header()))
				checkHeaders(t, w.Header(), map[string]string{"Cache-Control": "", "Etag": "", "Content-Encoding": ""})
				if method == "GET" && w.Body.String() != "Not Found\n" {
					t.Errorf("body = %q", w.Body)
				}
			}
		})
	}
}

// checkLeaks fails if text contains the secret or a path of the test's folders.
func checkLeaks(t testing.TB, s *site, text string) {
	t.Helper()
	for _, bad := range []string{secret, "SECRET_ENV", s.parent, "secret.txt", "open ", "no such file", "escapes"} {
		if strings.Contains(text, bad) {
			t.Errorf("response leaks %q: %q", bad, text)
		}
	}
}

func headerText(h http.Header) string {
	var b strings.Builder
	for k, v := range h {
		if k == "Location" {
			continue // echoes the (client-supplied) path by design
		}
		b.WriteString(k + ": " + strings.Join(v, ",") + "\n")
	}
	return b.String()
}

// TestSymlinkOutOfRoot proves the documented contract: through os.Root a link
// out of the folder is not served, while os.DirFS would serve it.
func TestSymlinkOutOfRoot(t *testing.T) {
	s := newSite(t)
	t.Run("os.Root", func(t *testing.T) {
		h := s.handler(t, Options{})
		for _, target := range []string{"/link-out", "/link-abs", "/linkdir-out/secret.txt"} {
			w := do(t, h, "GET", target)
			if w.Code != 404 {
				t.Errorf("%s: status = %d, want 404", target, w.Code)
			}
			checkLeaks(t, s, w.Body.String())
		}
	})
	t.Run("os.DirFS would leak", func(t *testing.T) {
		h, err := New(os.DirFS(s.dir), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if w := do(t, h, "GET", "/link-out"); w.Body.String() != secret {
			t.Skipf("os.DirFS did not follow the link (status %d); nothing to contrast", w.Code)
		}
	})
}

func TestZeroModTime(t *testing.T) {
	fsys := fstest.MapFS{
		"index.html":    {Data: []byte("<p>embedded</p>")},
		"docs/a.css":    {Data: []byte("a{}")},
		"docs/a.css.gz": {Data: []byte("GZ")},
		".hidden":       {Data: []byte(secret)},
	}
	h, err := New(fsys, Options{})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("<p>embedded</p>"))
	want := etagOf(sum)

	w := do(t, h, "GET", "/")
	if w.Code != 200 || w.Body.String() != "<p>embedded</p>" {
		t.Fatalf("GET / = %d %q", w.Code, w.Body)
	}
	checkHeaders(t, w.Header(), map[string]string{"Etag": want, "Last-Modified": ""})
	if c := do(t, h, "GET", "/index.html", "If-None-Match", want).Code; c != 304 {
		t.Errorf("revalidation = %d, want 304", c)
	}
	if w := do(t, h, "GET", "/docs"); w.Code != 301 || w.Header().Get("Location") != "./docs/" {
		t.Errorf("GET /docs = %d %q", w.Code, w.Header().Get("Location"))
	}
	if w := do(t, h, "GET", "/docs/a.css", "Accept-Encoding", "gzip"); w.Body.String() != "GZ" || w.Header().Get("Content-Encoding") != "gzip" {
		t.Errorf("sibling in MapFS: %q %q", w.Body, w.Header().Get("Content-Encoding"))
	}
	if c := do(t, h, "GET", "/.hidden").Code; c != 404 {
		t.Errorf("dotfile = %d", c)
	}
	// With no modification time the cache trusts the name and size: an
	// embedded file cannot change while the program runs.
	fsys["index.html"].Data = []byte("<p>EMBEDDED</p>")
	if got := do(t, h, "GET", "/").Header().Get("Etag"); got != want {
		t.Errorf("ETag recomputed to %q for an FS without modtimes", got)
	}
}

func TestETagFollowsDisk(t *testing.T) {
	s := newSite(t)
	h := s.handler(t, Options{})
	p := filepath.Join(s.dir, "data.json")
	tag1 := do(t, h, "GET", "/data.json").Header().Get("Etag")

	tests := []struct {
		name    string
		content string
		mod     time.Time
	}{
		{"new size and time", `{"v":2}`, time.Now().Add(time.Hour)},
		{"same size new time", `{"v":3}`, time.Now().Add(2 * time.Hour)},
		{"new size same time", `{"v":40}`, time.Now().Add(2 * time.Hour)},
	}
	prev := tag1
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile(p, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(p, tt.mod, tt.mod); err != nil {
				t.Fatal(err)
			}
			w := do(t, h, "GET", "/data.json", "If-None-Match", prev)
			if w.Code != 200 || w.Body.String() != tt.content {
				t.Fatalf("got %d %q, want 200 %q", w.Code, w.Body, tt.content)
			}
			tag := w.Header().Get("Etag")
			if tag == prev {
				t.Errorf("ETag unchanged: %s", tag)
			}
			if want := etagOf(sha256.Sum256([]byte(tt.content))); tag != want {
				t.Errorf("ETag = %s, want %s", tag, want)
			}
			prev = tag
		})
	}
}

func TestNewErrors(t *testing.T) {
	fsys := fstest.MapFS{}
	tests := []struct {
		name string
		opts Options
	}{
		{"swdest with dotdot", Options{SwDest: "../sw.js"}},
		{"swdest absolute", Options{SwDest: "/sw.js"}},
		{"swdest dotfile", Options{SwDest: ".sw.js"}},
		{"files key dotdot", Options{Files: map[string][]byte{"a/../b.js": nil}}},
		{"files key dir", Options{Files: map[string][]byte{"a/": nil}}},
		{"files key empty", Options{Files: map[string][]byte{"": nil}}},
		{"files key backslash", Options{Files: map[string][]byte{`a\b.js`: nil}}},
		{"reserved header", Options{Headers: map[string]string{"cache-control": "public"}}},
		{"reserved etag", Options{Headers: map[string]string{"ETag": `"x"`}}},
		{"header injection", Options{Headers: map[string]string{"X-A": "a\r\nSet-Cookie: x"}}},
		{"bad header name", Options{Headers: map[string]string{"X A": "a"}}},
		{"worker allowed injection", Options{ServiceWorkerAllowed: "/\nX: y"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(fsys, tt.opts); err == nil {
				t.Error("New succeeded, want an error")
			}
		})
	}
	if _, err := New(nil, Options{}); err == nil {
		t.Error("New(nil) succeeded")
	}
	if _, err := New(fsys, Options{Files: map[string][]byte{"a/b.js": nil}, SwDest: "a/sw.js"}); err != nil {
		t.Errorf("valid options: %v", err)
	}
}

func TestFilesAreCopied(t *testing.T) {
	data := []byte("original")
	h, err := New(fstest.MapFS{}, Options{Files: map[string][]byte{"sw.js": data}})
	if err != nil {
		t.Fatal(err)
	}
	copy(data, "CHANGED!")
	if got := do(t, h, "GET", "/sw.js").Body.String(); got != "original" {
		t.Errorf("body = %q", got)
	}
}

func TestVaryKeepsUserVary(t *testing.T) {
	h := newSite(t).handler(t, Options{Headers: map[string]string{"Vary": "Origin"}})
	w := do(t, h, "GET", "/app.js")
	if got := w.Header().Values("Vary"); strings.Join(got, ",") != "Origin,Accept-Encoding" {
		t.Errorf("Vary = %q", got)
	}
	if got := do(t, h, "GET", "/img.png").Header().Values("Vary"); strings.Join(got, ",") != "Origin" {
		t.Errorf("Vary on an image = %q", got)
	}
}

// TestConcurrent exercises the ETag and gzip caches from many goroutines
// (run with -race) while a file changes on disk.
func TestConcurrent(t *testing.T) {
	s := newSite(t)
	h := s.handler(t, Options{Compress: true, Files: map[string][]byte{"sw.js": bytes.Repeat([]byte("w"), 4096)}})
	targets := []string{"/", "/style.css", "/app.js", "/sw.js", "/data.json", "/img.png"}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 50 {
			content := strings.Repeat("x", 2000+i)
			if err := os.WriteFile(filepath.Join(s.dir, "data.json"), []byte(content), 0o644); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 100 {
				w := do(t, h, "GET", targets[(g+i)%len(targets)], "Accept-Encoding", "gzip")
				if w.Code != 200 {
					t.Errorf("status %d", w.Code)
				}
			}
		})
	}
	wg.Wait()
	<-done
}
