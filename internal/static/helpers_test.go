package static

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// secret is placed outside the served folder; no response may ever contain it.
const secret = "TOPSECRET-7f3e0c9a-outside-the-root"

// site is a served folder inside a temporary parent that holds secret.txt.
type site struct {
	parent string // holds secret.txt and the folder
	dir    string // the served folder
	root   *os.Root
}

// newSite writes the test folder and opens it as an os.Root.
func newSite(t testing.TB) *site {
	t.Helper()
	parent := t.TempDir()
	dir := filepath.Join(parent, "site")
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(parent, "secret.txt"), []byte(secret), 0o644); err != nil {
		t.Fatal(err)
	}
	write("index.html", "<!doctype html><title>home</title>"+strings.Repeat("<p>hello</p>\n", 200))
	write("about/index.html", "<!doctype html><title>about</title>")
	write("emptydir/readme.txt", "no index here")
	write("nested/index.html/placeholder", "index.html is a folder here")
	write("app.js", "console.log('identity');\n"+strings.Repeat("// padding line\n", 100))
	write("app.js.br", "BROTLI-BODY")
	write("app.js.gz", "GZIP-BODY")
	write("style.css", strings.Repeat("body { color: red; }\n", 100))
	write("small.css", "a{}")
	write("assets/app.3f2a9c1b.js", "hashed();")
	write("assets/index-BqRbTq0K.css", "hashed{}")
	write("manifest.webmanifest", `{"name":"t"}`)
	write("mod.mjs", "export {};")
	write("a.wasm", "\x00asm")
	write("data.json", `{}`)
	write("icon.svg", "<svg/>")
	write("font.woff2", "wOF2")
	write("img.avif", "avif")
	write("img.webp", "webp")
	write("img.png", "png")
	write("favicon.ico", "ico")
	write("blob.xyz", "unknown")
	write("UPPER.JS", "upper();")
	write("sw.js", "OLD WORKER FROM DISK")
	write("sw.js.br", "STALE WORKER BR")
	write(".env", "SECRET_ENV="+secret)
	write(".git/config", secret)
	write("sub/.hidden", secret)
	if err := os.Symlink("../secret.txt", filepath.Join(dir, "link-out")); err != nil {
		t.Skipf("symlinks unavailable: %v", err)
	}
	if err := os.Symlink("..", filepath.Join(dir, "linkdir-out")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(parent, "secret.txt"), filepath.Join(dir, "link-abs")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("index.html", filepath.Join(dir, "link-in")); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return &site{parent: parent, dir: dir, root: root}
}

func (s *site) handler(t testing.TB, opts Options) *Handler {
	t.Helper()
	h, err := New(s.root.FS(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// do sends one request. target is a raw request target, so that encodings
// reach the handler exactly as a client sent them. header holds pairs.
func do(t testing.TB, h http.Handler, method, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	u, err := url.ParseRequestURI(target)
	if err != nil {
		t.Fatalf("bad target %q: %v", target, err)
	}
	r := httptest.NewRequest(method, "/", nil)
	r.URL = u
	r.RequestURI = target
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Add(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// checkHeaders compares the named headers; "" means the header is absent.
func checkHeaders(t *testing.T, got http.Header, want map[string]string) {
	t.Helper()
	for k, v := range want {
		vals, ok := got[http.CanonicalHeaderKey(k)]
		switch {
		case v == "" && ok:
			t.Errorf("%s = %q, want absent", k, vals)
		case v != "" && strings.Join(vals, ", ") != v:
			t.Errorf("%s = %q, want %q", k, strings.Join(vals, ", "), v)
		}
	}
}
