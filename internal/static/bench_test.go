package static

import (
	"bufio"
	"crypto/sha256"
	"io"
	"net"
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
	benchServeOpts(b, name, size, accept, Options{})
}

// benchSite serves a folder holding name, size bytes of "x", through an
// os.Root as swkit serve does, with opts.
func benchSite(b *testing.B, name string, size int, opts Options) *Handler {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(name)), []byte(strings.Repeat("x", size)), 0o644); err != nil {
		b.Fatal(err)
	}
	// A site deployed a while ago: a file written a moment ago is never kept
	// in memory (see racyWindow).
	age(b, dir)
	root, err := os.OpenRoot(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { root.Close() })
	h, err := New(root.FS(), opts)
	if err != nil {
		b.Fatal(err)
	}
	return h
}

func benchServeOpts(b *testing.B, name string, size int, accept string, opts Options, header ...string) {
	opts.Headers = map[string]string{"Content-Security-Policy": "default-src 'self'"}
	h := benchSite(b, name, size, opts)
	r := httptest.NewRequest("GET", "/"+name, nil)
	if accept != "" {
		r.Header.Set("Accept-Encoding", accept)
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := &nullWriter{h: make(http.Header, 16)}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		w.code = 0
		h.ServeHTTP(w, r)
		if w.code != 0 && w.code != http.StatusOK && w.code != http.StatusNotModified {
			b.Fatalf("status %d", w.code)
		}
	}
}

// BenchmarkServeSmall serves a 10 KB page to a browser-like client: from
// memory after a Stat of the page and one of its folder (its siblings are
// known to be absent while the folder is unchanged).
func BenchmarkServeSmall(b *testing.B) { benchServe(b, "page.html", 10<<10, "gzip, deflate, br, zstd") }

// BenchmarkServeImage serves a 100 KB image: from memory after a Stat, no
// sibling lookups at all.
func BenchmarkServeImage(b *testing.B) {
	benchServe(b, "photo.webp", 100<<10, "gzip, deflate, br, zstd")
}

// BenchmarkServeLargeImage serves an image over maxSmallFile: sent from the
// file (Open, Stat), the ETag from the cache.
func BenchmarkServeLargeImage(b *testing.B) {
	benchServe(b, "photo.webp", 2*maxSmallFile, "gzip, deflate, br, zstd")
}

// BenchmarkServeSmallGzip is swkit serve's case: on-the-fly gzip, the
// compressed body from memory.
func BenchmarkServeSmallGzip(b *testing.B) {
	benchServeOpts(b, "page.html", 10<<10, "gzip", Options{Compress: true})
}

// BenchmarkServeSmall304 revalidates the 10 KB page: If-None-Match with its
// ETag.
func BenchmarkServeSmall304(b *testing.B) {
	sum := sha256.Sum256([]byte(strings.Repeat("x", 10<<10)))
	benchServeOpts(b, "page.html", 10<<10, "", Options{}, "If-None-Match", etagOf(sum))
}

// BenchmarkServeConn serves the 10 KiB page over loopback TCP, one request at
// a time on one kept-alive connection, from a plain net/http server and from
// one whose connections are wrapped as swkit serve's are (internal/coalesce:
// one write per response instead of two). ns/op includes the client.
func BenchmarkServeConn(b *testing.B) {
	const pageSize = 10 << 10
	h := benchSite(b, "page.html", pageSize, Options{Compress: true})
	for _, wrap := range []bool{false, true} {
		name := "plain"
		if wrap {
			name = "coalesced"
		}
		b.Run(name, func(b *testing.B) {
			c, err := net.Dial("tcp", serveOn(b, h, wrap))
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			req := []byte("GET /page.html HTTP/1.1\r\nHost: x\r\n\r\n")
			br := bufio.NewReaderSize(c, 32<<10)
			b.SetBytes(pageSize)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := c.Write(req); err != nil {
					b.Fatal(err)
				}
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}
