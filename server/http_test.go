package server_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/server"
)

// testLimits are short enough for a test, long enough for 2 busy cores.
var testLimits = server.Limits{BodyTimeout: time.Second, SendTimeout: time.Second}

// listen serves h with server.HTTPServer(h, lim) on 127.0.0.1 and returns
// its address and a channel that receives each connection net/http closes.
func listen(t *testing.T, h http.Handler, lim server.Limits) (addr string, closed <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan struct{}, 100)
	srv := server.HTTPServer(h, lim)
	// A send buffer as on a slow link: on loopback Linux grows it to some
	// MiB and wakes a blocked writer only once half of that has drained,
	// which makes progress come in steps of a second or more.
	srv.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		c.(*net.TCPConn).SetWriteBuffer(128 << 10)
		return ctx
	}
	srv.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateClosed {
			ch <- struct{}{}
		}
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), ch
}

// waitClosed waits for the server to close a connection.
func waitClosed(t *testing.T, closed <-chan struct{}, what string) time.Duration {
	t.Helper()
	start := time.Now()
	select {
	case <-closed:
		return time.Since(start)
	case <-time.After(20 * time.Second):
		t.Fatalf("%s: the server kept the connection open for 20 s", what)
		return 0
	}
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// echo answers with the request body it read, or 400 with the error.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "body: "+err.Error(), http.StatusBadRequest)
		return
	}
	w.Write(b)
})

// TestStalledBodyIsCut: a POST whose body stops mid-way loses its
// connection after BodyTimeout, whether the handler reads the body or not.
func TestStalledBodyIsCut(t *testing.T) {
	for name, h := range map[string]http.Handler{
		"handler reads": echo,
		"handler ignores the body": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusMethodNotAllowed)
		}),
	} {
		t.Run(name, func(t *testing.T) {
			addr, closed := listen(t, h, testLimits)
			c := dial(t, addr)
			fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n0123456789")
			waitClosed(t, closed, "stalled body")
		})
	}
}

// TestSlowBodyGoesThrough: a body that keeps coming, slower in all than
// BodyTimeout but never pausing that long, is read whole.
func TestSlowBodyGoesThrough(t *testing.T) {
	addr, _ := listen(t, echo, testLimits)
	c := dial(t, addr)
	const n = 10
	fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", n)
	start := time.Now()
	for i := range n {
		time.Sleep(250 * time.Millisecond)
		fmt.Fprintf(c, "%d", i)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != "0123456789" {
		t.Fatalf("after %v: %d %q, want 200 and the whole body", time.Since(start), resp.StatusCode, body)
	}
	if d := time.Since(start); d < 2*testLimits.BodyTimeout {
		t.Fatalf("the body took %v, not longer than the timeout: the test proves nothing", d)
	}
}

// TestBodyReadKeepsContext: once the body is read, the read deadline is
// gone: a handler that works past BodyTimeout keeps its context.
func TestBodyReadKeepsContext(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		select {
		case <-r.Context().Done():
			http.Error(w, "context cancelled", http.StatusInternalServerError)
		case <-time.After(2 * testLimits.BodyTimeout):
			io.WriteString(w, "done")
		}
	})
	addr, _ := listen(t, h, testLimits)
	resp, err := http.Post("http://"+addr+"/", "text/plain", strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "done" {
		t.Errorf("got %d %q, want done", resp.StatusCode, body)
	}
}

// bigSite is a folder with a file larger than any socket buffers on
// loopback, served by server.New.
func bigSite(t *testing.T, size int) (http.Handler, []byte) {
	t.Helper()
	dir := t.TempDir()
	data := bytes.Repeat([]byte("swkit-0123456789\n"), size/17+1)[:size]
	if err := os.WriteFile(filepath.Join(dir, "big.bin"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	h, err := server.New(root.FS(), config.Config{}, server.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return h, data
}

// TestClientThatNeverReadsIsCut: a download that the client never reads
// frees its connection after SendTimeout, for a file sent with sendfile
// and for a body written from memory.
func TestClientThatNeverReadsIsCut(t *testing.T) {
	site, _ := bigSite(t, 64<<20)
	mem := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(make([]byte, 64<<20))
	})
	for name, h := range map[string]http.Handler{"file": site, "memory": mem} {
		t.Run(name, func(t *testing.T) {
			addr, closed := listen(t, h, testLimits)
			c := dial(t, addr)
			c.(*net.TCPConn).SetReadBuffer(4 << 10)
			fmt.Fprintf(c, "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
			waitClosed(t, closed, "a client that never reads")
		})
	}
}

// TestSlowReaderGetsWholeFile: a client that keeps reading, though the
// whole download takes several SendTimeouts, gets every byte.
func TestSlowReaderGetsWholeFile(t *testing.T) {
	site, data := bigSite(t, 12<<20)
	addr, _ := listen(t, site, testLimits)
	c := dial(t, addr)
	c.(*net.TCPConn).SetReadBuffer(64 << 10)
	fmt.Fprintf(c, "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
	start := time.Now()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	for {
		n, err := io.CopyN(&got, resp.Body, 256<<10)
		if err != nil || n == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !bytes.Equal(got.Bytes(), data) {
		t.Fatalf("got %d of %d bytes after %v", got.Len(), len(data), time.Since(start))
	}
	if d := time.Since(start); d < 2*testLimits.SendTimeout {
		t.Fatalf("the download took %v, not longer than the timeout: the test proves nothing", d)
	}
}

// TestSlowHandlerStillAnswers: the write deadline runs from the handler's
// writes, not from the start of the request, so a handler that takes
// longer than SendTimeout still gets its answer out (here a 304 after a
// kept-alive connection sat idle longer than SendTimeout).
func TestSlowHandlerStillAnswers(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			time.Sleep(2 * testLimits.SendTimeout)
		}
		w.WriteHeader(http.StatusNotModified)
	})
	addr, _ := listen(t, h, testLimits)
	c := dial(t, addr)
	br := bufio.NewReader(c)
	for _, path := range []string{"/slow", "/after-idle"} {
		fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotModified {
			t.Fatalf("%s: status %d", path, resp.StatusCode)
		}
		time.Sleep(2 * testLimits.SendTimeout)
	}
}

// TestHeaderSizeCap: a header over MaxHeaderBytes is answered 431.
func TestHeaderSizeCap(t *testing.T) {
	addr, _ := listen(t, echo, server.Limits{})
	for _, tc := range []struct {
		size int
		want int
	}{{16 << 10, 200}, {40 << 10, http.StatusRequestHeaderFieldsTooLarge}, {900 << 10, http.StatusRequestHeaderFieldsTooLarge}} {
		req, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
		req.Header.Set("X-Big", strings.Repeat("a", tc.size))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%d bytes: %v", tc.size, err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("header of %d bytes: status %d, want %d", tc.size, resp.StatusCode, tc.want)
		}
	}
}

// TestSmuggledRequestNotServed: after a request with both Content-Length
// and Transfer-Encoding, the connection is closed (RFC 9112 §6.1), so
// what follows the chunked body is never read as a request.
func TestSmuggledRequestNotServed(t *testing.T) {
	seen := make(chan string, 10)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.URL.Path
		io.Copy(io.Discard, r.Body)
	})
	addr, _ := listen(t, h, testLimits)
	c := dial(t, addr)
	smuggled := "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
	fmt.Fprintf(c, "POST /first HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n%s",
		5+len(smuggled), smuggled)
	c.SetDeadline(time.Now().Add(20 * time.Second))
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !resp.Close {
		t.Errorf("the response does not close the connection (Connection: %q)", resp.Header.Get("Connection"))
	}
	if _, err := http.ReadResponse(br, nil); !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("a second response, or not EOF: %v", err)
	}
	for len(seen) > 0 {
		if p := <-seen; p != "/first" {
			t.Errorf("served %s", p)
		}
	}
	// A plain POST keeps its connection.
	resp, err = http.Post("http://"+addr+"/plain", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Close {
		t.Error("a request with Content-Length alone closes the connection")
	}
}
