package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5/stdlib"

	"github.com/swkit/swkit/idempotency"
	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/internal/backend"
)

var _ idempotency.TxStore = (*Store)(nil)

// sqlHandle is a database/sql handle over a pgx pool, made on first use.
type sqlHandle struct {
	once sync.Once
	db   *sql.DB
}

// DB returns a database/sql handle on the store's connection pool (pgx's
// stdlib driver), for the application's own queries in the store's
// database. Closing the Store closes the pool under it. With FromDB, DB is
// the application's *sql.DB.
func (s *Store) DB() *sql.DB {
	if s.db != nil {
		return s.db
	}
	s.sql.once.Do(func() { s.sql.db = stdlib.OpenDBFromPool(s.pool) })
	return s.sql.db
}

// BeginTx implements [idempotency.TxStore]: a transaction on one of the
// pool's connections, for the application's writes and CompleteTx.
func (s *Store) BeginTx(ctx context.Context) (*sql.Tx, error) {
	if s.closed.Load() {
		return nil, fmt.Errorf("begin transaction: %w", store.ErrClosed)
	}
	tx, err := s.DB().BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin transaction: %w", err)
	}
	return tx, nil
}

// CompleteTx implements [idempotency.TxStore]: Complete inside tx.
func (s *Store) CompleteTx(ctx context.Context, tx *sql.Tx, c idempotency.Claim, resp idempotency.Response) error {
	if s.closed.Load() {
		return fmt.Errorf("complete: %w", store.ErrClosed)
	}
	header, body, err := backend.CompleteArgs(c, resp)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, completeSQL, c.Key, c.Token, resp.Status, header, body, s.opts.Now())
	if err != nil {
		return fmt.Errorf("complete: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("complete: %w", err)
	} else if n == 0 {
		return fmt.Errorf("complete: %w", idempotency.ErrLeaseLost)
	}
	return nil
}
