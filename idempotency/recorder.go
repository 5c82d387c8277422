package idempotency

import (
	"bytes"
	"fmt"
	"net/http"
)

// recorder is the ResponseWriter the handler gets while it holds a claim. It
// keeps the status, the headers and the body, so that they can be stored
// before any of it reaches the client, until the body grows past limit: then it
// writes out what it has and passes the rest through (overflowed), and the
// key is released rather than completed.
//
// It implements http.Flusher, as a no-op while buffering (the response goes
// out whole once the handler returns) and as a real flush once overflowed.
// It does not implement http.Hijacker, and it has no Unwrap method, so
// http.ResponseController cannot reach past it to the connection: a
// response under an idempotency key is a stored response, not a stream.
type recorder struct {
	w      http.ResponseWriter
	limit  int
	header http.Header
	status int // 0 until WriteHeader or the first Write
	body   bytes.Buffer

	overflowed bool
}

func newRecorder(w http.ResponseWriter, limit int) *recorder {
	return &recorder{w: w, limit: limit, header: http.Header{}}
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	// Same rule as net/http: a code that is not three digits is a bug in the
	// handler, and a panic here releases the key like any other.
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	if r.status != 0 {
		return // superfluous, as net/http treats it
	}
	if code < 200 {
		// 1xx (103 Early Hints) would go out at once with net/http; a stored
		// response has no room for them, so they are dropped.
		return
	}
	r.status = code
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.WriteHeader(http.StatusOK)
	}
	if r.overflowed {
		return r.w.Write(p)
	}
	if r.body.Len()+len(p) <= r.limit {
		return r.body.Write(p)
	}
	r.overflow()
	return r.w.Write(p)
}

// Flush implements http.Flusher.
func (r *recorder) Flush() {
	if r.overflowed {
		http.NewResponseController(r.w).Flush()
	}
}

// overflow switches to passing through: what was kept goes out now.
func (r *recorder) overflow() {
	r.overflowed = true
	copyHeader(r.w.Header(), r.header)
	r.w.WriteHeader(r.status)
	r.w.Write(r.body.Bytes())
	r.body = bytes.Buffer{}
}

// result returns the response the handler produced. A handler that wrote
// nothing answered 200 with an empty body, as with net/http.
func (r *recorder) result() (status int, header http.Header, body []byte) {
	status = r.status
	if status == 0 {
		status = http.StatusOK
	}
	return status, r.header, r.body.Bytes()
}

// copyHeader sets every field of src in dst, replacing what dst had under
// the same name and leaving its other fields alone (those an outer
// middleware set).
func copyHeader(dst, src http.Header) {
	for k, v := range src {
		dst[k] = append([]string(nil), v...)
	}
}
