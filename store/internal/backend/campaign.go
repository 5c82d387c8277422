package backend

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/push/campaign"
)

// CheckCampaign validates a campaign before it is stored.
func CheckCampaign(c *campaign.Campaign, batchSize int) (int, error) {
	if batchSize <= 0 {
		batchSize = campaign.DefaultBatchSize
	}
	tags, err := campaign.CheckTags(c.Tags)
	if err != nil {
		return 0, fmt.Errorf("create campaign: %w", err)
	}
	c.Tags = tags
	if c.TTL < 0 {
		c.TTL = 0
	}
	return batchSize, nil
}

// BatchRow is a batch as CreateCampaign inserts it.
type BatchRow struct {
	Seq   int
	Lo    string
	Hi    *string // nil: no upper bound
	Total int64
}

// Batches splits total subscriptions into batches of size, given the
// endpoint of every size-th one in order (boundaries): the ranges cover
// the whole key space, the last one without an upper bound.
func Batches(boundaries []string, total int64, size int) []BatchRow {
	rows := make([]BatchRow, 0, len(boundaries)+1)
	lo := ""
	for i, b := range boundaries {
		hi := b
		rows = append(rows, BatchRow{Seq: i, Lo: lo, Hi: &hi, Total: int64(size)})
		lo = b
	}
	rows = append(rows, BatchRow{Seq: len(boundaries), Lo: lo, Total: total - int64(len(boundaries))*int64(size)})
	return rows
}

// Aggregate is a campaign's batches summed up, as the backends read them.
type Aggregate struct {
	DoneTotal, OpenTotal              int64 // OpenTotal: per open batch, the larger of its total and its outcomes
	Delivered, Gone, Failed, Retrying int64
	OpenBatches                       int64
	LastUpdate                        time.Time
}

// Status fills st's counts and times from a.
func (a Aggregate) Status(st *campaign.Status) {
	st.Total = a.DoneTotal + a.OpenTotal
	st.Delivered, st.Gone, st.Failed, st.Retrying = a.Delivered, a.Gone, a.Failed, a.Retrying
	st.Queued = max(st.Total-a.Delivered-a.Gone-a.Failed-a.Retrying, 0)
	st.UpdatedAt = a.LastUpdate
	if a.OpenBatches == 0 {
		st.Queued = 0
		st.FinishedAt = a.LastUpdate
		if st.FinishedAt.IsZero() {
			st.FinishedAt = st.CreatedAt
		}
	}
}

// TouchedBatches lists the batches of outs once each, in order, so that
// writers lock them in the same order and never deadlock.
func TouchedBatches(outs []campaign.Outcome) []campaign.BatchRef {
	var refs []campaign.BatchRef
	for _, o := range outs {
		refs = append(refs, o.Batch)
	}
	SortRefs(refs)
	return slices.Compact(refs)
}

// SortRefs sorts batch references by campaign, then sequence.
func SortRefs(refs []campaign.BatchRef) {
	slices.SortFunc(refs, func(a, b campaign.BatchRef) int {
		if a.Campaign != b.Campaign {
			if a.Campaign < b.Campaign {
				return -1
			}
			return 1
		}
		return a.Seq - b.Seq
	})
}

// Lost is the refs not in kept.
func Lost(refs, kept []campaign.BatchRef) []campaign.BatchRef {
	var lost []campaign.BatchRef
	for _, r := range refs {
		if !slices.Contains(kept, r) {
			lost = append(lost, r)
		}
	}
	return lost
}

// ErrCampaignNotFound wraps campaign.ErrNotFound with the id.
func ErrCampaignNotFound(id int64) error {
	return fmt.Errorf("campaign %d: %w", id, campaign.ErrNotFound)
}

// ErrLease wraps campaign.ErrLeaseLost with the batch.
func ErrLease(b campaign.BatchRef) error {
	return fmt.Errorf("campaign %d batch %d: %w", b.Campaign, b.Seq, campaign.ErrLeaseLost)
}

var errNoOwner = errors.New("empty owner")

// CheckOwner validates a lease owner.
func CheckOwner(owner string) error {
	if owner == "" {
		return errNoOwner
	}
	return nil
}

// Outcomes are stored as one row per batch per write, a chunk, rather
// than a row per delivery: a write then costs the database one row for a
// few hundred deliveries. A chunk is JSON: [[endpoint, state, attempts,
// next_at in Unix microseconds], ...].

// EncodeChunk encodes the outcomes of one batch.
func EncodeChunk(outs []campaign.Outcome) []byte {
	rows := make([][4]any, len(outs))
	for i, o := range outs {
		var next int64
		if o.State == campaign.Retrying {
			next = o.NextAt.UnixMicro()
		}
		rows[i] = [4]any{o.Endpoint, int(o.State), o.Attempts, next}
	}
	b, err := json.Marshal(rows)
	if err != nil {
		panic(err) // strings and integers only
	}
	return b
}

// Entry is the merged outcome of one delivery.
type Entry struct {
	State    campaign.State
	Attempts int
	NextAt   time.Time
}

// Merged is a batch's outcomes by endpoint, merged from its chunks in the
// order they were written: a final outcome is never replaced, so a repeat
// recorded by a worker that lost its lease changes nothing.
type Merged map[string]Entry

// Add merges one encoded chunk.
func (m Merged) Add(chunk []byte) error {
	var rows [][4]json.RawMessage
	if err := json.Unmarshal(chunk, &rows); err != nil {
		return fmt.Errorf("decode outcomes: %w", err)
	}
	for _, r := range rows {
		var (
			ep              string
			state, attempts int
			next            int64
		)
		if err := errors.Join(json.Unmarshal(r[0], &ep), json.Unmarshal(r[1], &state),
			json.Unmarshal(r[2], &attempts), json.Unmarshal(r[3], &next)); err != nil {
			return fmt.Errorf("decode outcomes: %w", err)
		}
		m.put(ep, Entry{campaign.State(state), attempts, time.UnixMicro(next)})
	}
	return nil
}

// AddOutcomes merges outcomes not yet encoded.
func (m Merged) AddOutcomes(outs []campaign.Outcome) {
	for _, o := range outs {
		m.put(o.Endpoint, Entry{o.State, o.Attempts, o.NextAt})
	}
}

func (m Merged) put(ep string, e Entry) {
	if old, ok := m[ep]; ok && old.State != campaign.Retrying {
		return
	}
	m[ep] = e
}

// Pending reports whether the delivery to ep is still to be made at now,
// and how many attempts it had.
func (m Merged) Pending(ep string, now time.Time) (attempts int, ok bool) {
	e, found := m[ep]
	switch {
	case !found:
		return 0, true
	case e.State == campaign.Retrying && !now.Before(e.NextAt):
		return e.Attempts, true
	}
	return 0, false
}

// Counts counts the outcomes by state: delivered, gone, failed, retrying.
func (m Merged) Counts() (d, g, f, r int64) {
	for _, e := range m {
		switch e.State {
		case campaign.Delivered:
			d++
		case campaign.Gone:
			g++
		case campaign.Failed:
			f++
		case campaign.Retrying:
			r++
		}
	}
	return
}

// NextRetry is the earliest retry, or false when none is retrying.
func (m Merged) NextRetry() (time.Time, bool) {
	var next time.Time
	found := false
	for _, e := range m {
		if e.State == campaign.Retrying && (!found || e.NextAt.Before(next)) {
			next, found = e.NextAt, true
		}
	}
	return next, found
}

// ByBatch groups outcomes by batch, the batches in lock order.
func ByBatch(outs []campaign.Outcome) ([]campaign.BatchRef, map[campaign.BatchRef][]campaign.Outcome) {
	groups := map[campaign.BatchRef][]campaign.Outcome{}
	for _, o := range outs {
		groups[o.Batch] = append(groups[o.Batch], o)
	}
	return TouchedBatches(outs), groups
}

// GoneEndpoints lists the endpoints of outs that are Gone.
func GoneEndpoints(outs []campaign.Outcome) []string {
	var gone []string
	for _, o := range outs {
		if o.State == campaign.Gone {
			gone = append(gone, o.Endpoint)
		}
	}
	return gone
}

// CollectPending pages through a batch's subscriptions with fetch (up to
// limit after cursor, in endpoint order) and keeps those m says are
// pending at now, until limit are kept or the range ends.
func CollectPending(m Merged, now time.Time, cursor string, limit int, fetch func(cursor string) ([]push.Subscription, error)) ([]campaign.Pending, error) {
	var page []campaign.Pending
	for len(page) < limit {
		subs, err := fetch(cursor)
		if err != nil {
			return nil, fmt.Errorf("pending deliveries: %w", err)
		}
		for _, s := range subs {
			if attempts, ok := m.Pending(s.Endpoint, now); ok {
				page = append(page, campaign.Pending{Sub: s, Attempts: attempts})
				if len(page) == limit {
					return page, nil
				}
			}
		}
		if len(subs) < limit {
			break
		}
		cursor = subs[len(subs)-1].Endpoint
	}
	return page, nil
}
