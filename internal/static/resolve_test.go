package static

import (
	"bufio"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestResolve(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" means an error
	}{
		{"", "index.html"},
		{"/", "index.html"},
		{"/index.html", "index.html"},
		{"/about/", "about/index.html"},
		{"/about", "about"},
		{"/a/b/c.js", "a/b/c.js"},
		{"/%2e%2e", "%2e%2e"}, // a literal name: decoding happened once, before
		{"/a%20b", "a%20b"},
		{"/héllo.txt", "héllo.txt"},
		{"/_underscore.js", "_underscore.js"},
		{"/a..b", "a..b"},
		{"/a/b.", "a/b."},
		{"/" + strings.Repeat("a", 255), strings.Repeat("a", 255)},
		{"/" + strings.Repeat("a", 256), ""},
		{"/" + strings.Repeat("a/", 600), ""},
		{"index.html", ""},
		{"/..", ""},
		{"/../x", ""},
		{"/a/..", ""},
		{"/a/../b", ""},
		{"/.", ""},
		{"/./a", ""},
		{"/a/./b", ""},
		{"/.env", ""},
		{"/.git/config", ""},
		{"/a/.hidden/b", ""},
		{"/.well-known/x", ".well-known/x"},
		{"/.well-known/acme-challenge/tok", ".well-known/acme-challenge/tok"},
		{"/.well-known/", ".well-known/index.html"},
		{"/.well-known/.env", ""},
		{"/.well-known/a/.git/config", ""},
		{"/.well-known/../.env", ""},
		{"/a/.well-known/x", ""},
		{"/.WELL-KNOWN/x", ""},
		{"/.well-known./x", ""},
		{"//", ""},
		{"//a", ""},
		{"/a//b", ""},
		{"/a//", ""},
		{`/a\b`, ""},
		{`/..\x`, ""},
		{"/a\x00b", ""},
		{"/a\nb", ""},
		{"/a\x7fb", ""},
		{"/\xc0\xae\xc0\xae/x", ""},
		{"/\xff", ""},
	}
	for _, tt := range tests {
		name := tt.in
		if len(name) > 40 {
			name = name[:40]
		}
		t.Run(name, func(t *testing.T) {
			got, err := Resolve(tt.in)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("Resolve(%q) = %q, want an error", tt.in, got)
				}
				if !errors.Is(err, ErrNotFound) || !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("error %v is not ErrNotFound and fs.ErrNotExist", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Resolve(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func FuzzResolve(f *testing.F) {
	for _, s := range []string{"/", "/a/b", "/a/", "/..", "/%2e%2e/", "/a/../../b", "//x", `/a\..\b`, "/.git", "/a\x00", "/\xc0\xae", "C:/x", "/C:/x", "/a:b"} {
		f.Add(s)
	}
	root := f.TempDir()
	f.Fuzz(func(t *testing.T, in string) {
		got, err := Resolve(in)
		if err != nil {
			if !errors.Is(err, ErrNotFound) {
				t.Fatalf("error %v does not wrap ErrNotFound", err)
			}
			return
		}
		if !fs.ValidPath(got) || got == "." {
			t.Fatalf("Resolve(%q) = %q: not a valid file path", in, got)
		}
		if !utf8.ValidString(got) || strings.ContainsAny(got, "\\\x00") {
			t.Fatalf("Resolve(%q) = %q: bad characters", in, got)
		}
		for i, seg := range strings.Split(got, "/") {
			if seg == "" || seg[0] == '.' && (i > 0 || seg != ".well-known") {
				t.Fatalf("Resolve(%q) = %q: empty or dot segment", in, got)
			}
		}
		joined := filepath.Join(root, filepath.FromSlash(got))
		rel, err := filepath.Rel(root, joined)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
			t.Fatalf("Resolve(%q) = %q escapes the root (%q)", in, got, rel)
		}
	})
}

// FuzzServe runs arbitrary request targets against a folder with links out of
// it and a secret beside it: nothing may leak and nothing may fail with 5xx.
func FuzzServe(f *testing.F) {
	for _, s := range []string{
		"/", "/index.html", "/about", "/link-out", "/linkdir-out/secret.txt", "/%2e%2e/secret.txt",
		"/..%2fsecret.txt", "/.env", "/.git/config", "//secret.txt", "/app.js", "/sw.js.br",
		"/index.html%00", "/%c0%ae%c0%ae/secret.txt", "/about?x=1", "/nested/",
	} {
		f.Add(s, "gzip, br", "")
	}
	s := newSite(f)
	h := s.handler(f, Options{Compress: true, Files: map[string][]byte{"sw.js": []byte("worker")}})
	f.Fuzz(func(t *testing.T, target, acceptEncoding, rng string) {
		u, err := parseTarget(target)
		if err != nil {
			return // the server would have answered 400 before any handler ran
		}
		r := httptest.NewRequest("GET", "/", nil)
		r.URL = u
		r.RequestURI = target
		if acceptEncoding != "" {
			r.Header.Set("Accept-Encoding", acceptEncoding)
		}
		if rng != "" {
			r.Header.Set("Range", rng)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%q: status %d", target, w.Code)
		}
		body := w.Body.String()
		for _, bad := range []string{secret, s.parent} {
			if strings.Contains(body, bad) {
				t.Fatalf("%q: body leaks %q", target, bad)
			}
		}
	})
}

// parseTarget parses a request target as net/http's server does, and rejects
// what it would reject before reaching a handler.
func parseTarget(target string) (*url.URL, error) {
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n")))
	if err != nil {
		return nil, err
	}
	return req.URL, nil
}
