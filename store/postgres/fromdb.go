package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/swkit/swkit/store"
)

// FromDB returns a Store over db, the application's own database/sql
// handle on PostgreSQL, and brings swkit's tables in it up to date (as Open
// does, earlier swkit's unprefixed tables included). swkit's tables then
// sit beside the application's, and
// [github.com/swkit/swkit/idempotency.TxMiddleware] records each key in
// the transaction of the handler's own writes (BeginTx is db.BeginTx).
//
// db must use pgx's database/sql driver, github.com/jackc/pgx/v5/stdlib:
// sql.Open("pgx", dsn), stdlib.OpenDB, or stdlib.OpenDBFromPool over the
// application's *pgxpool.Pool. swkit runs its statements through pgx on
// db's connections, one connection per call, taken and given back through
// db (so db.SetMaxOpenConns bounds swkit's connections too). Another driver
// is an error wrapping [store.ErrUnsuitable].
//
// The Store does not own db: its Close leaves db open, and db must stay
// open while the Store is in use.
func FromDB(ctx context.Context, db *sql.DB, opts store.Options) (*Store, error) {
	if db == nil {
		return nil, errors.New("postgres: FromDB: nil *sql.DB")
	}
	s := &Store{db: db, opts: opts.WithDefaults()}
	s.purge.Interval = s.opts.PurgeInterval
	err := s.run(ctx, func(c conn) error {
		cfg := c.(*pgx.Conn).Config()
		s.where = fmt.Sprintf("%s:%d/%s", cfg.Host, cfg.Port, cfg.Database)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: FromDB: %w", err)
	}
	if err := s.migrate(ctx); err != nil {
		return nil, fmt.Errorf("postgres: FromDB %s: %w", s.where, err)
	}
	return s, nil
}

// conn is the part of pgx's API the Store's statements use. A
// *pgxpool.Pool (Open) and a *pgx.Conn (FromDB) are both one.
type conn interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
}

// run calls fn with the Store's pool, or with one pgx connection of the
// application's *sql.DB, taken for the duration of fn: whatever fn reads
// (rows, a transaction) must be finished when it returns.
func (s *Store) run(ctx context.Context, fn func(conn) error) error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	if s.pool != nil {
		return fn(s.pool)
	}
	c, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("%w: its driver's connections are %T; swkit needs pgx's database/sql driver (github.com/jackc/pgx/v5/stdlib)", store.ErrUnsuitable, dc)
		}
		err := fn(sc.Conn())
		if sc.Conn().PgConn().TxStatus() != 'I' {
			// Still in a transaction (a rollback that failed): never
			// hand it back to the application's pool, where its next
			// user would find itself inside swkit's transaction.
			// database/sql discards a connection whose error is
			// ErrBadConn; fn's error stays the one to report.
			if err == nil {
				err = errors.New("connection left in a transaction")
			}
			return errors.Join(err, driver.ErrBadConn)
		}
		return err
	})
}

func (s *Store) exec(ctx context.Context, sql string, args ...any) (tag pgconn.CommandTag, err error) {
	err = s.run(ctx, func(c conn) error {
		tag, err = c.Exec(ctx, sql, args...)
		return err
	})
	return tag, err
}

// queryRow is QueryRow on run's connection; the statement runs in Scan.
func (s *Store) queryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return lazyRow(func(dest ...any) error {
		return s.run(ctx, func(c conn) error { return c.QueryRow(ctx, sql, args...).Scan(dest...) })
	})
}

type lazyRow func(dest ...any) error

func (r lazyRow) Scan(dest ...any) error { return r(dest...) }

// query runs sql on run's connection and gives its rows to each.
func (s *Store) query(ctx context.Context, each func(pgx.Rows) error, sql string, args ...any) error {
	return s.run(ctx, func(c conn) error {
		rows, err := c.Query(ctx, sql, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		return each(rows)
	})
}

func (s *Store) beginFunc(ctx context.Context, fn func(pgx.Tx) error) error {
	return s.run(ctx, func(c conn) error { return pgx.BeginFunc(ctx, c, fn) })
}
