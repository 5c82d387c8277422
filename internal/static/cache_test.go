package static

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// past is a modification time old enough that nothing is racy.
var past = time.Now().Add(-time.Hour).Truncate(time.Second)

// age sets every file and folder under dir (links untouched) to past, as on a
// site deployed a while ago.
func age(t testing.TB, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.Type()&fs.ModeSymlink != 0 {
			return err
		}
		return os.Chtimes(p, past, past)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// countFS records the names opened and stated through it.
type countFS struct {
	fsys fs.FS
	mu   sync.Mutex
	ops  []string // "open NAME", "stat NAME"
}

func (c *countFS) log(op, name string) {
	c.mu.Lock()
	c.ops = append(c.ops, op+" "+name)
	c.mu.Unlock()
}

func (c *countFS) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	ops := c.ops
	c.ops = nil
	return ops
}

func (c *countFS) Open(name string) (fs.File, error) {
	c.log("open", name)
	return c.fsys.Open(name)
}

func (c *countFS) Stat(name string) (fs.FileInfo, error) {
	c.log("stat", name)
	return fs.Stat(c.fsys, name)
}

// agedSite is newSite with a large page and a large image added (over
// maxSmallFile: sent from the file) and a 100 KiB image (from memory),
// everything aged.
func agedSite(t testing.TB) *site {
	s := newSite(t)
	big := strings.Repeat("<p>a large page, sent from the file</p>\n", 2*maxSmallFile/40)
	if err := os.WriteFile(filepath.Join(s.dir, "big.html"), []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	img := bytes.Repeat([]byte{0xff, 0xd8, 1, 2, 3, 4, 5, 6}, 2*maxSmallFile/8)
	if err := os.WriteFile(filepath.Join(s.dir, "photo.png"), img, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.dir, "mid.jpg"), img[:100<<10], 0o644); err != nil {
		t.Fatal(err)
	}
	age(t, s.dir)
	return s
}

// TestMemoryMatchesDisk: a site whose files were just written is served from
// disk (their content may still change within a timestamp tick, so it is not
// kept); the same site aged is served from memory. Every answer of both must
// be the one http.ServeContent gives from disk (quick answers off), byte for
// byte and header for header, the first time (cache filled) and the second
// (from the cache).
func TestMemoryMatchesDisk(t *testing.T) {
	for _, compress := range []bool{false, true} {
		opts := testOpts
		opts.Compress = compress
		fresh := newSite(t)
		for _, name := range []string{"big.html", "photo.png", "mid.jpg"} {
			data, err := os.ReadFile(filepath.Join(agedSite(t).dir, name))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(fresh.dir, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		// Times in the future: racy for the whole test, so never in memory.
		future := time.Now().Add(time.Hour)
		filepath.WalkDir(fresh.dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.Type()&fs.ModeSymlink == 0 {
				err = os.Chtimes(p, future, future)
			}
			return err
		})
		disk := fresh.handler(t, opts)
		aged := agedSite(t)
		mem := aged.handler(t, opts)
		// The reference: from disk, every answer by http.ServeContent.
		ref := func(method, target string, hdr ...string) *httptest.ResponseRecorder {
			testNoQuick = true
			defer func() { testNoQuick = false }()
			return do(t, disk, method, target, hdr...)
		}

		targets := []string{
			"/", "/index.html", "/about/", "/about", "/nested/", "/emptydir/", "/style.css", "/small.css",
			"/app.js", "/app.js.gz", "/app.js.br", "/sw.js", "/sw.js.br", "/img.png", "/data.json",
			"/UPPER.JS", "/assets/app.3f2a9c1b.js", "/blob.xyz", "/link-in", "/link-out", "/.env",
			"/missing.html", "/big.html", "/photo.png", "/mid.jpg",
		}
		for _, target := range targets {
			etags := map[string]bool{}
			for _, ae := range []string{"", "gzip", "br", "gzip, br"} {
				w := do(t, disk, "GET", target, "Accept-Encoding", ae)
				if tag := w.Header().Get("Etag"); tag != "" {
					etags[tag] = true
				}
			}
			var headerSets [][]string
			for _, ae := range []string{"", "gzip", "br", "gzip, deflate, br, zstd", "br;q=0, gzip;q=0"} {
				base := []string{}
				if ae != "" {
					base = []string{"Accept-Encoding", ae}
				}
				headerSets = append(headerSets,
					base,
					append(slices.Clone(base), "If-None-Match", `"other"`),
					append(slices.Clone(base), "If-None-Match", "*"),
					append(slices.Clone(base), "Range", "bytes=0-4"),
					append(slices.Clone(base), "Range", "bytes=-3"),
					append(slices.Clone(base), "Range", "bytes=0-1,4-6"),
					append(slices.Clone(base), "Range", "bytes=99999-"),
					append(slices.Clone(base), "Range", "bytes=2-3", "If-Range", `"old"`),
					append(slices.Clone(base), "If-Match", `"other"`),
					append(slices.Clone(base), "If-Modified-Since", "Sat, 01 Jan 2000 00:00:00 GMT"),
				)
				for tag := range etags {
					headerSets = append(headerSets,
						append(slices.Clone(base), "If-None-Match", tag),
						append(slices.Clone(base), "If-None-Match", "W/"+tag),
						append(slices.Clone(base), "If-None-Match", `"x", `+tag),
						append(slices.Clone(base), "If-Match", tag),
						append(slices.Clone(base), "Range", "bytes=1-2", "If-Range", tag),
					)
				}
			}
			for _, method := range []string{"GET", "HEAD"} {
				for _, hdr := range headerSets {
					want := ref(method, target, hdr...)
					for round := range 2 {
						for _, h := range []struct {
							name string
							h    http.Handler
						}{{"disk", disk}, {"memory", mem}} {
							got := do(t, h.h, method, target, hdr...)
							if problem := sameResponse(got.Code, got.Header(), got.Body.Bytes(), want.Code, want.Header(), want.Body.Bytes()); problem != "" {
								t.Errorf("compress %v, %s, %s %s %q, round %d: %s", compress, h.name, method, target, hdr, round, problem)
							}
						}
					}
				}
			}
		}
		if n, b := mem.cache.size(); b == 0 {
			t.Errorf("aged site: %d entries, no content in memory", n)
		}
		if _, b := disk.cache.size(); b != 0 {
			t.Errorf("fresh site: %d bytes in memory, want none (racy)", b)
		}
	}
}

// sameResponse compares two answers; multipart boundaries are random, so
// those bodies are compared by length only.
func sameResponse(code int, h http.Header, body []byte, wantCode int, wantH http.Header, wantBody []byte) string {
	if code != wantCode {
		return "status " + http.StatusText(code) + ", want " + http.StatusText(wantCode)
	}
	ct := h.Get("Content-Type")
	multipart := strings.HasPrefix(ct, "multipart/byteranges")
	for _, hh := range []http.Header{h, wantH} {
		for k := range hh {
			a, b := h[k], wantH[k]
			if multipart && (k == "Content-Type" || k == "Content-Length") {
				continue
			}
			if !slices.Equal(a, b) {
				return k + ": " + strings.Join(a, "|") + ", want " + strings.Join(b, "|")
			}
		}
	}
	if multipart {
		if len(body) != len(wantBody) {
			return "multipart body length differs"
		}
		return ""
	}
	if !bytes.Equal(body, wantBody) {
		return "body differs"
	}
	return ""
}

// TestSmallFileFromMemory: once cached, a small file is answered after one
// Stat, without opening it (a compressible one after a Stat of each sibling
// the request accepts), and its gzip body without opening the original.
func TestSmallFileFromMemory(t *testing.T) {
	s := agedSite(t)
	cfs := &countFS{fsys: s.root.FS()}
	h, err := New(cfs, Options{Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		target, accept string
		want           []string // operations on the second request
		encoding       string
	}{
		{"/img.png", "gzip, br", []string{"stat img.png"}, ""},
		{"/style.css", "", []string{"stat style.css"}, ""},
		{"/style.css", "gzip, br", []string{"stat style.css", "stat style.css.br", "stat style.css.gz"}, "gzip"},
		{"/about/", "gzip, br", []string{"stat about/index.html", "stat about/index.html.br", "stat about/index.html.gz"}, ""},
		{"/app.js", "br", []string{"stat app.js", "stat app.js.br"}, "br"},
		// Mid-size (up to maxSmallFile): from memory too.
		{"/mid.jpg", "gzip, br", []string{"stat mid.jpg"}, ""},
		// Large: sent from the file, ETag from the cache.
		{"/photo.png", "", []string{"open photo.png"}, ""},
		// Large but compressible, gzip from memory: no open.
		{"/big.html", "gzip", []string{"stat big.html", "stat big.html.gz"}, "gzip"},
	}
	for _, tt := range tests {
		t.Run(tt.target+" "+tt.accept, func(t *testing.T) {
			first := do(t, h, "GET", tt.target, "Accept-Encoding", tt.accept)
			cfs.take()
			second := do(t, h, "GET", tt.target, "Accept-Encoding", tt.accept)
			ops := cfs.take()
			if !slices.Equal(ops, tt.want) {
				t.Errorf("second request: %q, want %q", ops, tt.want)
			}
			if first.Code != 200 || second.Code != 200 || !bytes.Equal(first.Body.Bytes(), second.Body.Bytes()) {
				t.Errorf("answers differ: %d, %d", first.Code, second.Code)
			}
			if got := second.Header().Get("Content-Encoding"); got != tt.encoding {
				t.Errorf("Content-Encoding %q, want %q", got, tt.encoding)
			}
			if tag := second.Header().Get("Etag"); tag != first.Header().Get("Etag") || tag == "" {
				t.Errorf("ETag %q, first %q", tag, first.Header().Get("Etag"))
			}
		})
	}
}

// TestMemorySizeLimit: files up to maxSmallFile are answered from memory
// after a Stat; a byte more and they are sent from the file.
func TestMemorySizeLimit(t *testing.T) {
	s := newSite(t)
	tests := []struct {
		name string
		size int
		want string // operation on the second request
	}{
		{"one.bin", 1, "stat one.bin"},
		{"photo.jpg", 100 << 10, "stat photo.jpg"},
		{"limit.jpg", maxSmallFile, "stat limit.jpg"},
		{"over.jpg", maxSmallFile + 1, "open over.jpg"},
		{"large.jpg", 4 * maxSmallFile, "open large.jpg"},
	}
	for i, tt := range tests {
		data := bytes.Repeat([]byte{byte(i + 1)}, tt.size)
		if err := os.WriteFile(filepath.Join(s.dir, tt.name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	age(t, s.dir)
	cfs := &countFS{fsys: s.root.FS()}
	h, err := New(cfs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			do(t, h, "GET", "/"+tt.name)
			cfs.take()
			w := do(t, h, "GET", "/"+tt.name)
			if ops := cfs.take(); !slices.Equal(ops, []string{tt.want}) {
				t.Errorf("second request: %q, want %q", ops, tt.want)
			}
			if want := bytes.Repeat([]byte{byte(i + 1)}, tt.size); w.Code != 200 || !bytes.Equal(w.Body.Bytes(), want) {
				t.Errorf("got %d, %d bytes; want 200, %d bytes", w.Code, w.Body.Len(), tt.size)
			}
		})
	}
}

// TestCachedFileFollowsDisk: a file served from memory is served fresh on the
// next request after any change: new content and size, the same size with a
// new time, and (Linux: the change time moves, and no one can set it back)
// the same size and the same modification time.
func TestCachedFileFollowsDisk(t *testing.T) {
	s := agedSite(t)
	h := s.handler(t, Options{Compress: true})
	p := filepath.Join(s.dir, "style.css")
	steps := []struct {
		name    string
		content string
		mod     time.Time
		linux   bool
	}{
		{"new size", strings.Repeat("b{}\n", 600), past, false},
		{"same size, new time", strings.Repeat("c{}\n", 600), past.Add(time.Minute), false},
		{"same size, same time", strings.Repeat("d{}\n", 600), past.Add(time.Minute), true},
		{"small to large", strings.Repeat("e{}\n", 20000), past, false},
		{"large to small", strings.Repeat("f{}\n", 600), past, false},
		{"replaced by rename", strings.Repeat("g{}\n", 600), past, false},
	}
	prev := do(t, h, "GET", "/style.css")
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.linux && runtime.GOOS != "linux" {
				t.Skip("the change time is part of a file's identity on Linux only")
			}
			// Twice before the change, so that it is in memory.
			do(t, h, "GET", "/style.css")
			do(t, h, "GET", "/style.css", "Accept-Encoding", "gzip")
			if st.name == "replaced by rename" {
				tmp := filepath.Join(s.dir, "style.css.tmp")
				if err := os.WriteFile(tmp, []byte(st.content), 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.Chtimes(tmp, st.mod, st.mod); err != nil {
					t.Fatal(err)
				}
				if err := os.Rename(tmp, p); err != nil {
					t.Fatal(err)
				}
			} else {
				if err := os.WriteFile(p, []byte(st.content), 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.Chtimes(p, st.mod, st.mod); err != nil {
					t.Fatal(err)
				}
			}
			w := do(t, h, "GET", "/style.css", "If-None-Match", prev.Header().Get("Etag"))
			if w.Code != 200 || w.Body.String() != st.content {
				t.Fatalf("got %d, %d bytes; want 200 with the new %d bytes", w.Code, w.Body.Len(), len(st.content))
			}
			w = do(t, h, "GET", "/style.css", "Accept-Encoding", "gzip")
			zr, err := gzip.NewReader(w.Body)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := io.ReadAll(zr); string(got) != st.content {
				t.Fatalf("gzip body is not the new content")
			}
			prev = do(t, h, "GET", "/style.css")
		})
	}
	for _, status := range []struct {
		name string
		act  func() error
		code int
	}{
		{"removed", func() error { return os.Remove(p) }, 404},
		{"a folder now", func() error { return os.Mkdir(p, 0o755) }, 301},
	} {
		if err := status.act(); err != nil {
			t.Fatal(err)
		}
		if w := do(t, h, "GET", "/style.css"); w.Code != status.code {
			t.Errorf("%s: status %d, want %d", status.name, w.Code, status.code)
		}
	}
}

// TestSiblingDeployedLater: a precompressed sibling added after the
// original was served (and cached) is served on the next request, and so
// is its removal.
func TestSiblingDeployedLater(t *testing.T) {
	s := agedSite(t)
	h := s.handler(t, Options{})
	for _, dir := range []string{"", "about/"} {
		name := dir + "style.css"
		if dir != "" {
			if err := os.WriteFile(filepath.Join(s.dir, "about", "style.css"), []byte("p{}"), 0o644); err != nil {
				t.Fatal(err)
			}
			age(t, s.dir)
		}
		target := "/" + name
		for range 2 { // uncached, then cached
			if w := do(t, h, "GET", target, "Accept-Encoding", "br, gzip"); w.Header().Get("Content-Encoding") != "" {
				t.Fatalf("%s: encoded without a sibling", target)
			}
		}
		// Deployed later (and aged, as rsync -t would).
		gz := filepath.Join(s.dir, filepath.FromSlash(name)+".gz")
		if err := os.WriteFile(gz, []byte("GZ-LATER"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(gz, past, past); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			w := do(t, h, "GET", target, "Accept-Encoding", "br, gzip")
			if w.Body.String() != "GZ-LATER" || w.Header().Get("Content-Encoding") != "gzip" {
				t.Errorf("%s: sibling deployed later not served: %q %q", target, w.Header().Get("Content-Encoding"), w.Body)
			}
		}
		if err := os.Remove(gz); err != nil {
			t.Fatal(err)
		}
		if w := do(t, h, "GET", target, "Accept-Encoding", "br, gzip"); w.Header().Get("Content-Encoding") != "" || w.Code != 200 {
			t.Errorf("%s: removed sibling still served", target)
		}
	}
}

// TestCacheBounds: contents kept in memory never exceed maxCachedBytes; past
// it other contents are dropped, their entries (ETags) kept.
func TestCacheBounds(t *testing.T) {
	var c fileCache
	data := make([]byte, maxSmallFile)
	n := 2*maxCachedBytes/maxSmallFile + 10
	for i := range n {
		c.put(strings.Repeat("x", i%7)+string(rune('a'+i%26))+strings.Repeat("y", i), &fileEntry{data: data, etag: []string{`"e"`}})
		if _, b := c.size(); b > maxCachedBytes {
			t.Fatalf("after %d puts: %d bytes in memory", i+1, b)
		}
	}
	entries, b := c.size()
	if entries != n || b != maxCachedBytes {
		t.Errorf("%d entries, %d bytes; want %d, %d", entries, b, n, maxCachedBytes)
	}
	// Replacing an entry accounts for the old content.
	c.put("a", &fileEntry{data: data})
	c.put("a", &fileEntry{data: data[:10]})
	c.put("a", &fileEntry{})
	if _, b2 := c.size(); b2 > maxCachedBytes {
		t.Errorf("%d bytes after replacements", b2)
	}
}

// TestRacyEntry: content modified less than racyWindow ago is not kept, and
// is once the modification is older.
func TestRacyEntry(t *testing.T) {
	if !racy(time.Now()) || !racy(time.Now().Add(time.Hour)) || racy(past) || racy(time.Time{}) {
		t.Fatal("racy: wrong answer")
	}
	e := &fileEntry{racy: true, modTime: time.Now()}
	if e.settled() {
		t.Error("settled right after the modification")
	}
	e.modTime = time.Now().Add(-racyWindow)
	if !e.settled() {
		t.Error("not settled racyWindow later")
	}
}
