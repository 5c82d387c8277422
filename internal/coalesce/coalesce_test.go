package coalesce

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// recConn is a net.Conn that records each write call and what it carried.
type recConn struct {
	net.Conn // nil: only what is defined here is used
	mu       sync.Mutex
	writes   [][]byte
	closed   bool
	fail     error
}

func (c *recConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail != nil {
		return 0, c.fail
	}
	c.writes = append(c.writes, bytes.Clone(p))
	return len(p), nil
}

func (c *recConn) Close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	return nil
}

func (c *recConn) got() (calls int, all string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	for _, w := range c.writes {
		b.Write(w)
	}
	return len(c.writes), b.String()
}

func TestHoldSendsOnceOnRelease(t *testing.T) {
	rc := &recConn{}
	c := &Conn{Conn: rc}
	c.Hold()
	buf := []byte("header ")
	c.Write(buf)
	copy(buf, "XXXXXXX") // the caller may reuse its buffer at once
	c.Write([]byte("body"))
	if n, _ := rc.got(); n != 0 {
		t.Fatalf("%d writes while held, want 0", n)
	}
	if err := c.Release(); err != nil {
		t.Fatal(err)
	}
	if n, all := rc.got(); n != 1 || all != "header body" {
		t.Fatalf("after Release: %d writes %q, want 1 %q", n, all, "header body")
	}
	c.Write([]byte(" next"))
	if n, all := rc.got(); n != 2 || all != "header body next" {
		t.Fatalf("after Release writes pass through: %d writes %q", n, all)
	}
	if err := c.Release(); err != nil { // twice, or without Hold: nothing
		t.Fatal(err)
	}
	if n, _ := rc.got(); n != 2 {
		t.Fatalf("empty Release wrote: %d writes", n)
	}
}

// A write that would take what is held past HoldLimit goes out with it in
// one call (net.Buffers falls back to one Write per buffer on a conn that is
// not a TCP conn; a TCP test below checks the writev).
func TestHoldPastLimit(t *testing.T) {
	rc := &recConn{}
	c := &Conn{Conn: rc}
	c.Hold()
	head := strings.Repeat("h", 4096)
	body := strings.Repeat("b", HoldLimit)
	tail := "tail"
	c.Write([]byte(head))
	if n, err := c.Write([]byte(body)); n != len(body) || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	c.Write([]byte(tail))
	if err := c.Release(); err != nil {
		t.Fatal(err)
	}
	if _, all := rc.got(); all != head+body+tail {
		t.Fatalf("bytes differ: %d bytes, want %d", len(all), len(head+body+tail))
	}
}

func TestReleaseErrorClosesConn(t *testing.T) {
	rc := &recConn{fail: errors.New("broken pipe")}
	c := &Conn{Conn: rc}
	c.Hold()
	if n, err := c.Write([]byte("x")); n != 1 || err != nil {
		t.Fatalf("held Write = %d, %v", n, err)
	}
	if err := c.Release(); err == nil {
		t.Fatal("Release: no error")
	}
	if !rc.closed {
		t.Fatal("conn not closed after a failed Release")
	}
}

func TestReleaseOnPanic(t *testing.T) {
	rc := &recConn{}
	c := &Conn{Conn: rc}
	func() {
		defer func() { recover() }()
		c.Hold()
		defer c.Release()
		c.Write([]byte("partial"))
		panic("handler")
	}()
	if c.held.Load() {
		t.Fatal("still held after the panic")
	}
	if _, all := rc.got(); all != "partial" {
		t.Fatalf("got %q", all)
	}
}

func TestForOnlyHTTP1OnWrappedConn(t *testing.T) {
	c := &Conn{Conn: &recConn{}}
	ctx := ConnContext(context.Background(), c)
	r, _ := http.NewRequestWithContext(ctx, "GET", "http://x/", nil)
	if For(r) != c {
		t.Fatal("HTTP/1.1 on a wrapped conn: For = nil")
	}
	r.ProtoMajor, r.ProtoMinor = 2, 0
	if For(r) != nil {
		t.Fatal("HTTP/2: For != nil")
	}
	plain, _ := http.NewRequest("GET", "http://x/", nil)
	if For(plain) != nil {
		t.Fatal("plain request: For != nil")
	}
	if ConnContext(context.Background(), &recConn{}) != context.Background() {
		t.Fatal("ConnContext of an unwrapped conn changed the context")
	}
}

// tcpPair returns both ends of a loopback TCP connection, the server's
// wrapped, with a counter of the write system calls on it (through strace
// would be better; counting the calls into the *net.TCPConn is what is
// possible here).
func tcpPair(t *testing.T) (*Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	wl := Listen(ln)
	done := make(chan net.Conn, 1)
	go func() {
		c, err := wl.Accept()
		if err != nil {
			t.Error(err)
		}
		done <- c
	}()
	cl, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	sc := <-done
	t.Cleanup(func() { sc.Close(); cl.Close() })
	return sc.(*Conn), cl
}

func TestTCPHoldAndReadFrom(t *testing.T) {
	sc, cl := tcpPair(t)
	big := strings.Repeat("0123456789", 3000)
	go func() {
		sc.Hold()
		sc.Write([]byte("head|"))
		sc.Write([]byte(big)) // past the limit: writev
		sc.Write([]byte("|mid|"))
		sc.ReadFrom(strings.NewReader("from-reader|")) // sends what is held first
		sc.Write([]byte("after"))
		sc.Release()
		sc.CloseWrite()
	}()
	got, err := io.ReadAll(cl)
	if err != nil {
		t.Fatal(err)
	}
	if want := "head|" + big + "|mid|from-reader|after"; string(got) != want {
		t.Fatalf("got %d bytes, want %d; differ", len(got), len(want))
	}
}

// Close must not wait for a write blocked on a client that does not read.
func TestCloseInterruptsBlockedWrite(t *testing.T) {
	sc, _ := tcpPair(t)
	errc := make(chan error, 1)
	go func() {
		p := make([]byte, 1<<20)
		for {
			if _, err := sc.Write(p); err != nil {
				errc <- err
				return
			}
		}
	}()
	// Let the socket buffers fill, then close from here.
	time.Sleep(100 * time.Millisecond)
	select {
	case err := <-errc:
		t.Fatalf("write failed early: %v", err)
	default:
	}
	if err := sc.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err == nil {
		t.Fatal("write did not fail after Close")
	}
}

// For the race detector: holds, releases and writes from several goroutines
// (net/http does not do this; a hijacker might) lose and duplicate nothing.
func TestConcurrentUse(t *testing.T) {
	rc := &recConn{}
	c := &Conn{Conn: rc}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				if i%3 == 0 {
					c.Hold()
				}
				c.Write([]byte("x"))
				if i%5 == 0 {
					c.Release()
				}
			}
		}()
	}
	wg.Wait()
	c.Release()
	if _, all := rc.got(); len(all) != 4*200 {
		t.Fatalf("%d bytes written, want %d", len(all), 4*200)
	}
}
