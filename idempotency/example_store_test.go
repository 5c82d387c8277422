package idempotency_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"github.com/swkit/swkit/idempotency"
)

// keysTable keeps one row per key. Times are Unix milliseconds.
const keysTable = `CREATE TABLE IF NOT EXISTS idempotency_keys (
	key     TEXT PRIMARY KEY,
	hash    TEXT NOT NULL,
	token   TEXT,             -- the holder's; NULL once completed
	lease   INTEGER NOT NULL, -- when the holder's lease runs out
	ttl     INTEGER NOT NULL,
	expires INTEGER NOT NULL, -- when the key is forgotten
	status  INTEGER,          -- the response, once completed
	header  BLOB,
	body    BLOB
)`

// keyStore is an idempotency.Store in the application's own SQLite
// database. Its transactions begin with BEGIN IMMEDIATE (_txlock=immediate),
// which takes SQLite's write lock, so that a claim's read and write are one
// step, even between processes. Expired rows are claimed over; to reclaim
// their space, now and then run
// DELETE FROM idempotency_keys WHERE expires <= now AND (token IS NULL OR lease <= now).
type keyStore struct {
	db    *sql.DB
	lease time.Duration // above the slowest handler: after it, a retry runs the handler again
}

func (s *keyStore) BeginIdempotent(ctx context.Context, key, hash string, ttl time.Duration) (idempotency.Claim, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return idempotency.Claim{}, err
	}
	defer tx.Rollback()
	now := time.Now().UnixMilli()
	var (
		oldHash        string
		lease, expires int64
		status         sql.NullInt64
		header, body   []byte
	)
	err = tx.QueryRowContext(ctx, `SELECT hash, lease, expires, status, header, body
		FROM idempotency_keys WHERE key = ?`, key).Scan(&oldHash, &lease, &expires, &status, &header, &body)
	held := !status.Valid && now < lease
	switch {
	case errors.Is(err, sql.ErrNoRows), err == nil && now >= expires && !held:
		// New or forgotten: claim it below.
	case err != nil:
		return idempotency.Claim{}, err
	case oldHash != hash:
		return idempotency.Claim{}, idempotency.ErrKeyReused
	case status.Valid:
		resp := &idempotency.Response{Status: int(status.Int64), Body: body}
		return idempotency.Claim{Key: key, Response: resp}, json.Unmarshal(header, &resp.Header)
	case held:
		return idempotency.Claim{}, idempotency.ErrInProgress
	}
	// A new claim, or a takeover from a holder whose lease ran out (it
	// crashed): a new token, so that the old holder can no longer complete.
	token := rand.Text()
	_, err = tx.ExecContext(ctx, `INSERT OR REPLACE INTO idempotency_keys (key, hash, token, lease, ttl, expires)
		VALUES (?, ?, ?, ?, ?, ?)`, key, hash, token, now+s.lease.Milliseconds(), ttl.Milliseconds(), now+ttl.Milliseconds())
	if err == nil {
		err = tx.Commit()
	}
	return idempotency.Claim{Key: key, Token: token}, err
}

func (s *keyStore) Complete(ctx context.Context, c idempotency.Claim, r idempotency.Response) error {
	header, err := json.Marshal(r.Header)
	if err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE idempotency_keys
		SET token = NULL, status = ?, header = ?, body = ?, expires = ? + ttl
		WHERE key = ? AND token = ?`, r.Status, header, r.Body, time.Now().UnixMilli(), c.Key, c.Token)
	return stillHeld(res, err)
}

func (s *keyStore) Release(ctx context.Context, c idempotency.Claim) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE key = ? AND token = ?`, c.Key, c.Token)
	return stillHeld(res, err)
}

// stillHeld is ErrLeaseLost when no row had the claim's token: its lease
// was taken over, or it was released or completed already.
func stillHeld(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err == nil && n == 0 {
		err = idempotency.ErrLeaseLost
	}
	return err
}

// The middleware over a Store of your own, in your application's database.
func ExampleStore() {
	dir, err := os.MkdirTemp("", "swkit-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", filepath.Join(dir, "app.db")+"?_txlock=immediate&_pragma=busy_timeout(10000)")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(keysTable + `; CREATE TABLE IF NOT EXISTS votes (cat INTEGER)`); err != nil {
		log.Fatal(err)
	}

	votes := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := db.ExecContext(r.Context(), `INSERT INTO votes (cat) VALUES (?)`, r.FormValue("cat")); err != nil {
			http.Error(w, "try again", http.StatusServiceUnavailable) // applied nothing: the key is released
			return
		}
		w.WriteHeader(http.StatusCreated)
	})
	h := idempotency.Middleware(&keyStore{db: db, lease: 30 * time.Second}, idempotency.Options{})(votes)

	for _, body := range []string{"cat=3", "cat=3", "cat=4"} { // a replay, then the key reused
		r := httptest.NewRequest("POST", "/votes", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Idempotency-Key", "5b1e7c1e-8f1a-4b4e-9d3c-0c1f5b2a9e71")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Printf("%d replayed=%q\n", w.Code, w.Header().Get("Idempotent-Replayed"))
	}
	var n int
	db.QueryRow(`SELECT count(*) FROM votes`).Scan(&n)
	fmt.Println("votes:", n)
	// Output:
	// 201 replayed=""
	// 201 replayed="true"
	// 422 replayed=""
	// votes: 1
}
