package idempotency

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Header names.
const (
	// HeaderKey is the request header that carries the key.
	HeaderKey = "Idempotency-Key"
	// HeaderReplayed is set to "true" on a response replayed from the store.
	HeaderReplayed = "Idempotent-Replayed"
)

// Defaults for Options.
const (
	DefaultTTL                    = 24 * time.Hour
	DefaultWait                   = 10 * time.Second
	DefaultMaxBodyBytes           = 1 << 20
	DefaultMaxStoredResponseBytes = 1 << 20
)

// NoWait is the Options.Wait that answers 409 at once to a duplicate that
// arrives while the first request is still running.
const NoWait time.Duration = -1

// DefaultMethods are the methods whose requests the middleware handles when
// Options.Methods is empty: the ones that change state. GET, HEAD and OPTIONS
// are safe (RFC 9110 section 9.2.1) and pass through untouched.
var DefaultMethods = []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// Options configure Middleware. The zero value means the defaults.
type Options struct {
	// TTL is how long a completed key is remembered, and its response
	// replayed; after that the key may be applied afresh. Zero means
	// DefaultTTL (24 h). It should be longer than the time a client may
	// keep retrying: swkit's service worker keeps a queued request up to
	// its maxRetentionTime (7 days by default), so set a TTL that long when
	// the server may be down for days.
	TTL time.Duration
	// Wait is how long a duplicate that arrives while the first request
	// with its key is still running waits for the first to finish, polling
	// the store, before it is answered 409. Zero means DefaultWait (10 s);
	// NoWait (or any negative value) answers 409 at once.
	Wait time.Duration
	// MaxBodyBytes bounds the request body, which is read whole to be
	// hashed and then handed to the handler; a longer body is answered 413.
	// Zero or less means DefaultMaxBodyBytes (1 MiB). Since the body is read
	// before the handler runs, a limit the handler sets itself (say with
	// http.MaxBytesReader) applies only after up to MaxBodyBytes have been
	// read and held: set MaxBodyBytes to the route's own limit, or put
	// http.MaxBytesHandler outside the middleware, which it honours.
	MaxBodyBytes int64
	// MaxStoredResponseBytes bounds the response body that is kept for
	// replay. A longer response is passed through to the client as the
	// handler writes it, but is not stored: the key is released, so that a
	// repeat runs the handler again. Keep responses under keys small (an
	// id, not a document). Zero or less means DefaultMaxStoredResponseBytes
	// (1 MiB).
	MaxStoredResponseBytes int
	// Methods are the request methods the middleware handles; requests with
	// other methods pass through untouched. Empty means DefaultMethods.
	Methods []string
	// Required makes the header mandatory on Methods: a request without it
	// is answered 400. By default such a request passes through untouched.
	Required bool
	// KeyScope returns what, besides the method, the Content-Type and the
	// body, a repeat must match to be the same request; it is hashed with
	// them. Nil means DefaultKeyScope (method, request target and the
	// caller's Authorization and Cookie headers), so that one key sent to
	// another route, or by another caller, is a mismatch (422): one user's
	// key can never replay another user's response. Replace it with one
	// that names the signed-in user when cookies change between attempts.
	KeyScope func(*http.Request) string
	// Logf logs what the client is not told: store failures, a lost lease,
	// a released key. Nil means log.Printf.
	Logf func(format string, args ...any)
}

// storeTimeout bounds the store calls made after the handler ran
// (Complete, Release), which do not use the request's context: the client
// going away must not keep its outcome from being recorded.
const storeTimeout = 10 * time.Second

// Retry-After values, in seconds.
const (
	retryConflict    = "1"
	retryUnavailable = "5"
)

// Middleware returns middleware that applies each Idempotency-Key once,
// keeping the first response in s and replaying it to repeats. See the
// package documentation for the behaviour and the statuses it answers.
func Middleware(s Store, opts Options) func(http.Handler) http.Handler {
	m := &middleware{store: s, opts: opts.withDefaults()}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			m.serve(w, r, next)
		})
	}
}

func (o Options) withDefaults() Options {
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.Wait == 0 {
		o.Wait = DefaultWait
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.MaxStoredResponseBytes <= 0 {
		o.MaxStoredResponseBytes = DefaultMaxStoredResponseBytes
	}
	if len(o.Methods) == 0 {
		o.Methods = DefaultMethods
	}
	o.Methods = slices.Clone(o.Methods)
	for i, m := range o.Methods {
		o.Methods[i] = strings.ToUpper(m)
	}
	if o.KeyScope == nil {
		o.KeyScope = DefaultKeyScope
	}
	if o.Logf == nil {
		o.Logf = log.Printf
	}
	return o
}

type middleware struct {
	store Store
	tx    TxStore // set by TxMiddleware: the handler runs in its transaction
	opts  Options
}

func (m *middleware) serve(w http.ResponseWriter, r *http.Request, next http.Handler) {
	if !slices.Contains(m.opts.Methods, r.Method) {
		next.ServeHTTP(w, r)
		return
	}
	key, ok, err := parseKey(r.Header.Values(HeaderKey))
	switch {
	case err != nil:
		writeProblem(w, http.StatusBadRequest, err.Error(), "")
		return
	case !ok && m.opts.Required:
		writeProblem(w, http.StatusBadRequest, "this request needs an Idempotency-Key header", "")
		return
	case !ok:
		next.ServeHTTP(w, r)
		return
	}

	body, status := m.readBody(r)
	if status != 0 {
		writeProblem(w, status, statusDetail[status], "")
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	hash := requestHash(r.Method, m.opts.KeyScope(r), r.Header.Get("Content-Type"), body)

	claim, err := m.begin(r.Context(), key, hash)
	switch {
	case errors.Is(err, ErrKeyReused):
		writeProblem(w, http.StatusUnprocessableEntity,
			"this Idempotency-Key was used for a different request (method, path, content type or body)", "")
		return
	case errors.Is(err, ErrInProgress):
		writeProblem(w, http.StatusConflict,
			"a request with this Idempotency-Key is still being processed; retry later", retryConflict)
		return
	case err != nil:
		if r.Context().Err() == nil {
			m.opts.Logf("idempotency: %s: %v", keyRef(key), err)
		}
		// The handler must not run: a write applied without its key on
		// record could be applied again by the next retry.
		writeProblem(w, http.StatusServiceUnavailable,
			"the request cannot be processed right now; retry later", retryUnavailable)
		return
	case !claim.Claimed():
		replay(w, claim.Response)
		return
	}
	if m.tx != nil {
		m.runTx(w, r, next, claim)
		return
	}
	m.run(w, r, next, claim)
}

var statusDetail = map[int]string{
	http.StatusRequestEntityTooLarge: "the request body is too large",
	http.StatusBadRequest:            "the request body could not be read",
}

// readBody reads the whole body, up to MaxBodyBytes; status is non-zero
// when it cannot.
func (m *middleware) readBody(r *http.Request) (body []byte, status int) {
	limit := m.opts.MaxBodyBytes
	if r.ContentLength > limit {
		return nil, http.StatusRequestEntityTooLarge
	}
	if r.Body == nil || r.Body == http.NoBody {
		return nil, 0
	}
	var err error
	if n := r.ContentLength; n >= 0 {
		// The length is known (and net/http holds the body to it): one
		// buffer of that size, rather than growing one as it arrives.
		body = make([]byte, n)
		_, err = io.ReadFull(r.Body, body)
	} else {
		body, err = io.ReadAll(io.LimitReader(r.Body, limit+1))
	}
	var tooLarge *http.MaxBytesError // from an outer http.MaxBytesReader
	switch {
	case errors.As(err, &tooLarge) || int64(len(body)) > limit:
		return nil, http.StatusRequestEntityTooLarge
	case err != nil:
		return nil, http.StatusBadRequest
	}
	return body, 0
}

// begin claims key, waiting up to Wait, polling with backoff, while another
// request holds it.
func (m *middleware) begin(ctx context.Context, key, hash string) (Claim, error) {
	claim, err := m.store.BeginIdempotent(ctx, key, hash, m.opts.TTL)
	if !errors.Is(err, ErrInProgress) || m.opts.Wait < 0 {
		return claim, err
	}
	deadline := time.Now().Add(m.opts.Wait)
	delay := 10 * time.Millisecond
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return claim, err
		}
		// Jitter spreads the polls of many duplicates over time.
		d := min(delay/2+rand.N(delay/2+1), left)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return claim, err // still in progress as far as we know: 409
		case <-t.C:
		}
		delay = min(2*delay, 500*time.Millisecond)
		claim, err = m.store.BeginIdempotent(ctx, key, hash, m.opts.TTL)
		if !errors.Is(err, ErrInProgress) {
			if err != nil && ctx.Err() != nil {
				// The client went away mid-poll; what it is told does not
				// matter, but do not count it as a store failure.
				return claim, ErrInProgress
			}
			return claim, err
		}
	}
}

// run runs the handler under a held claim, then completes or releases it.
func (m *middleware) run(w http.ResponseWriter, r *http.Request, next http.Handler, claim Claim) {
	rec := newRecorder(w, m.opts.MaxStoredResponseBytes)
	finished := false
	defer func() {
		if finished {
			return
		}
		// The handler panicked (http.ErrAbortHandler included): nothing is
		// known about what it applied, so let a retry run, and re-raise
		// for net/http or an outer recoverer to deal with.
		p := recover()
		if p == nil {
			// runtime.Goexit: no panic to re-raise; let it go on.
			m.release(r.Context(), claim, "the handler exited its goroutine")
			return
		}
		m.release(r.Context(), claim, "the handler panicked")
		panic(p)
	}()
	next.ServeHTTP(rec, r)
	finished = true

	if rec.overflowed {
		m.release(r.Context(), claim, "its response was larger than MaxStoredResponseBytes and is not stored")
		return
	}
	status, header, body := rec.result()
	if status >= 500 {
		// A 5xx says the server failed: the handler must have applied
		// nothing, so a retry may run it again.
		m.release(r.Context(), claim, "the handler answered "+strconv.Itoa(status))
		writeResponse(w, status, header, body)
		return
	}
	m.complete(r.Context(), claim, Response{Status: status, Header: header, Body: body})
	writeResponse(w, status, header, body)
}

// complete stores the response. The client gets it whatever happens here:
// the handler ran, and the worst outcome of a failure is a later retry
// running it again, which is logged.
func (m *middleware) complete(ctx context.Context, claim Claim, resp Response) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	var err error
	// A store that lost its database works again once it is back: try a
	// few times within a second before giving up.
	for i, backoff := 0, 100*time.Millisecond; i < 3; i, backoff = i+1, backoff*3 {
		err = m.store.Complete(ctx, claim, resp)
		if err == nil || errors.Is(err, ErrLeaseLost) {
			break
		}
		if i < 2 {
			time.Sleep(backoff)
		}
	}
	switch {
	case errors.Is(err, ErrLeaseLost):
		m.opts.Logf("idempotency: %s: lease lost before the response was stored "+
			"(the handler outlived the store's lease, and a retry may have run it again): %v", keyRef(claim.Key), err)
	case err != nil:
		m.opts.Logf("idempotency: %s: the response could not be stored, a retry after the lease "+
			"runs out will run the handler again: %v", keyRef(claim.Key), err)
	}
}

func (m *middleware) release(ctx context.Context, claim Claim, why string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	if err := m.store.Release(ctx, claim); err != nil {
		m.opts.Logf("idempotency: %s: %s; releasing it failed (a retry waits for the lease to run out): %v",
			keyRef(claim.Key), why, err)
		return
	}
	m.opts.Logf("idempotency: %s released: %s", keyRef(claim.Key), why)
}

func replay(w http.ResponseWriter, resp *Response) {
	copyHeader(w.Header(), resp.Header)
	w.Header().Set(HeaderReplayed, "true")
	writeResponse(w, resp.Status, nil, resp.Body)
}

// writeResponse writes a kept response. Content-Length is set when the
// handler did not set it, so that the first answer and its replays are
// framed alike (net/http would otherwise choose between a length and
// chunking by the body's size and timing).
func writeResponse(w http.ResponseWriter, status int, header http.Header, body []byte) {
	h := w.Header()
	copyHeader(h, header)
	if h.Get("Content-Length") == "" && bodyAllowed(status) {
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}
	w.WriteHeader(status)
	if bodyAllowed(status) {
		w.Write(body)
	}
}

// bodyAllowed reports whether a response with this status may have a body
// (RFC 9110 sections 15.3.5 and 15.4.5).
func bodyAllowed(status int) bool {
	return status != http.StatusNoContent && status != http.StatusNotModified
}
