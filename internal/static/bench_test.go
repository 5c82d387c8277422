package static

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// nullWriter is a ResponseWriter that keeps headers and discards the body, so
// the benchmarks measure the handler rather than a recorder's buffer.
type nullWriter struct {
	h    http.Header
	code int
}

func (w *nullWriter) Header() http.Header         { return w.h }
func (w *nullWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *nullWriter) WriteHeader(code int)        { w.code = code }

// ReadFrom stands for net/http's, which sends files without a user-space
// buffer (sendfile); without it io.CopyN would allocate one per request.
func (w *nullWriter) ReadFrom(r io.Reader) (int64, error) { return io.Copy(io.Discard, r) }

func benchServe(b *testing.B, name string, size int, accept string) {
	dir := b.TempDir()
	content := strings.Repeat("x", size)
	if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(name)), []byte(content), 0o644); err != nil {
		b.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { root.Close() })
	h, err := New(root.FS(), Options{Headers: map[string]string{"Content-Security-Policy": "default-src 'self'"}})
	if err != nil {
		b.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/"+name, nil)
	if accept != "" {
		r.Header.Set("Accept-Encoding", accept)
	}
	w := &nullWriter{h: make(http.Header, 16)}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		w.code = 0
		h.ServeHTTP(w, r)
		if w.code != 0 && w.code != http.StatusOK {
			b.Fatalf("status %d", w.code)
		}
	}
}

// BenchmarkServeSmall serves a 10 KB page to a browser-like client: one Open,
// one Stat, a sibling lookup per accepted coding, no hashing after the first.
func BenchmarkServeSmall(b *testing.B) { benchServe(b, "page.html", 10<<10, "gzip, deflate, br, zstd") }

// BenchmarkServeImage serves a 100 KB image: no sibling lookups at all.
func BenchmarkServeImage(b *testing.B) {
	benchServe(b, "photo.webp", 100<<10, "gzip, deflate, br, zstd")
}
