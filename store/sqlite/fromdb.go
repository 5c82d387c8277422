package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/swkit/swkit/store"
)

// DSN returns the data source name of the file at path (a file name, as
// Open takes) for modernc.org/sqlite's "sqlite" driver, with the settings
// [FromDB] needs on every connection: sql.Open("sqlite", sqlite.DSN(path)).
func DSN(path string) string {
	return path + "?_pragma=busy_timeout(" + fmt.Sprint(BusyTimeout.Milliseconds()) + ")" +
		"&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(" + synchronous + ")"
}

// FromDB returns a Store over db, the application's own SQLite database,
// and brings swkit's tables in it up to date (as Open does, earlier
// swkit's unprefixed tables included). swkit's tables then sit beside the
// application's, and [github.com/swkit/swkit/idempotency.TxMiddleware]
// records each key in the transaction of the handler's own writes.
//
// db may come from any database/sql SQLite driver. Every one of its
// connections needs the settings Open uses: journal_mode WAL, a
// busy_timeout, foreign_keys on and synchronous FULL (or EXTRA), which
// swkit's guarantees rest on (a completed key survives a power loss; a
// deleted subscription takes its tags along). Set them in the DSN, as
// [DSN] does for modernc.org/sqlite, not with one db.Exec, which reaches
// one connection of the pool only. FromDB checks them, and each of swkit's
// transactions checks them on its connection; a missing one is an error
// wrapping [store.ErrUnsuitable] that names it. swkit never changes the
// settings of the application's connections.
//
// The Store does not own db: its Close leaves db open, and db must stay
// open while the Store is in use. Writes hold one of db's connections
// each, in BEGIN IMMEDIATE transactions: writers of one process then wait
// for each other in SQLite's busy handler, up to the busy timeout, rather
// than in a queue (db.SetMaxOpenConns(1) makes that a queue, at the cost
// of concurrent reads).
func FromDB(ctx context.Context, db *sql.DB, opts store.Options) (*Store, error) {
	if db == nil {
		return nil, errors.New("sqlite: FromDB: nil *sql.DB")
	}
	s := &Store{w: db, r: db, borrowed: true, opts: opts.WithDefaults()}
	s.purge.Interval = s.opts.PurgeInterval
	var mode string
	if err := db.QueryRowContext(ctx, `SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&s.path); err != nil {
		return nil, fmt.Errorf("sqlite: FromDB: %w", err)
	}
	if err := db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		return nil, fmt.Errorf("sqlite: FromDB %s: %w", s.path, err)
	}
	if mode != "wal" {
		return nil, fmt.Errorf("sqlite: FromDB %s: %w: journal_mode is %s, not WAL: open it with journal_mode WAL (sqlite.DSN does)",
			s.path, store.ErrUnsuitable, mode)
	}
	if err := checkConn(ctx, db); err != nil {
		return nil, fmt.Errorf("sqlite: FromDB %s: %w", s.path, err)
	}
	if err := s.migrate(ctx); err != nil {
		return nil, fmt.Errorf("sqlite: FromDB %s: %w", s.path, err)
	}
	return s, nil
}

// checkConn checks the per-connection settings swkit needs on the
// connection q runs on (the pragmas of a pool's connections are set
// one by one, and may differ).
func checkConn(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) error {
	var busy, fk, sync int
	err := q.QueryRowContext(ctx, `SELECT * FROM pragma_busy_timeout, pragma_foreign_keys, pragma_synchronous`).Scan(&busy, &fk, &sync)
	switch {
	case err != nil:
		return err
	case busy <= 0:
		return fmt.Errorf("%w: busy_timeout is 0 on a connection: set it in the DSN for every connection, as sqlite.DSN does", store.ErrUnsuitable)
	case fk != 1:
		return fmt.Errorf("%w: foreign_keys is off on a connection: set it in the DSN for every connection, as sqlite.DSN does", store.ErrUnsuitable)
	case sync < 2:
		return fmt.Errorf("%w: synchronous is %d on a connection, below FULL (2): a completed key could be lost at a power cut; set it in the DSN, as sqlite.DSN does", store.ErrUnsuitable, sync)
	}
	return nil
}
