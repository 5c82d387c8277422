package server

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"time"
)

// Limits are the limits an HTTP server facing the internet needs on each
// connection and request, as nginx sets them. The zero value of each field
// means its default.
type Limits struct {
	// ReadHeaderTimeout bounds the time to read a request's line and
	// header. Default 10 s.
	ReadHeaderTimeout time.Duration
	// IdleTimeout closes a kept-alive connection that sends no new request
	// for this long. Default 2 minutes.
	IdleTimeout time.Duration
	// BodyTimeout is the longest wait for the next bytes of a request body
	// (nginx's client_body_timeout). It bounds the time without progress,
	// not the whole upload, so a large body on a slow link is fine while a
	// stalled one is cut. Default 60 s.
	BodyTimeout time.Duration
	// SendTimeout is the longest a client may take to accept the next
	// SendChunk bytes of a response (nginx's send_timeout is per write). A
	// client that reads nothing is cut after it; a slow one that keeps
	// reading is not. Default 60 s.
	SendTimeout time.Duration
	// MaxHeaderBytes bounds the request line and header; a larger one is
	// answered 431. Default 32 KiB (nginx allows 4 × 8 KiB), against
	// net/http's 1 MiB. net/http accepts 4 KiB more than the value.
	MaxHeaderBytes int
}

// Defaults for Limits.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultIdleTimeout       = 2 * time.Minute
	DefaultBodyTimeout       = 60 * time.Second
	DefaultSendTimeout       = 60 * time.Second
	DefaultMaxHeaderBytes    = 32 << 10
)

// SendChunk is how many bytes of a response a client must accept within
// Limits.SendTimeout: about 1 KB/s at the default.
const SendChunk = 64 << 10

func (l Limits) withDefaults() Limits {
	if l.ReadHeaderTimeout <= 0 {
		l.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = DefaultIdleTimeout
	}
	if l.BodyTimeout <= 0 {
		l.BodyTimeout = DefaultBodyTimeout
	}
	if l.SendTimeout <= 0 {
		l.SendTimeout = DefaultSendTimeout
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	return l
}

// HTTPServer returns an *http.Server that serves h within lim, as `swkit
// serve` and `swkit demo` do: net/http's own timeouts for the header and
// idle connections, a header size cap, and, per request, a body-read
// deadline and a write deadline that move forward as bytes move, so that
// stalled uploads and clients that stop reading free their connection
// while large files on slow links still go through. It also closes the
// connection after a request whose body was sent with Transfer-Encoding
// (see below).
//
// Set Addr (or call Serve with a listener), TLSConfig and the like on the
// result. A program with its own *http.Server can copy Handler,
// MaxHeaderBytes, ReadHeaderTimeout and IdleTimeout from it instead.
//
// The request and response deadlines are set through
// http.ResponseController, so they need the http.ResponseWriter that
// net/http gives (or a wrapper with an Unwrap method); where a deadline
// cannot be set, the request is served without it.
//
// Connection close after a chunked request: RFC 9112 §6.1 requires a
// server to close the connection after answering a request with both
// Content-Length and Transfer-Encoding, a request smuggling shape. net/http
// removes the Content-Length before a handler sees the request, so the two
// cannot be told apart from Transfer-Encoding alone; every request whose
// body came with Transfer-Encoding is answered with Connection: close.
// Browsers never send one over HTTP/1.1.
func HTTPServer(h http.Handler, lim Limits) *http.Server {
	lim = lim.withDefaults()
	return &http.Server{
		Handler:           &guard{next: h, lim: lim},
		ReadHeaderTimeout: lim.ReadHeaderTimeout,
		IdleTimeout:       lim.IdleTimeout,
		MaxHeaderBytes:    lim.MaxHeaderBytes,
	}
}

// guard sets the per-request deadlines and closes after chunked requests.
type guard struct {
	next http.Handler
	lim  Limits
}

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if len(r.TransferEncoding) > 0 && r.ProtoMajor == 1 {
		// RFC 9112 §6.1; see HTTPServer.
		w.Header().Set("Connection", "close")
	}
	rc := http.NewResponseController(w)
	if r.Body != nil && r.Body != http.NoBody {
		if rc.SetReadDeadline(time.Now().Add(g.lim.BodyTimeout)) == nil {
			r.Body = &bodyDeadline{ReadCloser: r.Body, rc: rc, timeout: g.lim.BodyTimeout}
		}
	}
	if rc.SetWriteDeadline(time.Now().Add(g.lim.SendTimeout)) != nil {
		g.next.ServeHTTP(w, r)
		return
	}
	sw := &sendDeadline{ResponseWriter: w, rc: rc, timeout: g.lim.SendTimeout}
	g.next.ServeHTTP(sw, r)
	// net/http sends what is still buffered after the handler returns: give
	// that a full window too, however long the handler took.
	sw.extend()
}

// bodyDeadline moves the read deadline forward after every read that
// brings bytes, and clears it at the end of the body: net/http then reads
// the connection in the background (to notice a client going away), and a
// deadline left there would cancel the request's context. After any other
// error the deadline stays, so that net/http's own read of what is left of
// the body (after the handler) fails too, and closes the connection.
type bodyDeadline struct {
	io.ReadCloser
	rc      *http.ResponseController
	timeout time.Duration
}

func (b *bodyDeadline) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	switch {
	case err == io.EOF:
		b.rc.SetReadDeadline(time.Time{})
	case err == nil && n > 0:
		b.rc.SetReadDeadline(time.Now().Add(b.timeout))
	}
	return n, err
}

// sendDeadline gives every SendChunk bytes of the response a fresh write
// deadline.
type sendDeadline struct {
	http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
}

func (w *sendDeadline) extend() { w.rc.SetWriteDeadline(time.Now().Add(w.timeout)) }

func (w *sendDeadline) WriteHeader(code int) {
	w.extend()
	w.ResponseWriter.WriteHeader(code)
}

func (w *sendDeadline) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		w.extend()
		m, err := w.ResponseWriter.Write(p[:min(len(p), SendChunk)])
		n += m
		if err != nil {
			return n, err
		}
		p = p[m:]
	}
	return n, nil
}

// ReadFrom keeps net/http's sendfile path for files: each SendChunk is one
// ReadFrom of the underlying writer over the file itself (net/http looks
// through one io.LimitedReader, not two).
func (w *sendDeadline) ReadFrom(src io.Reader) (int64, error) {
	rf, ok := w.ResponseWriter.(io.ReaderFrom)
	if !ok {
		return io.Copy(writerOnly{w}, src)
	}
	inner, left := src, int64(-1) // -1: to the end of src
	lr, limited := src.(*io.LimitedReader)
	if limited {
		inner, left = lr.R, lr.N
	}
	var total int64
	for left != 0 {
		chunk := int64(SendChunk)
		if left > 0 {
			chunk = min(chunk, left)
		}
		w.extend()
		n, err := rf.ReadFrom(&io.LimitedReader{R: inner, N: chunk})
		total += n
		if left > 0 {
			left -= n
		}
		if err != nil || n < chunk {
			if limited {
				lr.N = left
			}
			return total, err
		}
	}
	if limited {
		lr.N = 0
	}
	return total, nil
}

type writerOnly struct{ io.Writer }

func (w *sendDeadline) Flush() {
	w.extend()
	w.rc.Flush()
}

// Hijack hands the connection over; net/http clears its deadlines.
func (w *sendDeadline) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return w.rc.Hijack()
}

// Unwrap lets http.ResponseController reach net/http's writer.
func (w *sendDeadline) Unwrap() http.ResponseWriter { return w.ResponseWriter }
