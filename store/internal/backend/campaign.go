package backend

import (
	"errors"
	"fmt"
	"slices"
	"time"

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

// LastOutcomes keeps the last outcome for each (campaign, endpoint), in
// order, so that one write never touches a row twice.
func LastOutcomes(outs []campaign.Outcome) []campaign.Outcome {
	type key struct {
		c int64
		e string
	}
	seen := make(map[key]int, len(outs))
	res := make([]campaign.Outcome, 0, len(outs))
	for _, o := range outs {
		k := key{o.Batch.Campaign, o.Endpoint}
		if i, ok := seen[k]; ok {
			res[i] = o
			continue
		}
		seen[k] = len(res)
		res = append(res, o)
	}
	return res
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
