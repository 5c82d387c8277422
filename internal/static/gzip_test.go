package static

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestGzipCoalesced: concurrent first requests for one large file compress
// it once, and each gets the whole body.
func TestGzipCoalesced(t *testing.T) {
	s := newSite(t)
	content := generatedBundle()
	if err := os.WriteFile(filepath.Join(s.dir, "bundle.js"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	h := s.handler(t, Options{Compress: true})
	srv := httptest.NewServer(h)
	defer srv.Close()
	const n = 8
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			req, _ := http.NewRequest("GET", srv.URL+"/bundle.js", nil)
			req.Header.Set("Accept-Encoding", "gzip")
			resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			zr, err := gzip.NewReader(resp.Body)
			if err != nil {
				errs <- err
				return
			}
			got, err := io.ReadAll(zr)
			if err != nil || string(got) != content {
				errs <- fmt.Errorf("%d bytes, %v; want the file", len(got), err)
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := h.gzips.compressions.Load(); got != 1 {
		t.Errorf("%d compressions for %d concurrent first requests, want 1", got, n)
	}
}

// TestGzipCacheEvictsEntryByEntry: a full cache makes room one entry at a
// time, oldest first but sparing those used since (second chance), never
// by emptying itself.
func TestGzipCacheEvictsEntryByEntry(t *testing.T) {
	c := gzipCache{limit: 10 << 10}
	body := func(etag string) *gzipEntry {
		return &gzipEntry{data: make([]byte, 3<<10), etag: []string{etag}}
	}
	for _, k := range []string{"a", "b", "c"} {
		c.put(k, body(k))
	}
	c.get("a") // a is hot
	c.put("d", body("d"))
	if c.get("b") != nil {
		t.Error("b, the oldest unused entry, is still there")
	}
	for _, k := range []string{"a", "c", "d"} {
		if c.get(k) == nil {
			t.Errorf("%s was evicted too", k)
		}
	}
	if entries, bytes := c.size(); entries != 3 || bytes != 9<<10 {
		t.Errorf("%d entries, %d bytes; want 3 and 9 KiB", entries, bytes)
	}
	c.put("huge", &gzipEntry{data: make([]byte, 11<<10)})
	if entries, _ := c.size(); c.get("huge") != nil || entries == 0 {
		t.Errorf("an entry larger than the cache was kept, or emptied it (%d entries)", entries)
	}
}

// gzipCorpus is text a site serves: swkit's own runtime JavaScript and
// documentation (Markdown), about 230 KB.
func gzipCorpus(b *testing.B) []byte {
	var buf bytes.Buffer
	for _, dir := range []string{"../../runtime", "../../docs"} {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".js") || strings.HasSuffix(p, ".md")) {
				return err
			}
			data, err := os.ReadFile(p)
			buf.Write(data)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return buf.Bytes()
}

// generatedBundle is 4 MiB of machine-written JavaScript, repetitive as
// bundles are: the case where high levels cost most.
func generatedBundle() string {
	var b strings.Builder
	for i := 0; b.Len() < 4<<20; i++ {
		fmt.Fprintf(&b, "export function f%d(x) { return x * %d + %q; }\n", i, i, strings.Repeat("ab", i%40))
	}
	return b.String()
}

// BenchmarkGzipLevel compresses each corpus at each level: time per
// compression, MB/s of input, and the body's size as a share of the input.
//
//	go test -run '^$' -bench GzipLevel -count 5 ./internal/static/
func BenchmarkGzipLevel(b *testing.B) {
	for _, corpus := range []struct {
		name string
		data []byte
	}{{"text", gzipCorpus(b)}, {"bundle", []byte(generatedBundle())}} {
		for _, level := range []int{1, 4, 5, 6, 7, 9} {
			b.Run(fmt.Sprintf("%s/level=%d", corpus.name, level), func(b *testing.B) {
				b.SetBytes(int64(len(corpus.data)))
				var out bytes.Buffer
				for b.Loop() {
					out.Reset()
					zw, _ := gzip.NewWriterLevel(&out, level)
					zw.Write(corpus.data)
					zw.Close()
				}
				b.ReportMetric(100*float64(out.Len())/float64(len(corpus.data)), "%size")
			})
		}
	}
}
