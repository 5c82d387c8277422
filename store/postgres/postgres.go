// Package postgres keeps swkit's push subscriptions ([pushapi.Store]) and
// idempotency keys ([idempotency.Store]) in PostgreSQL, for several swkit
// processes behind a load balancer: processes sharing one database behave
// as one, each idempotency key being applied once between them.
//
// It uses github.com/jackc/pgx/v5 (MIT licence) and its connection pool,
// which replaces broken connections: after a server restart or a network cut
// the Store works again without being reopened. A claim is an
// INSERT ... ON CONFLICT DO NOTHING, then, when the key exists, a
// SELECT ... FOR UPDATE in a transaction, so concurrent claims of one key, in
// one process or many, serialise on the row.
//
// Its tables and indexes start with swkit_, so that it can share the
// application's database (FromDB); a database of an earlier swkit, without
// the prefix, is upgraded in place when opened.
//
// Tested with PostgreSQL 15 (Debian 12's); it needs 9.5 or newer
// (ON CONFLICT).
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/swkit/swkit/idempotency"
	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/push/pushapi"
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

// Store is the push subscriptions and idempotency keys in a PostgreSQL
// database.
type Store struct {
	pool  *pgxpool.Pool // Open's; nil with FromDB
	db    *sql.DB       // the application's (FromDB); nil with Open
	where string        // host:port/database, for messages (never the password)
	opts  store.Options
	purge backend.Purger
	sql   sqlHandle // database/sql over pool, for TxStore (tx.go)

	closed atomic.Bool
}

var (
	_ pushapi.TagStore  = (*Store)(nil)
	_ idempotency.Store = (*Store)(nil)
)

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
// once. A database of an earlier swkit, whose tables had no swkit_ prefix,
// has them renamed first, in the same transaction.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := backend.Migrations(migrationFiles, "migrations")
	if err != nil {
		return err
	}
	return s.beginFunc(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
			return fmt.Errorf("lock for migrations: %w", err)
		}
		if err := upgradeUnprefixed(ctx, tx); err != nil {
			return fmt.Errorf("rename the tables of an earlier swkit: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS swkit_schema_migrations (
			version integer PRIMARY KEY,
			applied_at timestamptz NOT NULL DEFAULT now()
		)`); err != nil {
			return fmt.Errorf("create swkit_schema_migrations: %w", err)
		}
		var have int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM swkit_schema_migrations`).Scan(&have); err != nil {
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
			if _, err := tx.Exec(ctx, `INSERT INTO swkit_schema_migrations (version) VALUES ($1)`, m.Version); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
		}
		return nil
	})
}

// PutSubscription implements [pushapi.Store]. The upsert is one statement;
// xmax is zero only in a row version that an INSERT created, which tells a
// new endpoint from an updated one without a second look-up.
func (s *Store) PutSubscription(ctx context.Context, sub push.Subscription) (created bool, err error) {
	if err := backend.CheckSubscription(sub); err != nil {
		return false, err
	}
	err = s.queryRow(ctx, `INSERT INTO swkit_subscriptions (endpoint, p256dh, auth, created_at)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (endpoint) DO UPDATE SET p256dh = excluded.p256dh, auth = excluded.auth
		RETURNING xmax = 0`,
		sub.Endpoint, sub.Keys.P256dh, sub.Keys.Auth, s.opts.Now()).Scan(&created)
	if err != nil {
		return false, fmt.Errorf("put subscription: %w", err)
	}
	return created, nil
}

// DeleteSubscription implements [pushapi.Store].
func (s *Store) DeleteSubscription(ctx context.Context, endpoint string) error {
	if _, err := s.exec(ctx, `DELETE FROM swkit_subscriptions WHERE endpoint = $1`, endpoint); err != nil {
		return fmt.Errorf("delete subscription: %w", err)
	}
	return nil
}

// Subscriptions implements [pushapi.Store].
func (s *Store) Subscriptions(ctx context.Context, after string, limit int) ([]push.Subscription, error) {
	if limit <= 0 {
		limit = backend.PageSize
	}
	page := make([]push.Subscription, 0, min(limit, 256))
	err := s.query(ctx, func(rows pgx.Rows) error {
		var sub push.Subscription
		_, err := pgx.ForEachRow(rows, []any{&sub.Endpoint, &sub.Keys.P256dh, &sub.Keys.Auth}, func() error {
			page = append(page, sub)
			return nil
		})
		return err
	}, `SELECT endpoint, p256dh, auth FROM swkit_subscriptions
		WHERE endpoint > $1 ORDER BY endpoint LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", err)
	}
	return page, nil
}

// BeginIdempotent implements [idempotency.Store].
func (s *Store) BeginIdempotent(ctx context.Context, key, requestHash string, ttl time.Duration) (idempotency.Claim, error) {
	if err := backend.CheckBegin(key, requestHash, ttl); err != nil {
		return idempotency.Claim{}, err
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
	return idempotency.Claim{}, errors.New("begin idempotent: the key keeps vanishing under concurrent releases")
}

func (s *Store) begin(ctx context.Context, key, requestHash string, ttl time.Duration, now time.Time) (claim idempotency.Claim, err error, retry bool) {
	token := backend.Token()
	leaseUntil, expiresAt := now.Add(s.opts.Lease), now.Add(ttl)
	// The common case, a new key, in one statement outside a transaction.
	tag, err := s.exec(ctx, `INSERT INTO swkit_idempotency_keys
		(key, request_hash, token, lease_until, expires_at, ttl_us) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (key) DO NOTHING`,
		key, requestHash, token, leaseUntil, expiresAt, ttl.Microseconds())
	if err != nil {
		return idempotency.Claim{}, fmt.Errorf("begin idempotent: %w", err), false
	}
	if tag.RowsAffected() == 1 {
		return idempotency.Claim{Key: key, Token: token}, nil, false
	}

	var refused error
	err = s.beginFunc(ctx, func(tx pgx.Tx) error {
		var (
			hash    string
			lease   *time.Time
			expires time.Time
			status  *int32
			header  *string
			body    []byte
		)
		err := tx.QueryRow(ctx, `SELECT request_hash, lease_until, expires_at, status, header::text, body
			FROM swkit_idempotency_keys WHERE key = $1 FOR UPDATE`, key).Scan(&hash, &lease, &expires, &status, &header, &body)
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
			_, err = tx.Exec(ctx, `UPDATE swkit_idempotency_keys SET request_hash = $2, token = $3, lease_until = $4,
				expires_at = $5, ttl_us = $6, status = NULL, header = NULL, body = NULL WHERE key = $1`,
				key, requestHash, token, leaseUntil, expiresAt, ttl.Microseconds())
		case backend.TakeOver:
			_, err = tx.Exec(ctx, `UPDATE swkit_idempotency_keys SET token = $2, lease_until = $3 WHERE key = $1`,
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
			claim = idempotency.Claim{Key: key, Response: &idempotency.Response{Status: int(*status), Header: hdr, Body: body}}
			return nil
		default:
			refused = backend.ErrFor(action, key)
			return nil
		}
		if err != nil {
			return err
		}
		claim = idempotency.Claim{Key: key, Token: token}
		return nil
	})
	switch {
	case err != nil:
		return idempotency.Claim{}, fmt.Errorf("begin idempotent: %w", err), false
	case retry:
		return idempotency.Claim{}, nil, true
	case refused != nil:
		return idempotency.Claim{}, refused, false
	}
	return claim, nil, false
}

// completeSQL stores the response of the claim ($1 key, $2 token): $3
// status, $4 header, $5 body, $6 now.
const completeSQL = `UPDATE swkit_idempotency_keys
	SET status = $3, header = $4::text::jsonb, body = $5, token = NULL, lease_until = NULL,
		expires_at = $6::timestamptz + ttl_us * interval '1 microsecond'
	WHERE key = $1 AND token = $2`

// Complete implements [idempotency.Store].
func (s *Store) Complete(ctx context.Context, c idempotency.Claim, resp idempotency.Response) error {
	header, body, err := backend.CompleteArgs(c, resp)
	if err != nil {
		return err
	}
	tag, err := s.exec(ctx, completeSQL, c.Key, c.Token, resp.Status, header, body, s.opts.Now())
	if err != nil {
		return fmt.Errorf("complete: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("complete: %w", idempotency.ErrLeaseLost)
	}
	return nil
}

// Release implements [idempotency.Store].
func (s *Store) Release(ctx context.Context, c idempotency.Claim) error {
	if err := backend.CheckClaim("release", c); err != nil {
		return err
	}
	tag, err := s.exec(ctx, `DELETE FROM swkit_idempotency_keys WHERE key = $1 AND token = $2`, c.Key, c.Token)
	if err != nil {
		return fmt.Errorf("release: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("release: %w", idempotency.ErrLeaseLost)
	}
	return nil
}

// PurgeExpired deletes the idempotency keys that expired at or before now,
// and returns how many it deleted. A key still claimed under a running lease
// is kept. BeginIdempotent calls it every Options.PurgeInterval.
func (s *Store) PurgeExpired(ctx context.Context, now time.Time) (int64, error) {
	tag, err := s.exec(ctx, `DELETE FROM swkit_idempotency_keys
		WHERE expires_at <= $1 AND (status IS NOT NULL OR lease_until <= $1)`, now)
	if err != nil {
		return 0, fmt.Errorf("purge expired idempotency keys: %w", err)
	}
	return tag.RowsAffected(), nil
}

// Close closes the connection pool, waiting for connections in use to be
// returned to it; with FromDB, it leaves the application's *sql.DB open.
// Calls after Close fail with an error wrapping [store.ErrClosed].
func (s *Store) Close() error {
	if s.closed.Swap(true) || s.pool == nil {
		return nil
	}
	s.pool.Close()
	return nil
}
