package idempotency

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"strconv"
)

// TxStore is a Store whose keys live in a database/sql database that the
// application writes to as well: swkit's SQLite and PostgreSQL stores are
// TxStores. With it, [TxMiddleware] records a key's outcome in the same
// transaction as the handler's own writes.
type TxStore interface {
	Store
	// BeginTx starts a transaction in the keys' database, for the handler
	// and CompleteTx.
	BeginTx(ctx context.Context) (*sql.Tx, error)
	// CompleteTx is Complete inside tx: the outcome is stored when tx
	// commits, and not at all when it rolls back. It fails with
	// ErrLeaseLost when c no longer holds the key.
	CompleteTx(ctx context.Context, tx *sql.Tx, c Claim, resp Response) error
}

type txKey struct{}

// Tx returns the transaction that [TxMiddleware] opened for the request
// whose context is ctx, or nil outside TxMiddleware. The handler does its
// writes in it and neither commits nor rolls it back: the middleware
// commits it with the key's outcome when the handler answers 2xx to 4xx,
// and rolls it back on a 5xx or a panic.
func Tx(ctx context.Context) *sql.Tx {
	tx, _ := ctx.Value(txKey{}).(*sql.Tx)
	return tx
}

// TxMiddleware is [Middleware] for handlers that write to the keys'
// database: it runs the handler in a transaction (see [Tx]) and stores the
// response in that transaction, so that the handler's writes and the key's
// outcome are committed together or not at all. A crash between the
// handler's write and the stored response then leaves neither, and the
// retry runs the handler once more on a database that never saw the first
// attempt: each key is applied exactly once, with no gap.
//
// Everything else is as with Middleware, except:
//
//   - the handler must write through Tx(r.Context()) only: on SQLite the
//     transaction holds the database's one write lock, so a write through
//     another connection waits for it (and fails at the busy timeout), and
//     on PostgreSQL it would not be part of the outcome;
//   - requests under keys are serialised on SQLite while their handlers run
//     (one writer at a time, as SQLite allows), and hold one connection
//     each on PostgreSQL;
//   - when the commit fails, nothing was applied: the client gets 503 with
//     Retry-After and the key is released;
//   - a response larger than MaxStoredResponseBytes has already reached the
//     client when the handler returns: the transaction is committed and the
//     key released, as Middleware does.
func TxMiddleware(s TxStore, opts Options) func(http.Handler) http.Handler {
	m := &middleware{store: s, tx: s, opts: opts.withDefaults()}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			m.serve(w, r, next)
		})
	}
}

// runTx runs the handler under a held claim in a transaction of the
// store's database, then stores its response in that transaction and
// commits, or rolls back and releases.
func (m *middleware) runTx(w http.ResponseWriter, r *http.Request, next http.Handler, claim Claim) {
	tx, err := m.tx.BeginTx(r.Context())
	if err != nil {
		m.opts.Logf("idempotency: key %q: begin transaction: %v", claim.Key, err)
		m.release(r.Context(), claim, "its transaction could not begin")
		writeProblem(w, http.StatusServiceUnavailable, "the request cannot be processed right now; retry later", retryUnavailable)
		return
	}
	rec := newRecorder(w, m.opts.MaxStoredResponseBytes)
	finished := false
	defer func() {
		if finished {
			return
		}
		// A panic: the handler's writes are rolled back with it, so a retry
		// may run; re-raised as Middleware does.
		tx.Rollback()
		p := recover()
		m.release(r.Context(), claim, "the handler panicked or exited its goroutine")
		if p != nil {
			panic(p)
		}
	}()
	next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), txKey{}, tx)))
	finished = true

	if rec.overflowed {
		// The client has the response already: keep what it was told.
		if err := tx.Commit(); err != nil {
			m.opts.Logf("idempotency: key %q: commit after a response too large to store: %v", claim.Key, err)
		}
		m.release(r.Context(), claim, "its response was larger than MaxStoredResponseBytes and is not stored")
		return
	}
	status, header, body := rec.result()
	if status >= 500 {
		tx.Rollback()
		m.release(r.Context(), claim, "the handler answered "+strconv.Itoa(status))
		writeResponse(w, status, header, body)
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), storeTimeout)
	defer cancel()
	err = m.tx.CompleteTx(ctx, tx, claim, Response{Status: status, Header: header, Body: body})
	if err == nil {
		err = tx.Commit()
	} else {
		tx.Rollback()
	}
	if err != nil {
		// Nothing was applied: the outcome and the writes went together.
		if !errors.Is(err, ErrLeaseLost) {
			m.release(r.Context(), claim, "its transaction did not commit")
		}
		m.opts.Logf("idempotency: key %q: the handler's transaction did not commit, nothing was applied: %v", claim.Key, err)
		writeProblem(w, http.StatusServiceUnavailable, "the request cannot be processed right now; retry later", retryUnavailable)
		return
	}
	writeResponse(w, status, header, body)
}
