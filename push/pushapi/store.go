package pushapi

import (
	"context"

	"github.com/swkit/swkit/push"
)

// Store keeps the push subscriptions for a [Handler]. The backends in
// github.com/swkit/swkit/store (SQLite, PostgreSQL) implement it. Its
// methods must be safe for concurrent use.
type Store interface {
	// PutSubscription stores s, or replaces the keys of the subscription
	// with the same Endpoint, and reports whether s was new. Only the
	// endpoint and the keys are kept: ExpirationTime is not.
	PutSubscription(ctx context.Context, s push.Subscription) (created bool, err error)
	// DeleteSubscription removes the subscription with this endpoint; one
	// that is not stored is not an error.
	DeleteSubscription(ctx context.Context, endpoint string) error
	// Subscriptions returns up to limit (> 0) subscriptions whose Endpoint
	// sorts after the given one in byte order, in that order: "" for the
	// first page, the last Endpoint of a page for the next. A page shorter
	// than limit is the last.
	//
	// Paging by key, rather than a cursor held open, lets Send deliver a
	// page over the network and delete the subscriptions that are gone
	// without holding a transaction for the whole fan-out.
	Subscriptions(ctx context.Context, after string, limit int) ([]push.Subscription, error)
}

// TagStore is a Store that also keeps tags on subscriptions, which a
// campaign can target. The backends in github.com/swkit/swkit/store
// implement it; with a Store that does not, subscribing with tags is
// refused.
type TagStore interface {
	Store
	// SetTags replaces the tags of the stored subscription with this
	// endpoint (none clears them); for an endpoint not stored it does
	// nothing. A tag is 1 to 64 letters, digits, - _ . or :, and a
	// subscription has at most 32.
	SetTags(ctx context.Context, endpoint string, tags []string) error
	// Tags returns the subscription's tags, sorted.
	Tags(ctx context.Context, endpoint string) ([]string, error)
}
