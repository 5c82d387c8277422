package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/push/campaign"
	"github.com/swkit/swkit/store/internal/backend"
)

var _ campaign.Store = (*Store)(nil)

// tagFilter is the SQL condition on subscription s for tags, bound as a
// JSON array: every subscription when there are none.
func tagFilter(tags []string) (string, []any) {
	if len(tags) == 0 {
		return "1", nil
	}
	b, _ := json.Marshal(tags)
	return `EXISTS (SELECT 1 FROM swkit_subscription_tags t WHERE t.endpoint = s.endpoint
		AND t.tag IN (SELECT value FROM json_each(?)))`, []any{string(b)}
}

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMicro(v.Int64).UTC()
}

// SetTags implements [pushapi.TagStore].
func (s *Store) SetTags(ctx context.Context, endpoint string, tags []string) error {
	tags, err := campaign.CheckTags(tags)
	if err != nil {
		return err
	}
	err = s.write(ctx, func(tx dbtx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM swkit_subscription_tags WHERE endpoint = ?`, endpoint); err != nil {
			return err
		}
		for _, t := range tags {
			// Only for a stored subscription: the SELECT makes a missing one a no-op.
			if _, err := tx.ExecContext(ctx, `INSERT INTO swkit_subscription_tags (endpoint, tag)
				SELECT endpoint, ? FROM swkit_subscriptions WHERE endpoint = ?`, t, endpoint); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set subscription tags: %w", err)
	}
	return nil
}

// Tags implements [pushapi.TagStore].
func (s *Store) Tags(ctx context.Context, endpoint string) ([]string, error) {
	rows, err := s.query(ctx, `SELECT tag FROM swkit_subscription_tags WHERE endpoint = ? ORDER BY tag`, endpoint)
	if err != nil {
		return nil, fmt.Errorf("read subscription tags: %w", err)
	}
	defer rows.Close()
	var tags []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("read subscription tags: %w", err)
		}
		tags = append(tags, t)
	}
	return tags, rows.Err()
}

// CreateCampaign implements [campaign.Store].
func (s *Store) CreateCampaign(ctx context.Context, c campaign.Campaign, batchSize int) (campaign.Campaign, error) {
	size, err := backend.CheckCampaign(&c, batchSize)
	if err != nil {
		return campaign.Campaign{}, err
	}
	c.CreatedAt = time.UnixMicro(s.opts.Now().UnixMicro()).UTC()
	tagsJSON, _ := json.Marshal(c.Tags)
	if c.Tags == nil {
		tagsJSON = []byte("[]")
	}
	filter, fargs := tagFilter(c.Tags)
	err = s.write(ctx, func(tx dbtx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO swkit_push_campaigns (payload, ttl_s, urgency, topic, tags, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, c.Payload, int64(c.TTL/time.Second), string(c.Urgency), c.Topic, string(tagsJSON), micros(c.CreatedAt))
		if err != nil {
			return err
		}
		if c.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		var total int64
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM swkit_subscriptions s WHERE `+filter, fargs...).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT endpoint FROM (
				SELECT s.endpoint, row_number() OVER (ORDER BY s.endpoint) AS rn FROM swkit_subscriptions s WHERE `+filter+`)
			WHERE rn % ? = 0 ORDER BY endpoint`, append(fargs, size)...)
		if err != nil {
			return err
		}
		var bounds []string
		for rows.Next() {
			var e string
			if err := rows.Scan(&e); err != nil {
				rows.Close()
				return err
			}
			bounds = append(bounds, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, b := range backend.Batches(bounds, total, size) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO swkit_push_batches (campaign_id, seq, lo, hi, total, not_before)
				VALUES (?, ?, ?, ?, ?, ?)`, c.ID, b.Seq, b.Lo, b.Hi, b.Total, micros(c.CreatedAt)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return campaign.Campaign{}, fmt.Errorf("create campaign: %w", err)
	}
	return c, nil
}

// CampaignStatus implements [campaign.Store].
func (s *Store) CampaignStatus(ctx context.Context, id int64) (campaign.Status, error) {
	var (
		st                         campaign.Status
		ttl                        int64
		urgency, tags              string
		created                    int64
		started, last, doneT, open sql.NullInt64
		a                          backend.Aggregate
	)
	err := s.queryRow(ctx, `SELECT c.id, c.payload, c.ttl_s, c.urgency, c.topic, c.tags, c.created_at, c.started_at,
			sum(CASE WHEN b.done THEN b.total END),
			sum(CASE WHEN NOT b.done THEN max(b.total, b.delivered + b.gone + b.failed + b.retrying) END),
			coalesce(sum(b.delivered), 0), coalesce(sum(b.gone), 0), coalesce(sum(b.failed), 0),
			coalesce(sum(CASE WHEN NOT b.done THEN b.retrying END), 0),
			count(CASE WHEN NOT b.done THEN 1 END), max(b.updated_at)
		FROM swkit_push_campaigns c LEFT JOIN swkit_push_batches b ON b.campaign_id = c.id
		WHERE c.id = ? GROUP BY c.id`, id).Scan(&st.ID, &st.Payload, &ttl, &urgency, &st.Topic, &tags,
		&created, &started, &doneT, &open, &a.Delivered, &a.Gone, &a.Failed, &a.Retrying, &a.OpenBatches, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return campaign.Status{}, backend.ErrCampaignNotFound(id)
	}
	if err != nil {
		return campaign.Status{}, fmt.Errorf("campaign %d: %w", id, err)
	}
	if err := json.Unmarshal([]byte(tags), &st.Tags); err != nil {
		return campaign.Status{}, fmt.Errorf("campaign %d: tags: %w", id, err)
	}
	if len(st.Tags) == 0 {
		st.Tags = nil
	}
	st.TTL = time.Duration(ttl) * time.Second
	st.Urgency = push.Urgency(urgency)
	st.CreatedAt = time.UnixMicro(created).UTC()
	st.StartedAt = fromMicros(started)
	a.DoneTotal, a.OpenTotal = doneT.Int64, open.Int64
	a.LastUpdate = fromMicros(last)
	a.Status(&st)
	return st, nil
}

// LatestCampaign implements [campaign.Store].
func (s *Store) LatestCampaign(ctx context.Context) (campaign.Status, error) {
	var id sql.NullInt64
	if err := s.queryRow(ctx, `SELECT max(id) FROM swkit_push_campaigns`).Scan(&id); err != nil {
		return campaign.Status{}, fmt.Errorf("latest campaign: %w", err)
	}
	if !id.Valid {
		return campaign.Status{}, fmt.Errorf("no campaign yet: %w", campaign.ErrNotFound)
	}
	return s.CampaignStatus(ctx, id.Int64)
}

// ClaimBatch implements [campaign.Store]: an immediate transaction holds
// SQLite's write lock, so the look-up and the lease are one step for every
// process on the file.
func (s *Store) ClaimBatch(ctx context.Context, owner string, lease time.Duration, only int64) (campaign.Batch, bool, error) {
	if err := backend.CheckOwner(owner); err != nil {
		return campaign.Batch{}, false, err
	}
	now := s.opts.Now()
	var b campaign.Batch
	var hi sql.NullString
	var tags string
	found := false
	err := s.write(ctx, func(tx dbtx) error {
		err := tx.QueryRowContext(ctx, `SELECT b.campaign_id, b.seq, b.lo, b.hi, p.tags
			FROM swkit_push_batches b JOIN swkit_push_campaigns p ON p.id = b.campaign_id
			WHERE NOT b.done AND b.not_before <= ?1 AND (b.lease_until IS NULL OR b.lease_until <= ?1)
				AND (?2 = 0 OR b.campaign_id = ?2)
			ORDER BY b.campaign_id, b.seq LIMIT 1`, micros(now), only).Scan(&b.Campaign, &b.Seq, &b.Lo, &hi, &tags)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		if _, err := tx.ExecContext(ctx, `UPDATE swkit_push_batches SET lease_owner = ?, lease_until = ? WHERE campaign_id = ? AND seq = ?`,
			owner, micros(now.Add(lease)), b.Campaign, b.Seq); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE swkit_push_campaigns SET started_at = ? WHERE id = ? AND started_at IS NULL`, micros(now), b.Campaign)
		return err
	})
	if err != nil {
		return campaign.Batch{}, false, fmt.Errorf("claim a batch: %w", err)
	}
	if !found {
		return campaign.Batch{}, false, nil
	}
	b.Hi, b.HiOpen = hi.String, !hi.Valid
	if err := json.Unmarshal([]byte(tags), &b.Tags); err != nil {
		return campaign.Batch{}, false, fmt.Errorf("claim a batch: tags: %w", err)
	}
	return b, true, nil
}

// PendingDeliveries implements [campaign.Store].
func (s *Store) PendingDeliveries(ctx context.Context, b campaign.Batch, after string, limit int) ([]campaign.Pending, error) {
	m, err := merged(ctx, s.r, b.BatchRef)
	if err != nil {
		return nil, fmt.Errorf("pending deliveries: %w", err)
	}
	filter, fargs := tagFilter(b.Tags)
	var hi any
	if !b.HiOpen {
		hi = b.Hi
	}
	return backend.CollectPending(m, s.opts.Now(), max(after, b.Lo), limit, func(cursor string) ([]push.Subscription, error) {
		rows, err := s.query(ctx, `SELECT endpoint, p256dh, auth FROM swkit_subscriptions s
			WHERE endpoint > ? AND (?2 IS NULL OR endpoint <= ?2) AND `+filter+`
			ORDER BY endpoint LIMIT ?`, append(append([]any{cursor, hi}, fargs...), limit)...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var subs []push.Subscription
		for rows.Next() {
			var sub push.Subscription
			if err := rows.Scan(&sub.Endpoint, &sub.Keys.P256dh, &sub.Keys.Auth); err != nil {
				return nil, err
			}
			subs = append(subs, sub)
		}
		return subs, rows.Err()
	})
}

// querier is a database or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// merged reads a batch's outcome chunks in the order they were written.
func merged(ctx context.Context, q querier, ref campaign.BatchRef) (backend.Merged, error) {
	rows, err := q.QueryContext(ctx, `SELECT outcomes FROM swkit_push_outcomes WHERE campaign_id = ? AND seq = ? ORDER BY id`, ref.Campaign, ref.Seq)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := backend.Merged{}
	for rows.Next() {
		var chunk []byte
		if err := rows.Scan(&chunk); err != nil {
			return nil, err
		}
		if err := m.Add(chunk); err != nil {
			return nil, err
		}
	}
	return m, rows.Err()
}

// RecordOutcomes implements [campaign.Store]: per batch one chunk row and
// the counts recomputed from all its chunks, the gone subscriptions
// deleted, in one immediate transaction.
func (s *Store) RecordOutcomes(ctx context.Context, outs []campaign.Outcome) error {
	if len(outs) == 0 {
		return nil
	}
	refs, groups := backend.ByBatch(outs)
	now := micros(s.opts.Now())
	err := s.write(ctx, func(tx dbtx) error {
		for _, ref := range refs {
			var done bool
			err := tx.QueryRowContext(ctx, `SELECT done FROM swkit_push_batches WHERE campaign_id = ? AND seq = ?`,
				ref.Campaign, ref.Seq).Scan(&done)
			if errors.Is(err, sql.ErrNoRows) || done {
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
			if _, err := tx.ExecContext(ctx, `INSERT INTO swkit_push_outcomes (campaign_id, seq, outcomes) VALUES (?, ?, ?)`,
				ref.Campaign, ref.Seq, backend.EncodeChunk(groups[ref])); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE swkit_push_batches SET delivered = ?, gone = ?, failed = ?, retrying = ?, updated_at = ?
				WHERE campaign_id = ? AND seq = ?`, d, g, f, r, now, ref.Campaign, ref.Seq); err != nil {
				return err
			}
		}
		for _, ep := range backend.GoneEndpoints(outs) {
			// RFC 8030 §7.3: 404 and 410 mean the subscription is over.
			if _, err := tx.ExecContext(ctx, `DELETE FROM swkit_subscriptions WHERE endpoint = ?`, ep); err != nil {
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
	var kept []campaign.BatchRef
	until := micros(s.opts.Now().Add(lease))
	err := s.write(ctx, func(tx dbtx) error {
		for _, r := range refs {
			res, err := tx.ExecContext(ctx, `UPDATE swkit_push_batches SET lease_until = ?
				WHERE campaign_id = ? AND seq = ? AND lease_owner = ? AND NOT done`, until, r.Campaign, r.Seq, owner)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 1 {
				kept = append(kept, r)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("extend leases: %w", err)
	}
	return backend.Lost(refs, kept), nil
}

// FinishBatch implements [campaign.Store].
func (s *Store) FinishBatch(ctx context.Context, owner string, ref campaign.BatchRef) (done bool, err error) {
	now := micros(s.opts.Now())
	err = s.write(ctx, func(tx dbtx) error {
		var holder sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT lease_owner FROM swkit_push_batches
			WHERE campaign_id = ? AND seq = ? AND NOT done`, ref.Campaign, ref.Seq).Scan(&holder)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && holder.String != owner) {
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
			_, err := tx.ExecContext(ctx, `UPDATE swkit_push_batches SET lease_owner = NULL, lease_until = NULL, not_before = ?
				WHERE campaign_id = ? AND seq = ?`, micros(next), ref.Campaign, ref.Seq)
			return err
		}
		done = true
		d, g, f, _ := m.Counts()
		if _, err := tx.ExecContext(ctx, `UPDATE swkit_push_batches SET done = 1, lease_owner = NULL, lease_until = NULL,
				total = ?, delivered = ?, gone = ?, failed = ?, retrying = 0, updated_at = ?
			WHERE campaign_id = ? AND seq = ?`, d+g+f, d, g, f, now, ref.Campaign, ref.Seq); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM swkit_push_outcomes WHERE campaign_id = ? AND seq = ?`, ref.Campaign, ref.Seq)
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
	err := s.write(ctx, func(tx dbtx) error {
		_, err := tx.ExecContext(ctx, `UPDATE swkit_push_batches SET lease_owner = NULL, lease_until = NULL
			WHERE campaign_id = ? AND seq = ? AND lease_owner = ?`, ref.Campaign, ref.Seq, owner)
		return err
	})
	if err != nil {
		return fmt.Errorf("release campaign %d batch %d: %w", ref.Campaign, ref.Seq, err)
	}
	return nil
}

// ThrottleOrigin implements [campaign.Store].
func (s *Store) ThrottleOrigin(ctx context.Context, origin string, until time.Time) error {
	err := s.write(ctx, func(tx dbtx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO swkit_push_throttles (origin, until) VALUES (?, ?)
			ON CONFLICT (origin) DO UPDATE SET until = max(until, excluded.until)`, origin, micros(until)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM swkit_push_throttles WHERE until < ?`, micros(s.opts.Now().Add(-time.Hour)))
		return err
	})
	if err != nil {
		return fmt.Errorf("throttle %s: %w", origin, err)
	}
	return nil
}

// Throttles implements [campaign.Store].
func (s *Store) Throttles(ctx context.Context) (map[string]time.Time, error) {
	rows, err := s.query(ctx, `SELECT origin, until FROM swkit_push_throttles WHERE until > ?`, micros(s.opts.Now()))
	if err != nil {
		return nil, fmt.Errorf("read throttles: %w", err)
	}
	defer rows.Close()
	m := map[string]time.Time{}
	for rows.Next() {
		var o string
		var u int64
		if err := rows.Scan(&o, &u); err != nil {
			return nil, fmt.Errorf("read throttles: %w", err)
		}
		m[o] = time.UnixMicro(u).UTC()
	}
	return m, rows.Err()
}
