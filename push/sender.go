package push

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Urgency is the Urgency header (RFC 8030 §5.3): how soon the user agent
// should be woken for the message, at a cost in battery.
type Urgency string

// Urgency values from RFC 8030 §5.3; empty means normal.
const (
	UrgencyVeryLow Urgency = "very-low"
	UrgencyLow     Urgency = "low"
	UrgencyNormal  Urgency = "normal"
	UrgencyHigh    Urgency = "high"
)

const (
	// DefaultTTL is the TTL of a Message whose TTL is zero: four weeks,
	// about the longest push services keep a message.
	DefaultTTL = 28 * 24 * time.Hour
	// NoStore as a Message TTL sends "TTL: 0": deliver only if the user
	// agent is reachable now, never store (RFC 8030 §5.2).
	NoStore time.Duration = -1

	defaultConcurrency = 50
	defaultMaxRetries  = 3
	// maxReportErrors bounds Report.Errors so that a dead push service
	// cannot make a report of 100,000 errors.
	maxReportErrors = 100
	// maxRetryAfter is the longest Retry-After a Sender waits out; a
	// longer one fails the send with a *StatusError carrying RetryAfter,
	// for the caller to schedule.
	maxRetryAfter = 2 * time.Minute
	backoffBase   = 500 * time.Millisecond
	backoffMax    = 30 * time.Second
	// bodyExcerpt is how much of an error response a *StatusError keeps.
	bodyExcerpt = 256
)

// Message is one push message. The same Message is encrypted separately
// for every subscription it is sent to; Payload is never re-encoded.
type Message struct {
	// Payload is the plaintext, at most MaxPayload bytes; the swkit
	// service worker shows JSON (title, body, url, ...) or plain text.
	Payload []byte
	// TTL is how long the push service keeps an undelivered message,
	// rounded down to seconds. Zero means DefaultTTL; NoStore means 0.
	TTL time.Duration
	// Urgency is sent when not empty (RFC 8030 §5.3).
	Urgency Urgency
	// Topic, when not empty, replaces an undelivered message with the same
	// topic (RFC 8030 §5.4): at most 32 characters of base64url alphabet.
	Topic string
}

func (m *Message) validate() error {
	if len(m.Payload) > MaxPayload {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrPayloadTooLarge, len(m.Payload), MaxPayload)
	}
	switch m.Urgency {
	case "", UrgencyVeryLow, UrgencyLow, UrgencyNormal, UrgencyHigh:
	default:
		return fmt.Errorf("push: urgency %q: want very-low, low, normal or high", m.Urgency)
	}
	if len(m.Topic) > 32 {
		return fmt.Errorf("push: topic %q: longer than 32 characters", m.Topic)
	}
	for i := 0; i < len(m.Topic); i++ {
		c := m.Topic[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("push: topic %q: only base64url characters are allowed", m.Topic)
		}
	}
	return nil
}

func (m *Message) ttlHeader() string {
	switch {
	case m.TTL < 0:
		return "0"
	case m.TTL == 0:
		return strconv.FormatInt(int64(DefaultTTL/time.Second), 10)
	}
	return strconv.FormatInt(int64(m.TTL/time.Second), 10)
}

// SenderOptions configures a Sender. Zero values mean the defaults.
type SenderOptions struct {
	// Subject is the VAPID sub claim, a mailto: or https: URI where push
	// service operators can reach you (RFC 8292 §2.1). Required.
	Subject string
	// Client sends the requests. When nil, the Sender makes one whose
	// transport opens at most Concurrency connections per host and keeps them
	// alive, follows no
	// redirects, times out after 30 s and, unless AllowPrivate, refuses to
	// connect to non-public addresses whatever a host name resolves to (it
	// therefore ignores HTTP_PROXY; pass your own Client to use a proxy).
	Client *http.Client
	// Concurrency bounds the requests SendAll has in flight. Default 50.
	Concurrency int
	// MaxRetries bounds retries of 429, 5xx and network errors per message.
	// Default 3; negative means no retries.
	MaxRetries int
	// AllowPrivate lets the Sender post to http URLs and to loopback,
	// private and link-local addresses. For tests and LAN setups only.
	AllowPrivate bool
}

// Sender posts encrypted, VAPID-signed push messages. It is safe for
// concurrent use; keep one for the life of the process so that tokens and
// connections are reused.
type Sender struct {
	vapid        *VAPID
	subject      string
	client       *http.Client
	concurrency  int
	maxRetries   int
	allowPrivate bool

	// Seams for tests.
	sleep  func(ctx context.Context, d time.Duration) error
	jitter func(n int64) int64 // uniform in [0, n)
	now    func() time.Time
}

// NewSender makes a Sender that signs with vapid.
func NewSender(vapid *VAPID, opts SenderOptions) (*Sender, error) {
	if vapid == nil {
		return nil, errors.New("push: NewSender: nil VAPID")
	}
	if err := checkSubject(opts.Subject); err != nil {
		return nil, err
	}
	s := &Sender{
		vapid:        vapid,
		subject:      opts.Subject,
		client:       opts.Client,
		concurrency:  opts.Concurrency,
		maxRetries:   opts.MaxRetries,
		allowPrivate: opts.AllowPrivate,
		sleep:        sleepCtx,
		jitter:       rand.Int64N,
		now:          time.Now,
	}
	if s.concurrency <= 0 {
		s.concurrency = defaultConcurrency
	}
	switch {
	case s.maxRetries == 0:
		s.maxRetries = defaultMaxRetries
	case s.maxRetries < 0:
		s.maxRetries = 0
	}
	if s.client == nil {
		s.client = newClient(s.concurrency, s.allowPrivate)
	}
	return s, nil
}

func newClient(concurrency int, allowPrivate bool) *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		// Checked on the resolved address at connect time, so a public
		// name that resolves to 127.0.0.1 (or rebinds to it) is refused.
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			return dialAddrAllowed(address)
		}
	}
	t := &http.Transport{
		DialContext:         dialer.DialContext,
		ForceAttemptHTTP2:   true,
		MaxIdleConns:        max(100, 2*concurrency),
		MaxIdleConnsPerHost: concurrency,
		// With both at the concurrency, a burst reuses connections instead
		// of racing new dials against ones about to come back idle.
		MaxConnsPerHost:       concurrency,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{
		Transport: t,
		Timeout:   30 * time.Second,
		// Push services answer, they do not redirect; following one could
		// take the request somewhere CheckEndpoint never saw.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Result describes a delivered message.
type Result struct {
	// Status is the push service's answer, 201 normally.
	Status int
	// Attempts counts requests made, 1 when no retry was needed.
	Attempts int
	// Location is the push message resource (RFC 8030 §5), if given.
	Location string
}

// Send encrypts msg for sub and posts it, retrying 429, 5xx and network
// errors with exponential backoff and jitter, honouring Retry-After, at
// most MaxRetries times and never past ctx. 2xx is success. An invalid
// message fails before any request, with an error matching
// ErrPayloadTooLarge when it is too large. Every other failure is a
// *SendError: wrapping a *SubscriptionError for a subscription that is
// invalid or whose endpoint the policy refuses (before any request), a
// *StatusError for a refusal (matching ErrGone for 404 and 410,
// ErrPayloadTooLarge for 413), or the network error.
func (s *Sender) Send(ctx context.Context, sub Subscription, msg Message) (Result, error) {
	if err := msg.validate(); err != nil {
		return Result{}, err
	}
	res, err := s.send(ctx, sub, &msg, msg.ttlHeader())
	if err != nil {
		return Result{}, &SendError{Endpoint: sub.Endpoint, Err: err}
	}
	return res, nil
}

func (s *Sender) send(ctx context.Context, sub Subscription, msg *Message, ttl string) (Result, error) {
	if err := CheckEndpoint(sub.Endpoint, s.allowPrivate); err != nil {
		return Result{}, err
	}
	u, err := url.Parse(sub.Endpoint)
	if err != nil {
		return Result{}, &SubscriptionError{Field: "endpoint", Err: err}
	}
	body, err := Encrypt(sub, msg.Payload)
	if err != nil {
		return Result{}, err
	}
	auth, err := s.vapid.authorization(audience(u), s.subject)
	if err != nil {
		return Result{}, err
	}
	header := http.Header{
		"Authorization":    {auth},
		"Content-Encoding": {"aes128gcm"},
		"Content-Type":     {"application/octet-stream"},
		"Ttl":              {ttl},
	}
	if msg.Urgency != "" {
		header["Urgency"] = []string{string(msg.Urgency)}
	}
	if msg.Topic != "" {
		header["Topic"] = []string{msg.Topic}
	}

	var lastErr error
	for attempt := 1; ; attempt++ {
		res, retryAfter, err := s.post(ctx, u, header, body)
		if err == nil {
			res.Attempts = attempt
			return res, nil
		}
		var se *StatusError
		if errors.As(err, &se) {
			se.Attempts = attempt
		}
		if ctx.Err() != nil {
			return Result{}, err
		}
		if !retryable(err) || attempt > s.maxRetries {
			return Result{}, err
		}
		lastErr = err
		wait := s.backoff(attempt, retryAfter)
		if wait > maxRetryAfter {
			return Result{}, lastErr
		}
		if dl, ok := ctx.Deadline(); ok && s.now().Add(wait).After(dl) {
			return Result{}, fmt.Errorf("%w; not retrying: the retry would end after the context's deadline", lastErr)
		}
		if err := s.sleep(ctx, wait); err != nil {
			return Result{}, fmt.Errorf("%w; retry abandoned: %w", lastErr, err)
		}
	}
}

// post makes one request. A non-2xx answer is a *StatusError; retryAfter is
// the parsed Retry-After header, if any.
func (s *Sender) post(ctx context.Context, u *url.URL, header http.Header, body []byte) (res Result, retryAfter time.Duration, err error) {
	req := (&http.Request{
		Method:        http.MethodPost,
		URL:           u,
		Header:        header.Clone(),
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Host:          u.Host,
		GetBody: func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(body)), nil
		},
	}).WithContext(ctx)
	resp, err := s.client.Do(req)
	if ue, ok := err.(*url.Error); ok {
		// Its text quotes the whole endpoint, a capability URL (see
		// SendError), which names the origin alone.
		err = ue.Err
	}
	if err != nil {
		return Result{}, 0, err
	}
	defer func() {
		// Drain a little so the connection can be reused (keep-alive).
		io.CopyN(io.Discard, resp.Body, 4<<10)
		resp.Body.Close()
	}()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return Result{Status: resp.StatusCode, Location: resp.Header.Get("Location")}, 0, nil
	}
	excerpt, _ := io.ReadAll(io.LimitReader(resp.Body, bodyExcerpt))
	retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), s.now())
	return Result{}, retryAfter, &StatusError{
		Status:     resp.StatusCode,
		Body:       string(bytes.ToValidUTF8(bytes.TrimSpace(excerpt), []byte("?"))),
		RetryAfter: retryAfter,
	}
}

// retryable reports errors worth another attempt: 429 and 5xx (RFC 8030
// §8.4 asks for backoff when a push service is overloaded) and transport
// errors, which on a kept-alive connection are often a stale socket.
func retryable(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status == http.StatusTooManyRequests || se.Status >= 500
	}
	return true
}

// backoff is the wait before retry number attempt (1-based): at least
// Retry-After when the service sent one, plus up to a tenth more so that
// many senders told the same time do not return together; otherwise
// exponential from backoffBase with equal jitter, capped at backoffMax.
func (s *Sender) backoff(attempt int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return retryAfter + time.Duration(s.jitter(int64(retryAfter/10)+1))
	}
	d := backoffBase << min(attempt-1, 16)
	d = min(d, backoffMax)
	return d/2 + time.Duration(s.jitter(int64(d/2)+1))
}

// parseRetryAfter reads delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(24*time.Hour/time.Second) {
			n = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Report sums up a SendAll.
type Report struct {
	Delivered int
	Gone      int
	Failed    int
	// GoneEndpoints lists every subscription the push service reported
	// gone (404/410), for the caller to delete.
	GoneEndpoints []string
	// Errors holds the first failures (at most 100): a *SendError for each
	// subscription that failed, the message's own error when it is invalid,
	// and one error for the subscriptions left untried when ctx ended.
	Errors []error
}

// SendAll sends msg to every subscription, each encrypted with its own
// keys, with at most Concurrency requests in flight, and reports the
// outcome. A message that is invalid or too large fails every subscription
// before any request. When ctx ends, subscriptions not yet tried count as
// failed.
func (s *Sender) SendAll(ctx context.Context, subs []Subscription, msg Message) Report {
	var rep Report
	if err := msg.validate(); err != nil {
		rep.Failed = len(subs)
		if len(subs) > 0 {
			rep.Errors = []error{err}
		}
		return rep
	}
	ttl := msg.ttlHeader()

	var mu sync.Mutex
	record := func(sub *Subscription, err error) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err == nil:
			rep.Delivered++
		case errors.Is(err, ErrGone):
			rep.Gone++
			rep.GoneEndpoints = append(rep.GoneEndpoints, sub.Endpoint)
		default:
			rep.Failed++
			if len(rep.Errors) < maxReportErrors {
				rep.Errors = append(rep.Errors, &SendError{Endpoint: sub.Endpoint, Err: err})
			}
		}
	}

	// A fixed pool of workers, not a goroutine per subscription: memory
	// stays flat for a million subscriptions.
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(s.concurrency, len(subs)) {
		wg.Go(func() {
			for i := range jobs {
				_, err := s.send(ctx, subs[i], &msg, ttl)
				record(&subs[i], err)
			}
		})
	}
	next := 0
feed:
	for ; next < len(subs); next++ {
		select {
		case jobs <- next:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if skipped := len(subs) - next; skipped > 0 {
		rep.Failed += skipped
		if len(rep.Errors) < maxReportErrors {
			rep.Errors = append(rep.Errors, fmt.Errorf("%d subscriptions not tried: %w", skipped, ctx.Err()))
		}
	}
	return rep
}
