// Package backend holds what the store backends share: argument checks, claim
// tokens, the header encoding, the opportunistic purge schedule and the
// migration file list.
package backend

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/swkit/swkit/idempotency"
	"github.com/swkit/swkit/push"
)

// PageSize is the page Subscriptions reads when its limit is not positive.
const PageSize = 1000

// MaxKeyLen bounds an idempotency key; the IETF draft
// (draft-ietf-httpapi-idempotency-key-header) leaves the length to the
// server, and 255 is generous for the UUIDs clients send.
const MaxKeyLen = 255

// CheckBegin validates BeginIdempotent's arguments.
func CheckBegin(key, requestHash string, ttl time.Duration) error {
	switch {
	case key == "":
		return errors.New("begin idempotent: empty key")
	case len(key) > MaxKeyLen:
		return fmt.Errorf("begin idempotent: key is %d bytes, more than %d", len(key), MaxKeyLen)
	case ttl <= 0:
		return fmt.Errorf("begin idempotent: ttl %v is not positive", ttl)
	}
	return nil
}

// CheckClaim validates the claim given to Complete or Release.
func CheckClaim(op string, c idempotency.Claim) error {
	if c.Key == "" || c.Token == "" {
		return fmt.Errorf("%s: not a held claim: %w", op, idempotency.ErrLeaseLost)
	}
	return nil
}

// CheckSubscription validates a subscription before it is stored. Its
// errors, like the backends', leave the endpoint out: it is a capability
// URL, and errors end up in logs.
func CheckSubscription(s push.Subscription) error {
	if s.Endpoint == "" {
		return errors.New("put subscription: empty endpoint")
	}
	if s.Keys.P256dh == "" || s.Keys.Auth == "" {
		return errors.New("put subscription: missing p256dh or auth key")
	}
	return nil
}

// CheckResponse validates the response given to Complete.
func CheckResponse(key string, r idempotency.Response) error {
	if r.Status < 100 || r.Status > 999 {
		return fmt.Errorf("complete: status %d is not an HTTP status", r.Status)
	}
	return nil
}

// Token returns a new random claim token.
func Token() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand documents it)
	return hex.EncodeToString(b[:])
}

// EncodeHeader returns h as JSON; nil becomes "{}".
func EncodeHeader(h http.Header) (string, error) {
	if h == nil {
		h = http.Header{}
	}
	b, err := json.Marshal(h)
	return string(b), err
}

// DecodeHeader is the inverse of EncodeHeader.
func DecodeHeader(s string) (http.Header, error) {
	h := http.Header{}
	if s == "" {
		return h, nil
	}
	if err := json.Unmarshal([]byte(s), &h); err != nil {
		return nil, fmt.Errorf("decode stored header: %w", err)
	}
	return h, nil
}

// Row is a stored idempotency key, as Decide needs it.
type Row struct {
	RequestHash string
	Completed   bool
	LeaseUntil  time.Time // when the holder's lease runs out; unset once completed
	ExpiresAt   time.Time
}

// Action is what BeginIdempotent does with an existing row.
type Action int

const (
	// Replace: the row expired; overwrite it with a fresh claim.
	Replace Action = iota + 1
	// TakeOver: the holder's lease ran out; give the claim a new token.
	TakeOver
	// Replay: return the stored response.
	Replay
	// InProgress: someone else holds the claim.
	InProgress
	// Reused: the key belongs to another request.
	Reused
)

// Decide is BeginIdempotent's rule for a key that has a row, in one place so
// that the backends agree.
func Decide(r Row, requestHash string, now time.Time) Action {
	leaseRunning := !r.Completed && now.Before(r.LeaseUntil)
	switch {
	case !now.Before(r.ExpiresAt) && !leaseRunning:
		// Expired keys are gone, whether or not a purge has run yet.
		return Replace
	case r.RequestHash != requestHash:
		return Reused
	case r.Completed:
		return Replay
	case leaseRunning:
		return InProgress
	default:
		return TakeOver
	}
}

// ErrFor returns the error BeginIdempotent returns for an InProgress or
// Reused action on key.
func ErrFor(a Action, key string) error {
	switch a {
	case InProgress:
		return fmt.Errorf("begin idempotent: %w", idempotency.ErrInProgress)
	case Reused:
		return fmt.Errorf("begin idempotent: %w", idempotency.ErrKeyReused)
	}
	return nil
}

// Purger decides when BeginIdempotent should also purge expired keys.
type Purger struct {
	Interval time.Duration // <0: never

	mu   sync.Mutex
	last time.Time
}

// Due reports whether a purge is due at now, and if so marks it done, so that
// of many concurrent callers one purges.
func (p *Purger) Due(now time.Time) bool {
	if p.Interval < 0 {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.last.IsZero() && now.Sub(p.last) < p.Interval {
		return false
	}
	p.last = now
	return true
}

// Migration is one numbered SQL file.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations reads the files named NNNN_name.sql in dir of fsys, in version
// order. Gaps and duplicate numbers are errors: a schema is a sequence.
func Migrations(fsys fs.FS, dir string) ([]Migration, error) {
	ents, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []Migration
	for _, e := range ents {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", name)
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %s: want version %d (versions start at 1 without gaps)", m.Name, i+1)
		}
	}
	return ms, nil
}
