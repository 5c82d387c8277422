package pushapi

import (
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// RateLimit is a token bucket: Burst requests at once, then Rate a second.
type RateLimit struct {
	Rate  float64
	Burst int
}

// The limits when Options leaves them zero. A browser subscribes once and
// changes its tags rarely; 20 at once then one a second leaves room for
// many browsers behind one address and none for a flood. Wrong tokens: five,
// then one a minute, which makes guessing hopeless without locking out an
// operator who mistyped.
var (
	DefaultSubscribeLimit    = RateLimit{Rate: 1, Burst: 20}
	DefaultTokenFailureLimit = RateLimit{Rate: 1.0 / 60, Burst: 5}
)

// maxClients bounds the addresses a limiter tracks at once.
const maxClients = 10000

// limiter keeps one token bucket per client address.
type limiter struct {
	limit   RateLimit
	mu      sync.Mutex
	clients map[string]*bucket
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
	// warned is when the client was last logged as over its limit.
	warned time.Time
}

func newLimiter(l, def RateLimit) *limiter {
	if l == (RateLimit{}) {
		l = def
	}
	if l.Rate < 0 {
		return nil // turned off
	}
	return &limiter{limit: l, clients: map[string]*bucket{}}
}

// get returns the client's bucket, making room for it when full: the
// buckets idle long enough to be full again go first, then any.
func (l *limiter) get(client string, now time.Time) *bucket {
	b := l.clients[client]
	if b == nil {
		if len(l.clients) >= maxClients {
			refill := time.Duration(float64(l.limit.Burst) / l.limit.Rate * float64(time.Second))
			for k, v := range l.clients {
				if now.Sub(v.seen) > refill {
					delete(l.clients, k)
				}
			}
			for k := range l.clients {
				if len(l.clients) < maxClients {
					break
				}
				delete(l.clients, k)
			}
		}
		b = &bucket{lim: rate.NewLimiter(rate.Limit(l.limit.Rate), l.limit.Burst)}
		l.clients[client] = b
	}
	b.seen = now
	return b
}

// allow takes a token for client. When none is left it returns how long
// until one is, and whether to log it (once a minute per client).
func (l *limiter) allow(client string, now time.Time) (ok bool, wait time.Duration, log bool) {
	if l == nil {
		return true, 0, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.get(client, now)
	if b.lim.AllowN(now, 1) {
		return true, 0, false
	}
	log = now.Sub(b.warned) >= time.Minute
	if log {
		b.warned = now
	}
	return false, l.wait(b, now), log
}

// exhausted reports whether client has no token left, without taking
// one, and whether to log it (as allow does).
func (l *limiter) exhausted(client string, now time.Time) (blocked bool, wait time.Duration, log bool) {
	if l == nil {
		return false, 0, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.clients[client]
	if b == nil || b.lim.TokensAt(now) >= 1 {
		return false, 0, false
	}
	log = now.Sub(b.warned) >= time.Minute
	if log {
		b.warned = now
	}
	return true, l.wait(b, now), log
}

func (l *limiter) wait(b *bucket, now time.Time) time.Duration {
	missing := 1 - b.lim.TokensAt(now)
	return time.Duration(math.Ceil(missing/l.limit.Rate)) * time.Second
}

// clientAddr is the host of r.RemoteAddr.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// tooMany answers 429 with Retry-After in whole seconds.
func tooMany(w http.ResponseWriter, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(wait/time.Second))))
	writeError(w, http.StatusTooManyRequests, "too many requests: try again later")
}
