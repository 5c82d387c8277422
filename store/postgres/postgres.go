// Package postgres is the PostgreSQL backend of [store.Store], for several
// swkit processes behind a load balancer: processes sharing one database
// behave as one, each idempotency key being applied once between them.
//
// It uses github.com/jackc/pgx/v5 (MIT licence) and its connection pool,
// which replaces broken connections: after a server restart or a network cut
// the Store works again without being reopened. A claim is an
// INSERT ... ON CONFLICT DO NOTHING, then, when the key exists, a
// SELECT ... FOR UPDATE in a transaction, so concurrent claims of one key, in
// one process or many, serialise on the row.
//
// Tested with PostgreSQL 15 (Debian 12's); it needs 9.5 or newer
// (ON CONFLICT).
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/internal/backend"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLock is the pg_advisory_xact_lock key that serialises migrations
// of processes opening one database at once ("swkit" in ASCII).
const migrationLock = 0x73776b6974

// ConnectTimeout bounds each connection attempt when the DSN sets none, so
// that an unreachable server fails a call rather than hang it.
const ConnectTimeout = 10 * time.Second

// Store is a [store.Store] on a PostgreSQL database.
type Store struct {
	pool  *pgxpool.Pool
	where string // host:port/database, for messages (never the password)
	opts  store.Options
	purge backend.Purger
}

var _ store.Store = (*Store)(nil)

// Open connects to the database that dsn names (a postgres:// URL or a
// keyword/value string, as libpq takes) and brings its schema up to date.
// When the server cannot be reached, the error names it and says what to
// check.
func Open(ctx context.Context, dsn string, opts store.Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx redacts the password in its parse errors.
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = ConnectTimeout
	}
	s := &Store{
		where: fmt.Sprintf("%s:%d/%s", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database),
		opts:  opts.WithDefaults(),
	}
	s.purge.Interval = s.opts.PurgeInterval
	if s.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, fmt.Errorf("open postgres %s: %w", s.where, err)
	}
	if err := s.migrate(ctx); err != nil {
		s.pool.Close()
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) {
			return nil, fmt.Errorf("open postgres %s: %w", s.where, err)
		}
		return nil, fmt.Errorf("open postgres %s: %w: check the server is running and the DSN's host, port, user and password", s.where, err)
	}
	return s, nil
}

// migrate applies the migrations the database lacks in one transaction,
// under an advisory lock so that processes opening it at once apply each
// once.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := backend.Migrations(migrationFiles, "migrations")
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
			return fmt.Errorf("lock for migrations: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version integer PRIMARY KEY,
			applied_at timestamptz NOT NULL DEFAULT now()
		)`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		var have int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if have > len(ms) {
			return fmt.Errorf("schema version %d is newer than this swkit knows (%d): upgrade swkit", have, len(ms))
		}
		for _, m := range ms[have:] {
			// No arguments: the simple protocol, which runs a file of
			// several statements.
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, m.Version); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
		}
		return nil
	})
}

// PutSubscription implements [store.Store].
func (s *Store) PutSubscription(ctx context.Context, sub store.Subscription) error {
	if err := backend.CheckSubscription(sub); err != nil {
		return err
	}
	if sub.CreatedAt.IsZero() {
		sub.CreatedAt = s.opts.Now()
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO subscriptions (endpoint, p256dh, auth, created_at)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (endpoint) DO UPDATE SET p256dh = excluded.p256dh, auth = excluded.auth`,
		sub.Endpoint, sub.P256dh, sub.Auth, sub.CreatedAt)
	if err != nil {
		return fmt.Errorf("put subscription %s: %w", sub.Endpoint, err)
	}
	return nil
}

// DeleteSubscription implements [store.Store].
func (s *Store) DeleteSubscription(ctx context.Context, endpoint string) (bool, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM subscriptions WHERE endpoint = $1`, endpoint)
	if err != nil {
		return false, fmt.Errorf("delete subscription %s: %w", endpoint, err)
	}
	return tag.RowsAffected() > 0, nil
}

// Subscriptions implements [store.Store].
func (s *Store) Subscriptions(ctx context.Context, after string, limit int) ([]store.Subscription, error) {
	if limit <= 0 {
		limit = store.DefaultPageSize
	}
	rows, err := s.pool.Query(ctx, `SELECT endpoint, p256dh, auth, created_at FROM subscriptions
		WHERE endpoint > $1 ORDER BY endpoint LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", err)
	}
	page := make([]store.Subscription, 0, min(limit, 256))
	var sub store.Subscription
	_, err = pgx.ForEachRow(rows, []any{&sub.Endpoint, &sub.P256dh, &sub.Auth, &sub.CreatedAt}, func() error {
		page = append(page, sub)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", err)
	}
	return page, nil
}

// CountSubscriptions implements [store.Store].
func (s *Store) CountSubscriptions(ctx context.Context) (int64, error) {
	var n int64
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM subscriptions`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count subscriptions: %w", err)
	}
	return n, nil
}

// BeginIdempotent implements [store.Store].
func (s *Store) BeginIdempotent(ctx context.Context, key, requestHash string, ttl time.Duration) (store.Claim, error) {
	if err := backend.CheckBegin(key, requestHash, ttl); err != nil {
		return store.Claim{}, err
	}
	now := s.opts.Now()
	if s.purge.Due(now) {
		// Opportunistic: a failure here shows up again in the claim below,
		// or is retried at the next interval.
		s.PurgeExpired(ctx, now)
	}
	// A row deleted between the INSERT and the SELECT (released, purged)
	// sends us round again; a few rounds are plenty.
	for range 5 {
		claim, err, retry := s.begin(ctx, key, requestHash, ttl, now)
		if !retry {
			return claim, err
		}
	}
	return store.Claim{}, fmt.Errorf("begin idempotent %q: key keeps vanishing under concurrent releases", key)
}

func (s *Store) begin(ctx context.Context, key, requestHash string, ttl time.Duration, now time.Time) (claim store.Claim, err error, retry bool) {
	token := backend.Token()
	leaseUntil, expiresAt := now.Add(s.opts.Lease), now.Add(ttl)
	// The common case, a new key, in one statement outside a transaction.
	tag, err := s.pool.Exec(ctx, `INSERT INTO idempotency_keys
		(key, request_hash, token, lease_until, expires_at, ttl_us) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (key) DO NOTHING`,
		key, requestHash, token, leaseUntil, expiresAt, ttl.Microseconds())
	if err != nil {
		return store.Claim{}, fmt.Errorf("begin idempotent %q: %w", key, err), false
	}
	if tag.RowsAffected() == 1 {
		return store.Claim{Key: key, Token: token}, nil, false
	}

	var refused error
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var (
			hash    string
			lease   *time.Time
			expires time.Time
			status  *int32
			header  *string
			body    []byte
		)
		err := tx.QueryRow(ctx, `SELECT request_hash, lease_until, expires_at, status, header::text, body
			FROM idempotency_keys WHERE key = $1 FOR UPDATE`, key).Scan(&hash, &lease, &expires, &status, &header, &body)
		if errors.Is(err, pgx.ErrNoRows) {
			retry = true
			return nil
		}
		if err != nil {
			return err
		}
		r := backend.Row{RequestHash: hash, Completed: status != nil, ExpiresAt: expires}
		if lease != nil {
			r.LeaseUntil = *lease
		}
		switch action := backend.Decide(r, requestHash, now); action {
		case backend.Replace:
			_, err = tx.Exec(ctx, `UPDATE idempotency_keys SET request_hash = $2, token = $3, lease_until = $4,
				expires_at = $5, ttl_us = $6, status = NULL, header = NULL, body = NULL WHERE key = $1`,
				key, requestHash, token, leaseUntil, expiresAt, ttl.Microseconds())
		case backend.TakeOver:
			_, err = tx.Exec(ctx, `UPDATE idempotency_keys SET token = $2, lease_until = $3 WHERE key = $1`,
				key, token, leaseUntil)
		case backend.Replay:
			var h string
			if header != nil {
				h = *header
			}
			hdr, err := backend.DecodeHeader(h)
			if err != nil {
				return err
			}
			claim = store.Claim{Key: key, Response: &store.Response{Status: int(*status), Header: hdr, Body: body}}
			return nil
		default:
			refused = backend.ErrFor(action, key)
			return nil
		}
		if err != nil {
			return err
		}
		claim = store.Claim{Key: key, Token: token}
		return nil
	})
	switch {
	case err != nil:
		return store.Claim{}, fmt.Errorf("begin idempotent %q: %w", key, err), false
	case retry:
		return store.Claim{}, nil, true
	case refused != nil:
		return store.Claim{}, refused, false
	}
	return claim, nil, false
}

// Complete implements [store.Store].
func (s *Store) Complete(ctx context.Context, c store.Claim, resp store.Response) error {
	if err := backend.CheckClaim("complete", c); err != nil {
		return err
	}
	if err := backend.CheckResponse(c.Key, resp); err != nil {
		return err
	}
	header, err := backend.EncodeHeader(resp.Header)
	if err != nil {
		return fmt.Errorf("complete %q: %w", c.Key, err)
	}
	body := resp.Body
	if body == nil {
		body = []byte{}
	}
	tag, err := s.pool.Exec(ctx, `UPDATE idempotency_keys
		SET status = $3, header = $4::text::jsonb, body = $5, token = NULL, lease_until = NULL,
			expires_at = $6::timestamptz + ttl_us * interval '1 microsecond'
		WHERE key = $1 AND token = $2`, c.Key, c.Token, resp.Status, header, body, s.opts.Now())
	if err != nil {
		return fmt.Errorf("complete %q: %w", c.Key, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("complete %q: %w", c.Key, store.ErrLeaseLost)
	}
	return nil
}

// Release implements [store.Store].
func (s *Store) Release(ctx context.Context, c store.Claim) error {
	if err := backend.CheckClaim("release", c); err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM idempotency_keys WHERE key = $1 AND token = $2`, c.Key, c.Token)
	if err != nil {
		return fmt.Errorf("release %q: %w", c.Key, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("release %q: %w", c.Key, store.ErrLeaseLost)
	}
	return nil
}

// PurgeExpired implements [store.Store].
func (s *Store) PurgeExpired(ctx context.Context, now time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM idempotency_keys
		WHERE expires_at <= $1 AND (status IS NOT NULL OR lease_until <= $1)`, now)
	if err != nil {
		return 0, fmt.Errorf("purge expired idempotency keys: %w", err)
	}
	return tag.RowsAffected(), nil
}

// Close implements [store.Store]. It waits for connections in use to be
// returned to the pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}
