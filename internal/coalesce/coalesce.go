// Package coalesce lets an HTTP/1.x handler send a response's header and body
// with one system call.
//
// net/http writes a response through a 4 KiB buffer per connection: a 10 KiB
// body goes out as the header with the first 4 KiB, then the rest, two
// write(2) calls (and on loopback two segments for the client to read). A
// server that wraps its listener with [Listen] and sets
// http.Server.ConnContext to [ConnContext] lets a handler ask the connection
// to hold its writes for the length of one response:
//
//	if c := coalesce.For(r); c != nil {
//		c.Hold()
//		defer c.Release()
//		w.Write(body)
//		http.NewResponseController(w).Flush()
//	}
//
// Held writes up to [HoldLimit] bytes are copied; the write that would pass
// the limit goes out at once with what is held (writev), so the body itself
// is normally not copied: net/http hands a large body's remainder to the
// connection in one Write. Release sends what is still held with one write.
//
// Holding never outlives the handler's call (Release, deferred so that a panic
// releases too), and For returns nil for anything but HTTP/1.x requests on a
// wrapped connection: a plain net/http server, HTTP/2 and TLS are untouched.
// A hijacked connection passes every write straight through, unless its
// handler holds, which no caller does.
package coalesce

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
)

// HoldLimit is how many bytes a held connection copies before it sends them,
// with the write that would pass the limit, in one writev.
const HoldLimit = 8 << 10

// Conn is a connection accepted by a [Listener]. Its methods are safe for
// concurrent use, as net.Conn's are. A write that is not held, and Close,
// take no lock, so that Close still interrupts a write blocked on a slow
// client. Close drops what is held.
type Conn struct {
	net.Conn

	held atomic.Bool
	mu   sync.Mutex // guards what follows and orders the held writes
	buf  *[]byte    // held bytes, from bufPool; nil when none
	iov  [2][]byte  // what is held and the write past the limit
	bufs net.Buffers
}

var bufPool = sync.Pool{New: func() any {
	b := make([]byte, 0, HoldLimit)
	return &b
}}

// Listener wraps a net.Listener so that it accepts [*Conn]s.
type Listener struct {
	net.Listener
}

// Listen returns l wrapped.
func Listen(l net.Listener) *Listener { return &Listener{l} }

// Accept accepts the next connection and wraps it.
func (l *Listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &Conn{Conn: c}, nil
}

type connKey struct{}

// ConnContext is for http.Server.ConnContext: it records c in the context of
// every request read from it, so that [For] finds it.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if cc, ok := c.(*Conn); ok {
		return context.WithValue(ctx, connKey{}, cc)
	}
	return ctx
}

// For returns the connection r was read from when it is an HTTP/1.x request
// on a [*Conn] (see [ConnContext]), else nil.
func For(r *http.Request) *Conn {
	if r.ProtoMajor != 1 {
		return nil
	}
	c, _ := r.Context().Value(connKey{}).(*Conn)
	return c
}

// Hold makes the connection keep what is written to it until [Conn.Release]
// (see the package documentation). The caller must call Release, deferred,
// before it returns, and must not hold across responses.
func (c *Conn) Hold() {
	c.held.Store(true)
}

// Release sends what is held with one write and stops holding. A failed
// write closes the connection, since what the server believes it sent was
// lost. Release without Hold does nothing.
func (c *Conn) Release() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.held.Store(false)
	return c.flushLocked()
}

// flushLocked writes what is held and gives the buffer back.
func (c *Conn) flushLocked() error {
	if c.buf == nil {
		return nil
	}
	b := c.buf
	c.buf = nil
	var err error
	if len(*b) > 0 {
		if _, err = c.Conn.Write(*b); err != nil {
			c.Conn.Close()
		}
	}
	*b = (*b)[:0]
	bufPool.Put(b)
	return err
}

// Write writes p, or while held keeps a copy of it (see the package
// documentation).
func (c *Conn) Write(p []byte) (int, error) {
	if !c.held.Load() {
		return c.Conn.Write(p)
	}
	c.mu.Lock()
	if !c.held.Load() { // released meanwhile
		c.mu.Unlock()
		return c.Conn.Write(p)
	}
	defer c.mu.Unlock()
	if c.buf == nil {
		c.buf = bufPool.Get().(*[]byte)
	}
	if b := *c.buf; len(b)+len(p) <= HoldLimit {
		*c.buf = append(b, p...)
		return len(p), nil
	}
	// Past the limit: what is held and p in one writev, and hold again
	// afterwards (a held response normally ends here).
	b := *c.buf
	n := len(b)
	c.iov = [2][]byte{b, p}
	c.bufs = c.iov[:]
	m, err := c.bufs.WriteTo(c.Conn)
	c.iov, c.bufs = [2][]byte{}, nil // keep no reference to p
	*c.buf = b[:0]
	if err != nil {
		c.Conn.Close()
	}
	m -= int64(n)
	if m < 0 {
		m = 0
	}
	return int(m), err
}

// ReadFrom sends what is held, then lets the connection copy from r itself:
// for a TCP connection and a file that is sendfile(2), as without the
// wrapper. net/http uses it for bodies it reads from an io.Reader.
func (c *Conn) ReadFrom(r io.Reader) (int64, error) {
	c.mu.Lock()
	err := c.flushLocked()
	c.mu.Unlock()
	if err != nil {
		return 0, err
	}
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(writerOnly{c.Conn}, r)
}

type writerOnly struct{ io.Writer }

// CloseWrite shuts down the writing side, as *net.TCPConn's, which net/http
// uses before closing a connection whose request it did not read in full.
func (c *Conn) CloseWrite() error {
	c.mu.Lock()
	err := c.flushLocked()
	c.mu.Unlock()
	if err != nil {
		return err
	}
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
