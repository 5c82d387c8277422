package static

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/swkit/swkit/internal/coalesce"
)

// coalesceSite is a served folder with a 10 KiB page (from memory, two writes
// without coalescing), a 100 KiB image (from memory, past the hold limit), a
// large page (from the file; its gzip from memory) and a large image
// (sendfile).
func coalesceSite(t *testing.T) (*site, *Handler) {
	t.Helper()
	s := newSite(t)
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(s.dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("page.html", []byte(strings.Repeat("<p>ten kibibytes of page</p>\n", 10<<10/29)))
	write("big.html", []byte(strings.Repeat("<p>a large page, sent from the file</p>\n", 2*maxSmallFile/40)))
	write("photo.png", bytes.Repeat([]byte{0x89, 'P', 'N', 'G', 1, 2, 3, 4}, 2*maxSmallFile/8))
	write("mid.jpg", bytes.Repeat([]byte{0xff, 0xd8, 1, 2, 3, 4, 5, 6}, 100<<10/8))
	age(t, s.dir)
	return s, s.handler(t, Options{Compress: true, Headers: map[string]string{"Content-Security-Policy": "default-src 'self'"}})
}

// serveOn serves h on a loopback listener, wrapped as swkit serve wraps it
// when wrap is set, and returns its address.
func serveOn(t testing.TB, h http.Handler, wrap bool) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	var l net.Listener = ln
	if wrap {
		srv.ConnContext = coalesce.ConnContext
		l = coalesce.Listen(ln)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

var (
	dateLine = regexp.MustCompile(`(?m)^Date: .*\r\n`)
	boundary = regexp.MustCompile(`[0-9a-f]{60}`) // multipart/byteranges, random
)

// pipelined sends reqs (complete raw HTTP/1.1 requests, the last with
// Connection: close) in one write on one connection, and returns everything
// the server sent until it closed.
func pipelined(t *testing.T, addr string, reqs []string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, strings.Join(reqs, "")); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(got)
}

// normalize removes what differs between two servers' identical answers:
// Date headers and multipart boundaries.
func normalize(s string) string {
	return boundary.ReplaceAllString(dateLine.ReplaceAllString(s, ""), "BOUNDARY")
}

// TestCoalescedResponsesByteExact: through a wrapped connection every kind of
// response (memory and sendfile, gzip, HEAD, 304, Range, errors) is byte for
// byte what a plain net/http server sends, pipelined on one kept-alive
// connection.
func TestCoalescedResponsesByteExact(t *testing.T) {
	_, h := coalesceSite(t)
	plain, wrapped := serveOn(t, h, false), serveOn(t, h, true)

	etag := func(path, accept string) string {
		req, _ := http.NewRequest("GET", "http://"+wrapped+path, nil)
		if accept != "" {
			req.Header.Set("Accept-Encoding", accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.Header.Get("Etag")
	}
	req := func(method, path string, hdr ...string) string {
		s := method + " " + path + " HTTP/1.1\r\nHost: x\r\n"
		for i := 0; i+1 < len(hdr); i += 2 {
			s += hdr[i] + ": " + hdr[i+1] + "\r\n"
		}
		return s + "\r\n"
	}
	reqs := []string{
		req("GET", "/page.html"),
		req("GET", "/page.html", "Accept-Encoding", "gzip"),
		req("HEAD", "/page.html"),
		req("GET", "/page.html", "If-None-Match", etag("/page.html", "")),
		req("GET", "/page.html", "Range", "bytes=100-5000"),
		req("GET", "/page.html", "Range", "bytes=0-10,20-30"),
		req("GET", "/photo.png"),
		req("HEAD", "/photo.png"),
		req("GET", "/photo.png", "Range", "bytes=1000-"),
		req("GET", "/mid.jpg"),
		req("HEAD", "/mid.jpg"),
		req("GET", "/mid.jpg", "Range", "bytes=1000-"),
		req("GET", "/mid.jpg", "If-None-Match", etag("/mid.jpg", "")),
		req("GET", "/big.html"),
		req("GET", "/big.html", "Accept-Encoding", "gzip"),
		req("GET", "/big.html", "Accept-Encoding", "gzip", "If-None-Match", etag("/big.html", "gzip")),
		req("GET", "/index.html"),
		req("GET", "/small.css"),
		req("GET", "/missing.html"),
		req("POST", "/page.html", "Content-Length", "3") + "abc",
		req("GET", "/about"),
		req("GET", "/page.html", "Connection", "close"),
	}
	want := pipelined(t, plain, reqs)
	got := pipelined(t, wrapped, reqs)
	if normalize(got) != normalize(want) {
		t.Fatalf("wrapped connection answered differently:\n%s", firstDiff(normalize(want), normalize(got)))
	}
	// Everything was answered, in order, on the one connection.
	br := bufio.NewReader(strings.NewReader(got))
	for i, r := range reqs {
		method := r[:strings.IndexByte(r, ' ')]
		resp, err := http.ReadResponse(br, &http.Request{Method: method})
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if rest, _ := io.ReadAll(br); len(rest) != 0 {
		t.Fatalf("%d bytes after the last response", len(rest))
	}
}

func firstDiff(a, b string) string {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	lo := max(0, n-200)
	return fmt.Sprintf("at byte %d:\nwant %q\n got %q", n, a[lo:min(len(a), n+200)], b[lo:min(len(b), n+200)])
}

// TestCoalescedKeepAliveConcurrent: many clients reusing their connections,
// for the race detector, every body checked.
func TestCoalescedKeepAliveConcurrent(t *testing.T) {
	s, h := coalesceSite(t)
	addr := serveOn(t, h, true)
	want := map[string][]byte{}
	for _, name := range []string{"page.html", "mid.jpg", "photo.png", "big.html", "index.html"} {
		b, err := os.ReadFile(filepath.Join(s.dir, name))
		if err != nil {
			t.Fatal(err)
		}
		want["/"+name] = b
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 8, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 20 * time.Second}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				for path, body := range want {
					resp, err := client.Get("http://" + addr + path)
					if err != nil {
						t.Error(err)
						return
					}
					got, err := io.ReadAll(resp.Body)
					resp.Body.Close()
					if err != nil || !bytes.Equal(got, body) || resp.StatusCode != 200 {
						t.Errorf("%s: %d, %d bytes, %v", path, resp.StatusCode, len(got), err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

// TestCoalescedOneWritePerResponse counts the write system calls of the test
// process (/proc/self/io): a 10 KiB page and a 100 KiB image from memory are
// one write each through a wrapped connection, and two without.
func TestCoalescedOneWritePerResponse(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("counts writes through /proc/self/io")
	}
	if _, err := syscw(); err != nil {
		t.Skip(err)
	}
	_, h := coalesceSite(t)
	for _, target := range []string{"/page.html", "/mid.jpg"} {
		t.Run(target, func(t *testing.T) {
			const n = 50
			req := "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n"
			plain, wrapped := fewestWrites(t, serveOn(t, h, false), req, n), fewestWrites(t, serveOn(t, h, true), req, n)
			t.Logf("server writes for %d responses: plain %d, wrapped %d", n, plain, wrapped)
			if wrapped > n+n/10 {
				t.Errorf("wrapped: %d writes for %d responses, want about one each", wrapped, n)
			}
			if plain < 2*n {
				t.Logf("plain server needed fewer than two writes per response (%d): net/http changed?", plain)
			}
		})
	}
}

func syscw() (int, error) {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "syscw: "); ok {
			return strconv.Atoi(v)
		}
	}
	return 0, fmt.Errorf("no syscw in /proc/self/io")
}

// TestCoalescedAroundBufferSize: bodies from memory whose header and body
// together are just under, at and just over net/http's 4 KiB connection
// buffer, with small and large headers, each go out in one write, and are
// byte for byte what a plain server sends.
func TestCoalescedAroundBufferSize(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("counts writes through /proc/self/io")
	}
	if _, err := syscw(); err != nil {
		t.Skip(err)
	}
	files := map[string][]byte{}
	var names []string
	for _, n := range []int{500, 1000, 1500, 2000, 2048, 2100, 3000, 3500, 3600, 3700, 3750, 3800, 3900, 4000, 4096, 4200, 8192, 9000, 40000} {
		name := fmt.Sprintf("f%d.css", n)
		files[name] = bytes.Repeat([]byte("a"), n)
		names = append(names, name)
	}
	for _, hdrs := range []map[string]string{nil, {"Content-Security-Policy": strings.Repeat("x", 1500)}} {
		h, err := New(os.DirFS(t.TempDir()), Options{Files: files, Headers: hdrs})
		if err != nil {
			t.Fatal(err)
		}
		plain, wrapped := serveOn(t, h, false), serveOn(t, h, true)
		for _, name := range names {
			req := "GET /" + name + " HTTP/1.1\r\nHost: x\r\n\r\n"
			reqs := []string{req, req, "GET /" + name + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"}
			if got, want := pipelined(t, wrapped, reqs), pipelined(t, plain, reqs); normalize(got) != normalize(want) {
				t.Fatalf("%s: wrapped answered differently:\n%s", name, firstDiff(normalize(want), normalize(got)))
			}
			// A write of the runtime's (waking its poller under load)
			// is not the handler's: an extra write per response would
			// give 2n.
			const n = 20
			if best := fewestWrites(t, wrapped, req, n); best > n+n/10 {
				t.Errorf("%s, %d header bytes added: %d writes for %d responses", name, len(hdrs["Content-Security-Policy"]), best, n)
			}
		}
	}
}

// fewestWrites is the fewest of three serverWrites counts: the runtime may
// write too (waking its poller).
func fewestWrites(t *testing.T, addr, req string, n int) int {
	t.Helper()
	m := serverWrites(t, addr, req, n)
	for i := 0; i < 2; i++ {
		m = min(m, serverWrites(t, addr, req, n))
	}
	return m
}

// serverWrites sends req n times on one connection, one at a time, and
// returns the write system calls of the process meanwhile, less the client's.
func serverWrites(t *testing.T, addr, req string, n int) int {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	roundTrip := func() {
		if _, err := io.WriteString(c, req); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	roundTrip()
	before, _ := syscw()
	for i := 0; i < n; i++ {
		roundTrip()
	}
	after, _ := syscw()
	return after - before - n
}
