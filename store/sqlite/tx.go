package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/swkit/swkit/idempotency"
	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/internal/backend"
)

var _ idempotency.TxStore = (*Store)(nil)

// BeginTx implements [idempotency.TxStore]: an immediate transaction,
// which holds the file's write lock until it ends. The application's
// tables in the same file are written through it; any other write to the
// file waits for it to end.
func (s *Store) BeginTx(ctx context.Context) (*sql.Tx, error) {
	if s.closed.Load() {
		return nil, fmt.Errorf("begin transaction: %w", store.ErrClosed)
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin transaction: %w", err)
	}
	if s.borrowed {
		// The application's driver may begin deferred: a first statement
		// that writes takes the write lock at once, waiting for it as BEGIN
		// IMMEDIATE would, so that the handler's reads and the key's outcome
		// are one step. (The Store's own writer begins immediate.)
		_, err = tx.ExecContext(ctx, lockSQL)
		if err == nil {
			err = checkConn(ctx, tx)
		}
		if err != nil {
			tx.Rollback()
			return nil, fmt.Errorf("begin transaction: %w", err)
		}
	}
	return tx, nil
}

// CompleteTx implements [idempotency.TxStore]: Complete inside tx.
func (s *Store) CompleteTx(ctx context.Context, tx *sql.Tx, c idempotency.Claim, resp idempotency.Response) error {
	header, body, err := backend.CompleteArgs(c, resp)
	if err != nil {
		return err
	}
	if s.closed.Load() {
		return fmt.Errorf("complete: %w", store.ErrClosed)
	}
	if err := s.complete(ctx, tx, c, resp.Status, header, body); err != nil {
		return fmt.Errorf("complete: %w", err)
	}
	return nil
}

// complete stores the response of claim c in tx; ErrLeaseLost when c no
// longer holds its key.
func (s *Store) complete(ctx context.Context, tx dbtx, c idempotency.Claim, status int, header string, body []byte) error {
	res, err := tx.ExecContext(ctx, `UPDATE swkit_idempotency_keys
		SET status = ?, header = ?, body = ?, token = NULL, lease_until = NULL, expires_at = ? + ttl_us
		WHERE key = ? AND token = ?`, status, header, body, s.opts.Now().UnixMicro(), c.Key, c.Token)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return idempotency.ErrLeaseLost
	}
	return nil
}
