// Package sqlite keeps swkit's push subscriptions ([pushapi.Store]) and
// idempotency keys ([idempotency.Store]) in one SQLite database file, the
// default for a single swkit process.
//
// It uses modernc.org/sqlite, SQLite translated to Go, so the swkit binary
// needs no C toolchain and stays static. modernc.org/sqlite is under the
// BSD 3-Clause licence (SQLite itself is in the public domain), which lets us
// ship it inside the binary with its copyright notice.
//
// The database runs in WAL mode (readers do not block the writer) with a
// busy timeout and foreign keys on, and synchronous=FULL: a write is on
// disk when its call returns, so a completed idempotency key survives a
// power loss or an OS crash (with NORMAL the last commits could roll back,
// and a retry would apply a key twice). New files are created 0600. With
// Open, every write goes through one connection, so the writes of one
// process queue in Go rather than in SQLite's busy handler; with FromDB
// they go through the application's pool. Each write is an immediate
// transaction (BEGIN IMMEDIATE), so a claim's read and write happen under
// SQLite's write lock: two processes on one file still apply a key once,
// waiting for each other up to the busy timeout.
//
// Its tables and indexes start with swkit_, so that it can share the
// application's file (FromDB); a file of an earlier swkit, without the
// prefix, is upgraded in place when opened.
// The file must be on a local disk: SQLite's locking does not hold over
// network file systems, and WAL mode needs shared memory.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	msqlite "modernc.org/sqlite" // also registers the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/swkit/swkit/idempotency"
	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/push/pushapi"
	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/internal/backend"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// BusyTimeout is how long a statement waits for another process's lock on
// the file before it fails with "database is locked".
const BusyTimeout = 10 * time.Second

// Store is the push subscriptions and idempotency keys in one SQLite file.
type Store struct {
	path  string
	opts  store.Options
	w     *sql.DB // one connection: every write, in BEGIN IMMEDIATE transactions
	r     *sql.DB // readers, query_only
	purge backend.Purger

	borrowed bool // w and r are the application's *sql.DB (FromDB)
	closed   atomic.Bool
}

var (
	_ pushapi.TagStore  = (*Store)(nil)
	_ idempotency.Store = (*Store)(nil)
)

// Open opens the SQLite database at path (a file name, not a URI), creating
// the file when missing but not its folder, and brings its schema up to date.
// An unusable path gives an error that names it and says what to check.
func Open(ctx context.Context, path string, opts store.Options) (*Store, error) {
	if path == "" {
		return nil, errors.New("open sqlite: empty path")
	}
	// The driver treats what follows '?' as its parameters and a "file:"
	// prefix as a URI; a plain path is all this function takes.
	if strings.ContainsRune(path, '?') || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("open sqlite %s: a file path is expected (no '?', no file: URI)", path)
	}
	if err := checkFolder(path); err != nil {
		return nil, err
	}
	if err := createPrivate(path); err != nil {
		return nil, err
	}
	s := &Store{path: path, opts: opts.WithDefaults()}
	s.purge.Interval = s.opts.PurgeInterval

	var err error
	if s.w, err = sql.Open("sqlite", DSN(path)+"&_txlock=immediate"); err != nil {
		return nil, s.openErr(err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxIdleTime(0)
	s.w.SetConnMaxLifetime(0)
	if s.r, err = sql.Open("sqlite", DSN(path)+"&_pragma=query_only(1)"); err != nil {
		s.w.Close()
		return nil, s.openErr(err)
	}
	n := min(runtime.GOMAXPROCS(0), 8)
	s.r.SetMaxOpenConns(n)
	s.r.SetMaxIdleConns(n)

	if err := s.migrateWaiting(ctx); err != nil {
		s.Close()
		return nil, s.openErr(err)
	}
	if err := s.checkWritable(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// migrateWaiting is migrate, tried again while the file is busy, up to
// BusyTimeout. Processes opening one new file at once race to switch it to
// WAL mode, which needs a lock SQLite does not wait for (its busy handler is
// not called there): the losers get SQLITE_BUSY at once, where they should
// wait as for any other lock. The migrations are one transaction, so a
// retry starts clean.
func (s *Store) migrateWaiting(ctx context.Context) error {
	deadline := time.Now().Add(BusyTimeout)
	for {
		err := s.migrate(ctx)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// isBusy reports whether err is SQLite's "database is locked" (SQLITE_BUSY,
// extended codes included).
func isBusy(err error) bool {
	var se *msqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

// checkFolder catches the commonest mistake, a folder that does not exist, with
// a plainer message than SQLite's "unable to open database file".
func checkFolder(path string) error {
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case err != nil:
		return fmt.Errorf("open sqlite %s: %w: check the folder exists and is writable", path, err)
	case !fi.IsDir():
		return fmt.Errorf("open sqlite %s: %s is not a folder: check the path", path, dir)
	}
	return nil
}

func (s *Store) openErr(err error) error {
	return fmt.Errorf("open sqlite %s: %w: check the folder is writable and the file is a SQLite database", s.path, err)
}

// migrate applies the migrations the file lacks, all in one immediate
// transaction, so that processes opening a new file at once apply each once.
// A file of an earlier swkit, whose tables had no swkit_ prefix, has them
// renamed first, in the same transaction.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := backend.Migrations(migrationFiles, "migrations")
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx dbtx) error {
		if err := upgradeUnprefixed(ctx, tx); err != nil {
			return fmt.Errorf("rename the tables of an earlier swkit: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS swkit_schema_migrations (
			version INTEGER PRIMARY KEY,
			applied_at INTEGER NOT NULL
		)`); err != nil {
			return fmt.Errorf("create swkit_schema_migrations: %w", err)
		}
		var have int
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM swkit_schema_migrations`).Scan(&have); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if have > len(ms) {
			return fmt.Errorf("schema version %d is newer than this swkit knows (%d): upgrade swkit", have, len(ms))
		}
		for _, m := range ms[have:] {
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO swkit_schema_migrations (version, applied_at) VALUES (?, ?)`,
				m.Version, s.opts.Now().UnixMicro()); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
		}
		return nil
	})
}

// dbtx is what a write runs its statements on.
type dbtx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// write runs fn in an immediate transaction. BEGIN IMMEDIATE takes the
// file's write lock, waiting for it up to the busy timeout, before fn reads
// anything, so that fn's reads and writes are one step for every process
// on the file. It is sent by hand on a connection held for the purpose
// rather than through database/sql's BeginTx, whose BEGIN is the driver's
// (deferred, unless its DSN says otherwise): so it holds on an
// application's *sql.DB (FromDB) as on the Store's own.
func (s *Store) write(ctx context.Context, fn func(dbtx) error) error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	c, err := s.w.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	if s.borrowed {
		err = checkConn(ctx, c)
	}
	if err == nil {
		err = fn(c)
	}
	if err == nil {
		// Not cut short by ctx: a commit stopped halfway would leave the
		// caller unsure whether it happened.
		if _, err = c.ExecContext(context.WithoutCancel(ctx), "COMMIT"); err == nil {
			return nil
		}
	}
	rollback(c)
	return err
}

// rollback ends the transaction on c. When that fails, c may still be in
// it, or broken: it is discarded rather than handed back to the pool, where
// its next user (the application's, with FromDB) would find itself inside
// swkit's transaction.
func rollback(c *sql.Conn) {
	if _, err := c.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		c.Raw(func(any) error { return driver.ErrBadConn })
	}
}

// query and queryRow are the reads, which fail with store.ErrClosed after
// Close (an application's *sql.DB stays open).
func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if s.closed.Load() {
		return nil, store.ErrClosed
	}
	return s.r.QueryContext(ctx, q, args...)
}

func (s *Store) queryRow(ctx context.Context, q string, args ...any) interface{ Scan(...any) error } {
	if s.closed.Load() {
		return errRow{store.ErrClosed}
	}
	return s.r.QueryRowContext(ctx, q, args...)
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// PutSubscription implements [pushapi.Store]. The immediate transaction
// makes the look-up and the upsert one step, so that of two processes
// storing one new endpoint at once exactly one reports it created.
func (s *Store) PutSubscription(ctx context.Context, sub push.Subscription) (created bool, err error) {
	if err := backend.CheckSubscription(sub); err != nil {
		return false, err
	}
	err = s.write(ctx, func(tx dbtx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM swkit_subscriptions WHERE endpoint = ?`, sub.Endpoint).Scan(&n); err != nil {
			return err
		}
		created = n == 0
		_, err := tx.ExecContext(ctx, `INSERT INTO swkit_subscriptions (endpoint, p256dh, auth, created_at)
			VALUES (?, ?, ?, ?)
			ON CONFLICT (endpoint) DO UPDATE SET p256dh = excluded.p256dh, auth = excluded.auth`,
			sub.Endpoint, sub.Keys.P256dh, sub.Keys.Auth, s.opts.Now().UnixMicro())
		return err
	})
	if err != nil {
		return false, fmt.Errorf("put subscription: %w", err)
	}
	return created, nil
}

// DeleteSubscription implements [pushapi.Store].
func (s *Store) DeleteSubscription(ctx context.Context, endpoint string) error {
	err := s.write(ctx, func(tx dbtx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM swkit_subscriptions WHERE endpoint = ?`, endpoint)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete subscription: %w", err)
	}
	return nil
}

// Subscriptions implements [pushapi.Store].
func (s *Store) Subscriptions(ctx context.Context, after string, limit int) ([]push.Subscription, error) {
	if limit <= 0 {
		limit = backend.PageSize
	}
	rows, err := s.query(ctx, `SELECT endpoint, p256dh, auth FROM swkit_subscriptions
		WHERE endpoint > ? ORDER BY endpoint LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", err)
	}
	defer rows.Close()
	page := make([]push.Subscription, 0, min(limit, 256))
	for rows.Next() {
		var sub push.Subscription
		if err := rows.Scan(&sub.Endpoint, &sub.Keys.P256dh, &sub.Keys.Auth); err != nil {
			return nil, fmt.Errorf("list subscriptions: %w", err)
		}
		page = append(page, sub)
	}
	if err := rows.Err(); err != nil {
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
	var claim idempotency.Claim
	var refused error
	err := s.write(ctx, func(tx dbtx) error {
		var (
			hash          string
			lease, status sql.NullInt64
			expires       int64
			header        sql.NullString
			body          []byte
		)
		err := tx.QueryRowContext(ctx, `SELECT request_hash, lease_until, expires_at, status, header, body
			FROM swkit_idempotency_keys WHERE key = ?`, key).Scan(&hash, &lease, &expires, &status, &header, &body)
		action := backend.Replace
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		default:
			action = backend.Decide(backend.Row{
				RequestHash: hash,
				Completed:   status.Valid,
				LeaseUntil:  time.UnixMicro(lease.Int64),
				ExpiresAt:   time.UnixMicro(expires),
			}, requestHash, now)
		}
		token := backend.Token()
		switch action {
		case backend.Replace:
			_, err = tx.ExecContext(ctx, `INSERT INTO swkit_idempotency_keys
				(key, request_hash, token, lease_until, expires_at, ttl_us) VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (key) DO UPDATE SET request_hash = excluded.request_hash,
					token = excluded.token, lease_until = excluded.lease_until,
					expires_at = excluded.expires_at, ttl_us = excluded.ttl_us,
					status = NULL, header = NULL, body = NULL`,
				key, requestHash, token, now.Add(s.opts.Lease).UnixMicro(), now.Add(ttl).UnixMicro(), ttl.Microseconds())
		case backend.TakeOver:
			_, err = tx.ExecContext(ctx, `UPDATE swkit_idempotency_keys SET token = ?, lease_until = ? WHERE key = ?`,
				token, now.Add(s.opts.Lease).UnixMicro(), key)
		case backend.Replay:
			h, err := backend.DecodeHeader(header.String)
			if err != nil {
				return err
			}
			claim = idempotency.Claim{Key: key, Response: &idempotency.Response{Status: int(status.Int64), Header: h, Body: body}}
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
	if err != nil {
		return idempotency.Claim{}, fmt.Errorf("begin idempotent: %w", err)
	}
	if refused != nil {
		return idempotency.Claim{}, refused
	}
	return claim, nil
}

// Complete implements [idempotency.Store]: CompleteTx in a transaction of
// its own.
func (s *Store) Complete(ctx context.Context, c idempotency.Claim, resp idempotency.Response) error {
	header, body, err := backend.CompleteArgs(c, resp)
	if err != nil {
		return err
	}
	err = s.write(ctx, func(tx dbtx) error { return s.complete(ctx, tx, c, resp.Status, header, body) })
	if err != nil {
		return fmt.Errorf("complete: %w", err)
	}
	return nil
}

// Release implements [idempotency.Store].
func (s *Store) Release(ctx context.Context, c idempotency.Claim) error {
	if err := backend.CheckClaim("release", c); err != nil {
		return err
	}
	var n int64
	err := s.write(ctx, func(tx dbtx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM swkit_idempotency_keys WHERE key = ? AND token = ?`, c.Key, c.Token)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("release: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("release: %w", idempotency.ErrLeaseLost)
	}
	return nil
}

// PurgeExpired deletes the idempotency keys that expired at or before now,
// and returns how many it deleted. A key still claimed under a running lease
// is kept. BeginIdempotent calls it every Options.PurgeInterval.
func (s *Store) PurgeExpired(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := s.write(ctx, func(tx dbtx) error {
		us := now.UnixMicro()
		res, err := tx.ExecContext(ctx, `DELETE FROM swkit_idempotency_keys
			WHERE expires_at <= ? AND (status IS NOT NULL OR lease_until <= ?)`, us, us)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("purge expired idempotency keys: %w", err)
	}
	return n, nil
}

// Close closes the database, unless it is an application's (FromDB): then
// it leaves it open for the application to close. Either way, calls after
// Close fail with an error wrapping [store.ErrClosed].
func (s *Store) Close() error {
	if s.closed.Swap(true) || s.borrowed {
		return nil
	}
	var errs []error
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	if s.w != nil {
		errs = append(errs, s.w.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close sqlite %s: %w", s.path, err)
	}
	return nil
}
