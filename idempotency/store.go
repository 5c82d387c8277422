package idempotency

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// Store keeps the keys for [Middleware]. The backends in
// github.com/swkit/swkit/store (SQLite, PostgreSQL) implement it, and so can
// a type over the application's own database (see the example).
//
// Its methods must be safe for concurrent use. For several server processes
// to apply each key once between them, a claim must be decided in the
// database (a row lock, a transaction under the write lock), never in memory.
type Store interface {
	// BeginIdempotent claims key for the request whose hash (of method,
	// KeyScope, Content-Type and body) is requestHash. The key is kept for
	// ttl after it is claimed and again for ttl after it is completed; after
	// that it is forgotten and may be claimed afresh. The outcomes:
	//
	//   - claimed (nil error, Claim.Response nil): the caller is the first;
	//     it runs the handler, then calls Complete with the response, or
	//     Release when the response is not worth keeping (a 5xx) so that a
	//     retry can run.
	//   - already completed (nil error, Claim.Response set): replay the
	//     stored response; do not run the handler.
	//   - an error wrapping ErrInProgress: another caller holds the claim
	//     and its lease has not run out.
	//   - an error wrapping ErrKeyReused: the key was claimed for another
	//     requestHash.
	//
	// A claim carries a lease: when its holder neither completes nor
	// releases it in time (it crashed), the next BeginIdempotent takes the
	// claim over with a new Claim.Token, and the first holder's Complete or
	// Release then fails with ErrLeaseLost.
	BeginIdempotent(ctx context.Context, key, requestHash string, ttl time.Duration) (Claim, error)
	// Complete stores resp as the outcome of the claimed key, to be replayed
	// to every later BeginIdempotent of the key until it expires. It fails
	// with ErrLeaseLost when c no longer holds the key (its lease was taken
	// over, or it was released or purged).
	Complete(ctx context.Context, c Claim, resp Response) error
	// Release gives up the claim without storing a response, so that the
	// next BeginIdempotent of the key claims it afresh. It fails with
	// ErrLeaseLost when c no longer holds the key.
	Release(ctx context.Context, c Claim) error
}

// Claim is what Store.BeginIdempotent returns without an error.
type Claim struct {
	// Key is the idempotency key.
	Key string
	// Token identifies this holder of the claim: Complete and Release check
	// it, so that a holder whose lease was taken over cannot overwrite the
	// new holder's outcome. Empty when Response is set.
	Token string
	// Response is the stored response when the key was already completed:
	// replay it. Nil when the caller holds the claim.
	Response *Response
}

// Claimed reports whether the caller holds the claim and must run the handler.
func (c Claim) Claimed() bool { return c.Response == nil && c.Token != "" }

// Response is an HTTP response kept for replay under a key.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

var (
	// ErrInProgress means another caller holds the claim on the key and its
	// lease has not run out.
	ErrInProgress = errors.New("idempotency key in progress")
	// ErrKeyReused means the key was used before for a different request.
	ErrKeyReused = errors.New("idempotency key reused for a different request")
	// ErrLeaseLost means the claim passed to Complete or Release no longer
	// holds its key.
	ErrLeaseLost = errors.New("idempotency claim lost: lease expired or released")
)
