package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/swkit/swkit/idempotency"
	"github.com/swkit/swkit/store/internal/backend"
)

var _ idempotency.TxStore = (*Store)(nil)

// BeginTx implements [idempotency.TxStore]: an immediate transaction on
// the writer connection, which holds the file's write lock until it ends.
// The application's tables in the same file are written through it; any
// other write of this Store waits for it to end.
func (s *Store) BeginTx(ctx context.Context) (*sql.Tx, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin transaction: %w", err)
	}
	return tx, nil
}

// CompleteTx implements [idempotency.TxStore]: Complete inside tx.
func (s *Store) CompleteTx(ctx context.Context, tx *sql.Tx, c idempotency.Claim, resp idempotency.Response) error {
	header, body, err := backend.CompleteArgs(c, resp)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE idempotency_keys
		SET status = ?, header = ?, body = ?, token = NULL, lease_until = NULL, expires_at = ? + ttl_us
		WHERE key = ? AND token = ?`, resp.Status, header, body, s.opts.Now().UnixMicro(), c.Key, c.Token)
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
