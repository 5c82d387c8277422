// Package store holds swkit's persistent state: the push subscriptions that
// package pushapi delivers to, the push campaigns that package campaign's
// workers share, and the idempotency keys that package idempotency applies
// once. Each of those packages declares the few methods it needs
// (pushapi.TagStore, campaign.Store, idempotency.Store); the backends
// implement them all over one database, and are sub-packages named by what
// they are:
//
//   - [github.com/swkit/swkit/store/sqlite]: one file, pure Go (the binary stays
//     static); the default, for a single server process.
//   - [github.com/swkit/swkit/store/postgres]: PostgreSQL through pgx, for several
//     server processes behind a load balancer; they behave as one, and
//     share the delivery of push campaigns.
//
// Each opens a database of its own (Open) or works in the application's
// *sql.DB (FromDB), beside the application's tables: swkit's tables all
// start with swkit_.
//
// [github.com/swkit/swkit/store/open] picks one of them from a DSN such as the
// --db flag's value, and [github.com/swkit/swkit/store/storetest] is the
// conformance suite every backend passes.
//
// This package holds the settings the backends share. A backend that loses
// its database (a server restart, a network cut) returns errors meanwhile
// and works again once the database is back; it need not be reopened.
// Times are stored with microsecond precision.
package store

import (
	"errors"
	"time"
)

var (
	// ErrClosed is what a backend's calls return after its Close.
	ErrClosed = errors.New("store closed")
	// ErrUnsuitable is what a backend's FromDB returns for a database
	// handle that swkit cannot use as it is (a setting missing, another
	// driver); the message says what to change.
	ErrUnsuitable = errors.New("database handle unsuitable for swkit")
)

// Defaults for [Options].
const (
	DefaultLease         = 30 * time.Second
	DefaultPurgeInterval = 10 * time.Minute
)

// Options are the settings every backend takes. The zero value means the
// defaults.
type Options struct {
	// Now returns the current time; nil means time.Now. Leases, expiry and
	// the time a subscription was first stored use it, never the database's
	// clock, so that tests can move time forward. Processes sharing a
	// database should have their clocks in step (NTP): skew shortens or
	// lengthens leases by as much.
	Now func() time.Time
	// Lease is how long an idempotency claim stays with its holder before
	// another caller may take it over. Zero means DefaultLease. Set it above
	// the slowest handler behind idempotency.Middleware.
	Lease time.Duration
	// PurgeInterval is how often BeginIdempotent also purges expired keys.
	// Zero means DefaultPurgeInterval; negative turns it off (call the
	// backend's PurgeExpired yourself).
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
