package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/push/campaign"
	"github.com/swkit/swkit/store/internal/backend"
)

var _ campaign.Store = (*Store)(nil)

// tagFilter is the SQL condition on subscription s for a campaign's tags
// (the parameter numbered n): every subscription when there are none.
func tagFilter(tags []string, n int) string {
	if len(tags) == 0 {
		return "true"
	}
	return fmt.Sprintf("EXISTS (SELECT 1 FROM swkit_subscription_tags t WHERE t.endpoint = s.endpoint AND t.tag = ANY($%d))", n)
}

// SetTags implements [pushapi.TagStore].
func (s *Store) SetTags(ctx context.Context, endpoint string, tags []string) error {
	tags, err := campaign.CheckTags(tags)
	if err != nil {
		return err
	}
	err = s.beginFunc(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM swkit_subscription_tags WHERE endpoint = $1`, endpoint); err != nil {
			return err
		}
		// Only for a stored subscription: the join makes a missing one a no-op.
		_, err := tx.Exec(ctx, `INSERT INTO swkit_subscription_tags (endpoint, tag)
			SELECT s.endpoint, t FROM swkit_subscriptions s, unnest($2::text[]) t WHERE s.endpoint = $1`, endpoint, tags)
		return err
	})
	if err != nil {
		return fmt.Errorf("set subscription tags: %w", err)
	}
	return nil
}

// Tags implements [pushapi.TagStore].
func (s *Store) Tags(ctx context.Context, endpoint string) ([]string, error) {
	var tags []string
	err := s.query(ctx, func(rows pgx.Rows) (err error) {
		tags, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	}, `SELECT tag FROM swkit_subscription_tags WHERE endpoint = $1 ORDER BY tag`, endpoint)
	if err != nil {
		return nil, fmt.Errorf("read subscription tags: %w", err)
	}
	return tags, nil
}

// CreateCampaign implements [campaign.Store]. The batch boundaries come
// from one ordered scan of the targeted endpoints.
func (s *Store) CreateCampaign(ctx context.Context, c campaign.Campaign, batchSize int) (campaign.Campaign, error) {
	size, err := backend.CheckCampaign(&c, batchSize)
	if err != nil {
		return campaign.Campaign{}, err
	}
	c.CreatedAt = s.opts.Now().Truncate(time.Microsecond)
	tags := c.Tags
	if tags == nil {
		tags = []string{}
	}
	err = s.beginFunc(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO swkit_push_campaigns (payload, ttl_s, urgency, topic, tags, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			c.Payload, int64(c.TTL/time.Second), string(c.Urgency), c.Topic, tags, c.CreatedAt).Scan(&c.ID); err != nil {
			return err
		}
		var total int64
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM swkit_subscriptions s WHERE `+tagFilter(c.Tags, 1), tagArgs(c.Tags)...).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT endpoint FROM (
				SELECT s.endpoint, row_number() OVER (ORDER BY s.endpoint) AS rn FROM swkit_subscriptions s
				WHERE `+tagFilter(c.Tags, 2)+`) x
			WHERE rn % $1 = 0 ORDER BY endpoint`, append([]any{size}, tagArgs(c.Tags)...)...)
		if err != nil {
			return err
		}
		bounds, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		batches := backend.Batches(bounds, total, size)
		seqs, los, his, totals := make([]int32, len(batches)), make([]string, len(batches)), make([]*string, len(batches)), make([]int64, len(batches))
		for i, b := range batches {
			seqs[i], los[i], his[i], totals[i] = int32(b.Seq), b.Lo, b.Hi, b.Total
		}
		_, err = tx.Exec(ctx, `INSERT INTO swkit_push_batches (campaign_id, seq, lo, hi, total, not_before)
			SELECT $1, * , $6 FROM unnest($2::int[], $3::text[], $4::text[], $5::bigint[])`,
			c.ID, seqs, los, his, totals, c.CreatedAt)
		return err
	})
	if err != nil {
		return campaign.Campaign{}, fmt.Errorf("create campaign: %w", err)
	}
	return c, nil
}

func tagArgs(tags []string) []any {
	if len(tags) == 0 {
		return nil
	}
	return []any{tags}
}

// CampaignStatus implements [campaign.Store].
func (s *Store) CampaignStatus(ctx context.Context, id int64) (campaign.Status, error) {
	var (
		st      campaign.Status
		ttl     int64
		urgency string
		started *time.Time
		last    *time.Time
		a       backend.Aggregate
	)
	err := s.queryRow(ctx, `SELECT c.id, c.payload, c.ttl_s, c.urgency, c.topic, c.tags, c.created_at, c.started_at,
			coalesce(sum(b.total) FILTER (WHERE b.done), 0),
			coalesce(sum(greatest(b.total, b.delivered + b.gone + b.failed + b.retrying)) FILTER (WHERE NOT b.done), 0),
			coalesce(sum(b.delivered), 0), coalesce(sum(b.gone), 0), coalesce(sum(b.failed), 0),
			coalesce(sum(b.retrying) FILTER (WHERE NOT b.done), 0),
			count(*) FILTER (WHERE NOT b.done), max(b.updated_at)
		FROM swkit_push_campaigns c LEFT JOIN swkit_push_batches b ON b.campaign_id = c.id
		WHERE c.id = $1 GROUP BY c.id`, id).Scan(&st.ID, &st.Payload, &ttl, &urgency, &st.Topic, &st.Tags,
		&st.CreatedAt, &started, &a.DoneTotal, &a.OpenTotal, &a.Delivered, &a.Gone, &a.Failed, &a.Retrying,
		&a.OpenBatches, &last)
	if errors.Is(err, pgx.ErrNoRows) {
		return campaign.Status{}, backend.ErrCampaignNotFound(id)
	}
	if err != nil {
		return campaign.Status{}, fmt.Errorf("campaign %d: %w", id, err)
	}
	st.TTL = time.Duration(ttl) * time.Second
	st.Urgency = push.Urgency(urgency)
	if started != nil {
		st.StartedAt = *started
	}
	if last != nil {
		a.LastUpdate = *last
	}
	a.Status(&st)
	return st, nil
}

// LatestCampaign implements [campaign.Store].
func (s *Store) LatestCampaign(ctx context.Context) (campaign.Status, error) {
	var id *int64
	if err := s.queryRow(ctx, `SELECT max(id) FROM swkit_push_campaigns`).Scan(&id); err != nil {
		return campaign.Status{}, fmt.Errorf("latest campaign: %w", err)
	}
	if id == nil {
		return campaign.Status{}, fmt.Errorf("no campaign yet: %w", campaign.ErrNotFound)
	}
	return s.CampaignStatus(ctx, *id)
}

// ClaimBatch implements [campaign.Store]: FOR UPDATE SKIP LOCKED lets
// concurrent claimers pass over each other's candidate instead of
// queueing behind it, and the lease makes the claim outlive the statement.
func (s *Store) ClaimBatch(ctx context.Context, owner string, lease time.Duration, only int64) (campaign.Batch, bool, error) {
	if err := backend.CheckOwner(owner); err != nil {
		return campaign.Batch{}, false, err
	}
	now := s.opts.Now()
	var b campaign.Batch
	var hi *string
	err := s.queryRow(ctx, `WITH c AS (
			SELECT campaign_id, seq FROM swkit_push_batches
			WHERE NOT done AND not_before <= $3 AND (lease_until IS NULL OR lease_until <= $3)
				AND ($4 = 0 OR campaign_id = $4)
			ORDER BY campaign_id, seq LIMIT 1 FOR UPDATE SKIP LOCKED)
		UPDATE swkit_push_batches b SET lease_owner = $1, lease_until = $2
		FROM c, swkit_push_campaigns p
		WHERE b.campaign_id = c.campaign_id AND b.seq = c.seq AND p.id = c.campaign_id
		RETURNING b.campaign_id, b.seq, b.lo, b.hi, p.tags`,
		owner, now.Add(lease), now, only).Scan(&b.Campaign, &b.Seq, &b.Lo, &hi, &b.Tags)
	if errors.Is(err, pgx.ErrNoRows) {
		return campaign.Batch{}, false, nil
	}
	if err != nil {
		return campaign.Batch{}, false, fmt.Errorf("claim a batch: %w", err)
	}
	if hi == nil {
		b.HiOpen = true
	} else {
		b.Hi = *hi
	}
	if _, err := s.exec(ctx, `UPDATE swkit_push_campaigns SET started_at = $2 WHERE id = $1 AND started_at IS NULL`, b.Campaign, now); err != nil {
		return b, true, fmt.Errorf("claim a batch: %w", err)
	}
	return b, true, nil
}

// PendingDeliveries implements [campaign.Store].
func (s *Store) PendingDeliveries(ctx context.Context, b campaign.Batch, after string, limit int) ([]campaign.Pending, error) {
	var m backend.Merged
	err := s.run(ctx, func(c conn) (err error) {
		m, err = merged(ctx, c, b.BatchRef)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("pending deliveries: %w", err)
	}
	var hi *string
	if !b.HiOpen {
		hi = &b.Hi
	}
	return backend.CollectPending(m, s.opts.Now(), max(after, b.Lo), limit, func(cursor string) ([]push.Subscription, error) {
		var subs []push.Subscription
		err := s.query(ctx, func(rows pgx.Rows) error {
			var sub push.Subscription
			_, err := pgx.ForEachRow(rows, []any{&sub.Endpoint, &sub.Keys.P256dh, &sub.Keys.Auth}, func() error {
				subs = append(subs, sub)
				return nil
			})
			return err
		}, `SELECT endpoint, p256dh, auth FROM swkit_subscriptions s
			WHERE endpoint > $1 AND ($2::text IS NULL OR endpoint <= $2) AND `+tagFilter(b.Tags, 4)+`
			ORDER BY endpoint LIMIT $3`, append([]any{cursor, hi, limit}, tagArgs(b.Tags)...)...)
		return subs, err
	})
}

// querier is a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// merged reads a batch's outcome chunks in the order they were written.
func merged(ctx context.Context, q querier, ref campaign.BatchRef) (backend.Merged, error) {
	rows, err := q.Query(ctx, `SELECT outcomes FROM swkit_push_outcomes WHERE campaign_id = $1 AND seq = $2 ORDER BY id`, ref.Campaign, ref.Seq)
	if err != nil {
		return nil, err
	}
	m := backend.Merged{}
	var chunk []byte
	_, err = pgx.ForEachRow(rows, []any{&chunk}, func() error { return m.Add(chunk) })
	return m, err
}

// RecordOutcomes implements [campaign.Store]: per batch, under its row
// lock, one chunk row and the counts recomputed from all its chunks; the
// gone subscriptions deleted; one transaction.
func (s *Store) RecordOutcomes(ctx context.Context, outs []campaign.Outcome) error {
	if len(outs) == 0 {
		return nil
	}
	refs, groups := backend.ByBatch(outs)
	gone := backend.GoneEndpoints(outs)
	now := s.opts.Now()
	err := s.beginFunc(ctx, func(tx pgx.Tx) error {
		for _, ref := range refs {
			var done bool
			err := tx.QueryRow(ctx, `SELECT done FROM swkit_push_batches WHERE campaign_id = $1 AND seq = $2 FOR UPDATE`,
				ref.Campaign, ref.Seq).Scan(&done)
			if errors.Is(err, pgx.ErrNoRows) || done {
				continue // finished by another worker: these are repeats
			}
			if err != nil {
				return err
			}
			m, err := merged(ctx, tx, ref)
			if err != nil {
				return err
			}
			m.AddOutcomes(groups[ref])
			d, g, f, r := m.Counts()
			if _, err := tx.Exec(ctx, `INSERT INTO swkit_push_outcomes (campaign_id, seq, outcomes) VALUES ($1, $2, $3)`,
				ref.Campaign, ref.Seq, backend.EncodeChunk(groups[ref])); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE swkit_push_batches SET delivered = $3, gone = $4, failed = $5, retrying = $6, updated_at = $7
				WHERE campaign_id = $1 AND seq = $2`, ref.Campaign, ref.Seq, d, g, f, r, now); err != nil {
				return err
			}
		}
		if len(gone) > 0 {
			// RFC 8030 §7.3: 404 and 410 mean the subscription is over.
			if _, err := tx.Exec(ctx, `DELETE FROM swkit_subscriptions WHERE endpoint = ANY($1)`, gone); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record %d outcomes: %w", len(outs), err)
	}
	return nil
}

// ExtendLeases implements [campaign.Store].
func (s *Store) ExtendLeases(ctx context.Context, owner string, refs []campaign.BatchRef, lease time.Duration) ([]campaign.BatchRef, error) {
	if len(refs) == 0 {
		return nil, nil
	}
	bc, bs := make([]int64, len(refs)), make([]int32, len(refs))
	for i, r := range refs {
		bc[i], bs[i] = r.Campaign, int32(r.Seq)
	}
	var kept []campaign.BatchRef
	err := s.query(ctx, func(rows pgx.Rows) error {
		var r campaign.BatchRef
		_, err := pgx.ForEachRow(rows, []any{&r.Campaign, &r.Seq}, func() error {
			kept = append(kept, r)
			return nil
		})
		return err
	}, `UPDATE swkit_push_batches b SET lease_until = $4
		FROM unnest($2::bigint[], $3::int[]) AS k (campaign_id, seq)
		WHERE b.campaign_id = k.campaign_id AND b.seq = k.seq AND b.lease_owner = $1 AND NOT b.done
		RETURNING b.campaign_id, b.seq`, owner, bc, bs, s.opts.Now().Add(lease))
	if err != nil {
		return nil, fmt.Errorf("extend leases: %w", err)
	}
	return backend.Lost(refs, kept), nil
}

// FinishBatch implements [campaign.Store].
func (s *Store) FinishBatch(ctx context.Context, owner string, ref campaign.BatchRef) (done bool, err error) {
	now := s.opts.Now()
	err = s.beginFunc(ctx, func(tx pgx.Tx) error {
		var holder *string
		err := tx.QueryRow(ctx, `SELECT lease_owner FROM swkit_push_batches
			WHERE campaign_id = $1 AND seq = $2 AND NOT done FOR UPDATE`, ref.Campaign, ref.Seq).Scan(&holder)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && (holder == nil || *holder != owner)) {
			return backend.ErrLease(ref)
		}
		if err != nil {
			return err
		}
		m, err := merged(ctx, tx, ref)
		if err != nil {
			return err
		}
		if next, ok := m.NextRetry(); ok {
			_, err := tx.Exec(ctx, `UPDATE swkit_push_batches SET lease_owner = NULL, lease_until = NULL, not_before = $3
				WHERE campaign_id = $1 AND seq = $2`, ref.Campaign, ref.Seq, next)
			return err
		}
		done = true
		d, g, f, _ := m.Counts()
		if _, err := tx.Exec(ctx, `UPDATE swkit_push_batches SET done = true, lease_owner = NULL, lease_until = NULL,
				total = $3, delivered = $4, gone = $5, failed = $6, retrying = 0, updated_at = $7
			WHERE campaign_id = $1 AND seq = $2`, ref.Campaign, ref.Seq, d+g+f, d, g, f, now); err != nil {
			return err
		}
		// The counts stay on the batch; the chunks were only needed while
		// the batch could be redone.
		_, err = tx.Exec(ctx, `DELETE FROM swkit_push_outcomes WHERE campaign_id = $1 AND seq = $2`, ref.Campaign, ref.Seq)
		return err
	})
	if err != nil {
		if errors.Is(err, campaign.ErrLeaseLost) {
			return false, err
		}
		return false, fmt.Errorf("finish campaign %d batch %d: %w", ref.Campaign, ref.Seq, err)
	}
	return done, nil
}

// ReleaseBatch implements [campaign.Store].
func (s *Store) ReleaseBatch(ctx context.Context, owner string, ref campaign.BatchRef) error {
	if _, err := s.exec(ctx, `UPDATE swkit_push_batches SET lease_owner = NULL, lease_until = NULL
		WHERE campaign_id = $1 AND seq = $2 AND lease_owner = $3`, ref.Campaign, ref.Seq, owner); err != nil {
		return fmt.Errorf("release campaign %d batch %d: %w", ref.Campaign, ref.Seq, err)
	}
	return nil
}

// ThrottleOrigin implements [campaign.Store].
func (s *Store) ThrottleOrigin(ctx context.Context, origin string, until time.Time) error {
	if _, err := s.exec(ctx, `INSERT INTO swkit_push_throttles (origin, until) VALUES ($1, $2)
		ON CONFLICT (origin) DO UPDATE SET until = greatest(swkit_push_throttles.until, excluded.until)`, origin, until); err != nil {
		return fmt.Errorf("throttle %s: %w", origin, err)
	}
	// Old throttles are of no use; keep the table small.
	if _, err := s.exec(ctx, `DELETE FROM swkit_push_throttles WHERE until < $1`, s.opts.Now().Add(-time.Hour)); err != nil {
		return fmt.Errorf("throttle %s: %w", origin, err)
	}
	return nil
}

// Throttles implements [campaign.Store].
func (s *Store) Throttles(ctx context.Context) (map[string]time.Time, error) {
	m := map[string]time.Time{}
	err := s.query(ctx, func(rows pgx.Rows) error {
		var o string
		var u time.Time
		_, err := pgx.ForEachRow(rows, []any{&o, &u}, func() error {
			m[o] = u
			return nil
		})
		return err
	}, `SELECT origin, until FROM swkit_push_throttles WHERE until > $1`, s.opts.Now())
	if err != nil {
		return nil, fmt.Errorf("read throttles: %w", err)
	}
	return m, nil
}
