// Package store is swkit's persistent state: the push subscriptions the sender
// delivers to, and the idempotency keys that let a replayed background-sync
// request be applied at most once.
//
// This package holds the domain types and the [Store] interface only. The
// implementations are sub-packages named by what they are:
//
//   - [github.com/swkit/swkit/store/sqlite]: one file, pure Go (the binary stays
//     static); the default, for a single server process.
//   - [github.com/swkit/swkit/store/postgres]: PostgreSQL through pgx, for several
//     server processes behind a load balancer; they behave as one.
//
// [github.com/swkit/swkit/store/open] picks one of them from a DSN such as the
// --db flag's value, and [github.com/swkit/swkit/store/storetest] is the
// conformance suite every implementation passes.
//
// Times are stored with microsecond precision.
package store

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// Store is implemented by every backend. All methods are safe for concurrent
// use, from goroutines of one process and from several processes sharing one
// database (as far as the backend allows several processes: see its package
// documentation).
//
// A Store that loses its database (a server restart, a network cut) returns
// errors meanwhile and works again once the database is back; it does not need
// to be reopened.
type Store interface {
	// PutSubscription stores s, replacing the keys of a subscription with the
	// same Endpoint (an upsert). A zero CreatedAt means now; when the endpoint
	// is already stored, its original CreatedAt is kept.
	PutSubscription(ctx context.Context, s Subscription) error
	// DeleteSubscription removes the subscription with this endpoint and
	// reports whether there was one.
	DeleteSubscription(ctx context.Context, endpoint string) (bool, error)
	// Subscriptions returns up to limit subscriptions whose Endpoint sorts
	// after the given one (byte order), in that order: pass "" for the first
	// page and the last Endpoint of a page for the next. A page shorter than
	// limit is the last one. limit <= 0 means DefaultPageSize.
	//
	// Paging by key, rather than a cursor held open, lets a caller deliver to
	// each page over the network, and delete the subscriptions that are gone,
	// without holding a transaction or a connection for the whole fan-out.
	// [Each] walks every page.
	Subscriptions(ctx context.Context, after string, limit int) ([]Subscription, error)
	// CountSubscriptions returns how many subscriptions are stored.
	CountSubscriptions(ctx context.Context) (int64, error)

	// BeginIdempotent claims key for the request whose hash (of method, URL and
	// body, as the caller defines it) is requestHash. The key is kept for ttl
	// after it is claimed and again for ttl after it is completed; after that
	// it is forgotten and may be claimed afresh. The outcomes:
	//
	//   - claimed (nil error, Claim.Response nil): the caller is the first; it
	//     runs the handler, then calls Complete with the response, or Release
	//     when the response is not worth keeping (a 5xx) so that a retry can
	//     run.
	//   - already completed (nil error, Claim.Response set): replay the stored
	//     response; do not run the handler.
	//   - an error wrapping ErrInProgress: another caller holds the claim and
	//     its lease has not run out; wait and ask again, or answer 409.
	//   - an error wrapping ErrKeyReused: the key was used for a different
	//     request (another requestHash); answer 422.
	//
	// A claim carries a lease (Options.Lease, 30 s by default): when its
	// holder neither completes nor releases it in time (it crashed), the next
	// BeginIdempotent takes the claim over, and the first holder's Complete or
	// Release then fails with ErrLeaseLost. Handlers that can run longer than
	// the lease need a longer Options.Lease.
	//
	// BeginIdempotent also purges expired keys now and then
	// (Options.PurgeInterval).
	BeginIdempotent(ctx context.Context, key, requestHash string, ttl time.Duration) (Claim, error)
	// Complete stores resp as the outcome of the claimed key, to be replayed
	// to every later BeginIdempotent of the key until it expires. It fails
	// with ErrLeaseLost when c no longer holds the key (its lease ran out and
	// someone took it over, or it was released or purged).
	Complete(ctx context.Context, c Claim, resp Response) error
	// Release gives up the claim without storing a response, so that the next
	// BeginIdempotent of the key claims it afresh. It fails with ErrLeaseLost
	// when c no longer holds the key.
	Release(ctx context.Context, c Claim) error
	// PurgeExpired deletes the keys that expired at or before now, and returns
	// how many it deleted. A key still claimed under a running lease is kept.
	PurgeExpired(ctx context.Context, now time.Time) (int64, error)

	// Close releases the database. Calls after Close fail.
	Close() error
}

// Subscription is a browser's push subscription: the JSON of
// PushSubscription.toJSON() (Push API), flattened.
type Subscription struct {
	// Endpoint is the push service URL; it identifies the subscription.
	Endpoint string
	// P256dh is the user agent's public key (base64url, RFC 8291 section 3.1).
	P256dh string
	// Auth is the authentication secret (base64url, RFC 8291 section 3.2).
	Auth string
	// CreatedAt is when the subscription was first stored.
	CreatedAt time.Time
}

// Response is an HTTP response kept for replay under an idempotency key.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Claim is what BeginIdempotent returns without an error.
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

// Defaults for [Options] and [Store.Subscriptions].
const (
	DefaultLease         = 30 * time.Second
	DefaultPurgeInterval = 10 * time.Minute
	DefaultPageSize      = 1000
)

// Options are the settings every backend takes. The zero value means the
// defaults.
type Options struct {
	// Now returns the current time; nil means time.Now. Leases, expiry and
	// CreatedAt use it, never the database's clock, so that tests can move
	// time forward. Processes sharing a database should have their clocks in
	// step (NTP): skew shortens or lengthens leases by as much.
	Now func() time.Time
	// Lease is how long a claim stays with its holder before another caller
	// may take it over. Zero means DefaultLease.
	Lease time.Duration
	// PurgeInterval is how often BeginIdempotent also purges expired keys.
	// Zero means DefaultPurgeInterval; negative turns it off (call
	// PurgeExpired yourself).
	PurgeInterval time.Duration
}

// WithDefaults returns o with its zero fields set to the defaults. Backends
// call it; callers need not.
func (o Options) WithDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	if o.PurgeInterval == 0 {
		o.PurgeInterval = DefaultPurgeInterval
	}
	return o
}

// Each calls fn for every stored subscription in Endpoint order, reading
// pageSize at a time (pageSize <= 0 means DefaultPageSize). It stops at the
// first error, from the store or from fn, and returns it. fn may delete the
// subscription it is given; subscriptions added meanwhile are seen when they
// sort after the current one.
func Each(ctx context.Context, s Store, pageSize int, fn func(Subscription) error) error {
	if pageSize <= 0 {
		pageSize = DefaultPageSize
	}
	after := ""
	for {
		page, err := s.Subscriptions(ctx, after, pageSize)
		if err != nil {
			return err
		}
		for _, sub := range page {
			if err := fn(sub); err != nil {
				return err
			}
		}
		if len(page) < pageSize {
			return nil
		}
		after = page[len(page)-1].Endpoint
	}
}
