// Package campaign delivers one push message to many subscriptions durably,
// shared by any number of processes on one database.
//
// A campaign is recorded in a [Store] (the message, its target and the time it
// was created) and split into batches: ranges of subscriptions in endpoint
// order, of BatchSize each when the campaign is created. [Worker]s claim one
// batch at a time under a lease, deliver to the subscriptions of its range
// that have no recorded outcome yet, and record each outcome (delivered, gone,
// failed, or retrying at a later time) in the store in small groups. A worker
// that dies loses its lease, and another worker (or the same one, restarted)
// takes the batch over and delivers only to the subscriptions whose outcome
// was not recorded. So every subscription gets the message, and the only
// repeats are the deliveries a dead worker had made but not yet recorded:
// at most WorkerOptions.Concurrency + WorkerOptions.FlushSize per worker
// killed. Each message carries a Topic header (the campaign's own unless the
// message names one), so a push service replaces such a repeat, when the
// first copy is still undelivered, instead of showing both.
//
// The backends in github.com/swkit/swkit/store implement Store: PostgreSQL
// claims batches with SELECT ... FOR UPDATE SKIP LOCKED, so many processes
// share one campaign without waiting on each other; SQLite runs the same
// model in one process (or a few on one file, taking turns).
//
// Why not a job queue on PostgreSQL such as riverqueue/river or gue: their
// unit is a job row, so a campaign would be either a million job rows or a
// job per batch with the per-delivery outcomes kept beside it anyway; they
// bring their own schema and migrations next to the store's versioned ones,
// and River's SQLite driver goes through database/sql with its own tables.
// The claim itself is one statement (FOR UPDATE SKIP LOCKED with a lease),
// and the conformance suite in github.com/swkit/swkit/store/storetest holds
// both backends to the same behaviour.
package campaign

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/swkit/swkit/push"
)

// Defaults.
const (
	// DefaultBatchSize is how many subscriptions a batch holds when a
	// campaign is created: enough to keep a worker's requests overlapping,
	// few enough that a batch taken over after a crash is quickly redone.
	DefaultBatchSize = 500
)

// State is the outcome of one delivery.
type State int8

// The outcomes a Store records.
const (
	Delivered State = 1 // the push service accepted the message (2xx)
	Gone      State = 2 // 404 or 410: the subscription was deleted
	Failed    State = 3 // refused for good, or still failing after MaxAttempts
	Retrying  State = 4 // a temporary failure: tried again at NextAt
)

var (
	// ErrNotFound is returned for a campaign that does not exist.
	ErrNotFound = errors.New("campaign: not found")
	// ErrLeaseLost means another worker holds the batch now.
	ErrLeaseLost = errors.New("campaign: batch lease lost")
)

// Campaign is a message to deliver to the subscriptions its Tags select.
type Campaign struct {
	// ID is assigned by Store.CreateCampaign.
	ID int64
	// Payload is the plaintext every subscription receives.
	Payload []byte
	// TTL, Urgency and Topic are as in push.Message. An empty Topic means
	// the campaign's own, "campaign-<ID>".
	TTL     time.Duration
	Urgency push.Urgency
	Topic   string
	// Tags selects the subscriptions that carry any of them; none means
	// every subscription.
	Tags []string
	// CreatedAt is set by Store.CreateCampaign.
	CreatedAt time.Time
}

// Message is the push message the campaign's subscriptions receive.
func (c *Campaign) Message() push.Message {
	m := push.Message{Payload: c.Payload, TTL: c.TTL, Urgency: c.Urgency, Topic: c.Topic}
	if m.Topic == "" {
		m.Topic = DefaultTopic(c.ID)
	}
	return m
}

// Counts are a campaign's deliveries by state. Total is the subscriptions
// targeted: those of the batches already done, and for the others the
// number counted when the campaign was created, or more if more were found.
type Counts struct {
	Total     int64 `json:"total"`
	Queued    int64 `json:"queued"`
	Delivered int64 `json:"delivered"`
	Gone      int64 `json:"gone"`
	Failed    int64 `json:"failed"`
	Retrying  int64 `json:"retrying"`
}

// Status is a campaign and its progress.
type Status struct {
	Campaign
	Counts
	// StartedAt is when a worker first claimed a batch, UpdatedAt when an
	// outcome was last recorded, FinishedAt when the last batch was done.
	// Each is zero until then.
	StartedAt, UpdatedAt, FinishedAt time.Time
}

// Done reports whether every batch is done.
func (s *Status) Done() bool { return !s.FinishedAt.IsZero() }

// Rate is the outcomes recorded per second since the campaign started, up
// to its end or now.
func (s *Status) Rate(now time.Time) float64 {
	if s.StartedAt.IsZero() {
		return 0
	}
	end := now
	if s.Done() {
		end = s.UpdatedAt
	}
	d := end.Sub(s.StartedAt).Seconds()
	if d <= 0 {
		return 0
	}
	return float64(s.Delivered+s.Gone+s.Failed) / d
}

// BatchRef names a batch.
type BatchRef struct {
	Campaign int64
	Seq      int
}

// Batch is a range of subscriptions of a campaign: endpoints after Lo, up
// to and including Hi, or without an upper bound when HiOpen.
type Batch struct {
	BatchRef
	Lo, Hi string
	HiOpen bool
	// Tags are the campaign's, for PendingDeliveries.
	Tags []string
}

// Pending is a subscription of a batch that has no final outcome.
type Pending struct {
	Sub push.Subscription
	// Attempts counts earlier attempts that ended in Retrying.
	Attempts int
}

// Outcome is the recorded result of one delivery.
type Outcome struct {
	Batch    BatchRef
	Endpoint string
	State    State
	Attempts int
	// NextAt is when a Retrying delivery is tried again.
	NextAt time.Time
}

// Store keeps campaigns, their batches and the outcome of each delivery.
// The backends in github.com/swkit/swkit/store implement it. Its methods
// must be safe for concurrent use, from one process or many.
type Store interface {
	// CreateCampaign records c, splits the subscriptions it targets into
	// batches of batchSize and returns c with its ID and CreatedAt set.
	// The batches cover the whole key space, so a subscription stored
	// later is delivered to if its batch has not been done yet.
	CreateCampaign(ctx context.Context, c Campaign, batchSize int) (Campaign, error)
	// CampaignStatus returns the campaign and its counts, or ErrNotFound.
	CampaignStatus(ctx context.Context, id int64) (Status, error)
	// LatestCampaign returns the status of the campaign created last, or
	// ErrNotFound when there is none.
	LatestCampaign(ctx context.Context) (Status, error)
	// ClaimBatch leases the first batch that is not done, is due and whose
	// lease (if any) ran out, to owner until now+lease; only > 0 limits it
	// to that campaign. ok is false when there is nothing to claim.
	// Concurrent claims, from this process or another, never get the same
	// batch while its lease runs.
	ClaimBatch(ctx context.Context, owner string, lease time.Duration, only int64) (b Batch, ok bool, err error)
	// PendingDeliveries returns up to limit subscriptions of b, in endpoint
	// order after the given one, that the campaign targets and that have no
	// outcome, or a Retrying one that is due.
	PendingDeliveries(ctx context.Context, b Batch, after string, limit int) ([]Pending, error)
	// RecordOutcomes stores outcomes in one transaction, deletes the
	// subscriptions that are Gone, and updates the counts of the batches
	// concerned. An outcome never replaces a final one, so a repeat
	// recorded by a worker that lost its lease changes nothing.
	RecordOutcomes(ctx context.Context, outcomes []Outcome) error
	// ExtendLeases moves the leases that owner still holds on batches to
	// now+lease and returns the batches whose lease owner lost.
	ExtendLeases(ctx context.Context, owner string, batches []BatchRef, lease time.Duration) (lost []BatchRef, err error)
	// FinishBatch ends owner's work on b: done when no delivery is
	// Retrying, otherwise released until the first retry is due. It
	// returns ErrLeaseLost when owner no longer holds b.
	FinishBatch(ctx context.Context, owner string, b BatchRef) (done bool, err error)
	// ReleaseBatch gives up owner's lease on b, so that another worker can
	// claim it at once.
	ReleaseBatch(ctx context.Context, owner string, b BatchRef) error
	// ThrottleOrigin records that the push service at origin asked every
	// sender to wait until the given time (429 with Retry-After); a later
	// time already recorded stays.
	ThrottleOrigin(ctx context.Context, origin string, until time.Time) error
	// Throttles returns the origins throttled past now, with their times.
	Throttles(ctx context.Context) (map[string]time.Time, error)
}

// DefaultTopic is the Topic of a campaign whose message names none.
func DefaultTopic(id int64) string {
	return "campaign-" + strconv.FormatInt(id, 10)
}

// StatusJSON is the JSON form of a Status, as the push API's
// GET campaigns/ID and swkit push status --json give it.
type StatusJSON struct {
	ID         int64      `json:"id"`
	Tags       []string   `json:"tags,omitempty"`
	CreatedAt  time.Time  `json:"createdAt"`
	StartedAt  *time.Time `json:"startedAt,omitempty"`
	FinishedAt *time.Time `json:"finishedAt,omitempty"`
	Done       bool       `json:"done"`
	Counts
	// Rate is outcomes per second since the campaign started.
	Rate float64 `json:"rate"`
}

// JSON returns s in its JSON form, with the rate as of now.
func (s *Status) JSON(now time.Time) StatusJSON {
	j := StatusJSON{ID: s.ID, Tags: s.Tags, CreatedAt: s.CreatedAt, Done: s.Done(), Counts: s.Counts}
	if !s.StartedAt.IsZero() {
		t := s.StartedAt
		j.StartedAt = &t
	}
	if s.Done() {
		t := s.FinishedAt
		j.FinishedAt = &t
	}
	j.Rate = math.Round(s.Rate(now)*10) / 10
	return j
}

// MaxTags bounds the tags of one subscription or campaign, MaxTagLen one
// tag: tags are labels a page chooses ("news", "lang:fr"), not data.
const (
	MaxTags   = 32
	MaxTagLen = 64
)

// CheckTags validates tags: at most MaxTags, each 1 to MaxTagLen
// characters of letters, digits and - _ . :, and returns them sorted
// without repeats.
func CheckTags(tags []string) ([]string, error) {
	if len(tags) > MaxTags {
		return nil, fmt.Errorf("tags: %d, at most %d", len(tags), MaxTags)
	}
	for _, t := range tags {
		if t == "" || len(t) > MaxTagLen {
			return nil, fmt.Errorf("tag %q: want 1 to %d characters", t, MaxTagLen)
		}
		for _, c := range []byte(t) {
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
				return nil, fmt.Errorf("tag %q: only letters, digits and - _ . : are allowed", t)
			}
		}
	}
	out := slices.Clone(tags)
	slices.Sort(out)
	return slices.Compact(out), nil
}
