package demo

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/idempotency"
	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/sqlite"
)

// VotesPath is where the page posts votes and reads them back.
const VotesPath = "/api/votes"

// VotesTTL is how long the demo remembers an Idempotency-Key: as long as the
// worker keeps a queued vote (backgroundSync's default maxRetentionTime), so
// that a replay days later is still recognised.
const VotesTTL = 7 * 24 * time.Hour

// maxNote bounds a vote's note, in characters.
const maxNote = 280

// maxVoteBody bounds a vote's request body, in bytes: a cat and a note of
// maxNote characters even with each escaped in JSON (12 bytes for one
// outside the Basic Multilingual Plane). The
// idempotency middleware, which reads the body before the handler, takes
// the same bound, so no more than this is ever read or held per request.
const maxVoteBody = 4 << 10

// Vote is one vote for a cat, as GET /api/votes lists it.
type Vote struct {
	ID   int64  `json:"id"`
	Cat  int    `json:"cat"`
	Note string `json:"note"`
	// Key is the Idempotency-Key the vote came with ("" when none).
	Key string    `json:"key"`
	At  time.Time `json:"at"`
}

// Votes keeps votes in a table of a SQLite file. Its handler applies every
// POST it runs; put it behind idempotency.TxMiddleware (as VotesAPI does)
// so that a request replayed by the service worker is applied once.
type Votes struct {
	db *sql.DB
}

// OpenVotes opens (creating when missing) the votes table in the SQLite file
// at path. The file may also hold a store/sqlite database: the table's name
// does not collide with the store's.
func OpenVotes(ctx context.Context, path string) (*Votes, error) {
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open votes %s: %w", path, err)
	}
	db.SetMaxOpenConns(1) // writes queue in Go rather than fail with SQLITE_BUSY
	_, err = db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS demo_votes (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		cat INTEGER NOT NULL,
		note TEXT NOT NULL,
		idempotency_key TEXT NOT NULL,
		created_at INTEGER NOT NULL
	)`)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open votes %s: %w", path, err)
	}
	return &Votes{db: db}, nil
}

// Close closes the database.
func (v *Votes) Close() error { return v.db.Close() }

// List returns every vote, oldest first.
func (v *Votes) List(ctx context.Context) ([]Vote, error) {
	rows, err := v.db.QueryContext(ctx, `SELECT id, cat, note, idempotency_key, created_at FROM demo_votes ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list votes: %w", err)
	}
	defer rows.Close()
	out := []Vote{}
	for rows.Next() {
		var vote Vote
		var at int64
		if err := rows.Scan(&vote.ID, &vote.Cat, &vote.Note, &vote.Key, &at); err != nil {
			return nil, fmt.Errorf("list votes: %w", err)
		}
		vote.At = time.UnixMicro(at).UTC()
		out = append(out, vote)
	}
	return out, rows.Err()
}

// add stores a vote and returns it with its id.
func (v *Votes) add(ctx context.Context, vote Vote) (Vote, error) {
	vote.At = time.Now().UTC().Truncate(time.Microsecond)
	// Under idempotency.TxMiddleware, in the transaction that records the
	// key: the vote and its key are committed together or not at all.
	var exec interface {
		ExecContext(context.Context, string, ...any) (sql.Result, error)
	} = v.db
	if tx := idempotency.Tx(ctx); tx != nil {
		exec = tx
	}
	res, err := exec.ExecContext(ctx, `INSERT INTO demo_votes (cat, note, idempotency_key, created_at) VALUES (?, ?, ?, ?)`,
		vote.Cat, vote.Note, vote.Key, vote.At.UnixMicro())
	if err != nil {
		return Vote{}, fmt.Errorf("add vote: %w", err)
	}
	vote.ID, err = res.LastInsertId()
	return vote, err
}

// ServeHTTP answers GET with the list of votes and POST, a JSON body
// {"cat": 1..10, "note": "..."}, with 201 and the stored vote.
func (v *Votes) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		votes, err := v.List(r.Context())
		if err != nil {
			http.Error(w, "cannot list votes", http.StatusServiceUnavailable)
			return
		}
		writeJSON(w, http.StatusOK, votes)
	case http.MethodPost:
		var in struct {
			Cat  int    `json:"cat"`
			Note string `json:"note"`
		}
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxVoteBody))
		if err := dec.Decode(&in); err != nil {
			http.Error(w, "the body must be JSON: {\"cat\": 1..10, \"note\": \"...\"}", http.StatusBadRequest)
			return
		}
		note := strings.TrimSpace(in.Note)
		if in.Cat < 1 || in.Cat > numImages || utf8.RuneCountInString(note) > maxNote {
			http.Error(w, fmt.Sprintf("cat must be 1..%d and the note at most %d characters", numImages, maxNote), http.StatusUnprocessableEntity)
			return
		}
		vote, err := v.add(r.Context(), Vote{Cat: in.Cat, Note: note, Key: r.Header.Get(idempotency.HeaderKey)})
		if err != nil {
			// Nothing was applied: a 5xx lets the middleware release the key
			// for the worker's retry.
			http.Error(w, "cannot store the vote", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Location", fmt.Sprintf("%s/%d", VotesPath, vote.ID))
		writeJSON(w, http.StatusCreated, vote)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// VotesAPI is v behind idempotency.TxMiddleware over s, whose database
// must hold v's table: each Idempotency-Key is applied once, the vote and
// the key in one transaction, and its repeats get the first answer back.
func VotesAPI(v *Votes, s idempotency.TxStore) http.Handler {
	return idempotency.TxMiddleware(s, idempotency.Options{TTL: VotesTTL, MaxBodyBytes: maxVoteBody})(v)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// VotesQueue is the background-sync queue of the demo's votes.
const VotesQueue = "votes"

// votesRoute is the worker route of the votes: POST over the network, queued
// for background sync when the network fails.
func votesRoute() config.RuntimeCaching {
	return config.RuntimeCaching{
		URLPattern: VotesPath,
		Method:     http.MethodPost,
		Handler:    config.NetworkOnly,
		Options:    config.RuntimeOptions{BackgroundSync: &config.BackgroundSync{Name: VotesQueue}},
	}
}

// votesDB is the demo's database: the votes and their idempotency keys in
// one SQLite file. A temporary one is created on first use, so that a demo
// whose votes nobody touches (most tests) leaves no file behind.
type votesDB struct {
	path string // "" for a temporary file

	once   sync.Once
	votes  *Votes
	keys   *sqlite.Store
	api    http.Handler
	err    error
	tmpDir string // removed by close
}

// openVotesDB opens the SQLite file at path now, so that a bad path is an
// error at start-up; with path "" it does nothing until the first request.
func openVotesDB(path string) (*votesDB, error) {
	db := &votesDB{path: path}
	if path != "" {
		db.open()
		if db.err != nil {
			return nil, db.err
		}
	}
	return db, nil
}

func (db *votesDB) open() {
	db.once.Do(func() {
		path := db.path
		if path == "" {
			dir, err := os.MkdirTemp("", "swkit-demo-")
			if err != nil {
				db.err = fmt.Errorf("votes database: %w", err)
				return
			}
			db.tmpDir, path = dir, filepath.Join(dir, "demo.db")
		}
		ctx := context.Background()
		if db.keys, db.err = sqlite.Open(ctx, path, store.Options{}); db.err != nil {
			db.err = fmt.Errorf("votes database: %w", db.err)
			return
		}
		if db.votes, db.err = OpenVotes(ctx, path); db.err != nil {
			return
		}
		db.api = VotesAPI(db.votes, db.keys)
	})
}

// ServeHTTP serves VotesPath.
func (db *votesDB) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	db.open()
	if db.err != nil {
		http.Error(w, "votes are unavailable", http.StatusServiceUnavailable)
		return
	}
	db.api.ServeHTTP(w, r)
}

func (db *votesDB) close() error {
	db.once.Do(func() { db.err = errors.New("votes database closed") }) // no opening after Close
	var errs []error
	if db.votes != nil {
		errs = append(errs, db.votes.Close())
	}
	if db.keys != nil {
		errs = append(errs, db.keys.Close())
	}
	if db.tmpDir != "" {
		errs = append(errs, os.RemoveAll(db.tmpDir))
	}
	return errors.Join(errs...)
}

// Close closes the demo's database, and removes it when it was temporary
// (Options.DB empty).
func (d *Demo) Close() error { return d.db.close() }
