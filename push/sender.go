package push

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
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
	// DefaultTTL is four weeks, about the longest push services keep a
	// message: the TTL web-push uses when none is given.
	DefaultTTL = 28 * 24 * time.Hour
	// NoStore as a Message TTL sends "TTL: 0", as a zero TTL does: deliver
	// only if the user agent is reachable now, never store (RFC 8030 §5.2).
	NoStore time.Duration = -1
	// DefaultTimeout bounds one request of a Sender's own client.
	DefaultTimeout = 30 * time.Second
	// DefaultDeliveryTimeout bounds one subscription's delivery in SendAll.
	DefaultDeliveryTimeout = 10 * time.Second

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
	// rounded down to seconds. Zero (or NoStore) sends "TTL: 0", deliver now
	// or never, as web-push and webpush-go do; set DefaultTTL for four weeks.
	TTL time.Duration
	// Urgency is sent when not empty (RFC 8030 §5.3).
	Urgency Urgency
	// Topic, when not empty, replaces an undelivered message with the same
	// topic (RFC 8030 §5.4): at most 32 characters of base64url alphabet.
	Topic string
	// Padding adds that many zero octets after the payload (RFC 8188 §2),
	// so that messages of different lengths look alike on the wire. It
	// counts against MaxPayload.
	Padding int
	// Header holds extra request headers for the push service. It cannot
	// set the headers the protocol owns (Authorization, Content-Encoding,
	// Content-Type, Content-Length, TTL, Urgency, Topic).
	Header http.Header
}

// reservedHeaders are the request headers a Sender sets itself.
var reservedHeaders = []string{"Authorization", "Content-Encoding", "Content-Type", "Content-Length", "Ttl", "Urgency", "Topic", "Host"}

func (m *Message) validate() error {
	if m.Padding < 0 {
		return fmt.Errorf("push: padding %d: want 0 or more", m.Padding)
	}
	if n := len(m.Payload) + m.Padding; n > MaxPayload {
		return fmt.Errorf("%w: %d bytes with padding, at most %d", ErrPayloadTooLarge, n, MaxPayload)
	}
	for name := range m.Header {
		for _, r := range reservedHeaders {
			if strings.EqualFold(name, r) {
				return fmt.Errorf("push: header %s: set by the Sender, not by Message.Header", name)
			}
		}
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
	if m.TTL <= 0 {
		return "0"
	}
	return strconv.FormatInt(int64(m.TTL/time.Second), 10)
}

// SenderOptions configures a Sender. Zero values mean the defaults.
type SenderOptions struct {
	// Subject is the VAPID sub claim, a mailto: or https: URI where push
	// service operators can reach you (RFC 8292 §2.1). Required.
	Subject string
	// Client sends the requests. When nil, the Sender makes one whose
	// transport opens at most Concurrency connections per host and keeps
	// them alive, follows no redirects, times out after Timeout and goes
	// through Proxy when set (it ignores HTTP_PROXY).
	//
	// Unless AllowPrivate, the Sender refuses to connect to non-public
	// addresses whatever a host name resolves to, with its own client or
	// with this one: a Client whose Transport is an *http.Transport (or
	// nil) is copied with a dialer that resolves the host and checks every
	// address first. Any other Transport is refused by NewSender; build it
	// on a net.Dialer whose Control is DialControl instead, and set
	// AllowPrivate.
	Client *http.Client
	// Proxy is the URL of an HTTP proxy for every request (web-push's
	// proxy option), for the Sender's own client. The proxy itself may be
	// on a private address; the check of the push service's address is
	// then the proxy's job, as it resolves the name.
	Proxy string
	// Timeout bounds each request of the Sender's own client. Default
	// DefaultTimeout (30 s).
	Timeout time.Duration
	// TokenLifetime is how long each signed VAPID token is valid, at most
	// 24 hours (RFC 8292 §2). Default 12 hours. Tokens are reused until
	// near their end.
	TokenLifetime time.Duration
	// Concurrency bounds the requests SendAll has in flight. Default 50.
	Concurrency int
	// DeliveryTimeout bounds each subscription's delivery in SendAll,
	// retries included, so that push services that accept connections and
	// never answer hold a sender for that long at most. Default
	// DefaultDeliveryTimeout (10 s). Send is bounded by its context only.
	DeliveryTimeout time.Duration
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
	lifetime     time.Duration
	client       *http.Client
	concurrency  int
	deliveryTime time.Duration
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
	if opts.TokenLifetime < 0 || opts.TokenLifetime > maxTokenLifetime {
		return nil, &OptionError{"TokenLifetime", fmt.Errorf("%v: want at most %v (RFC 8292 §2)", opts.TokenLifetime, maxTokenLifetime)}
	}
	if opts.TokenLifetime > 0 && opts.TokenLifetime < minTokenLifetime {
		return nil, &OptionError{"TokenLifetime", fmt.Errorf("%v: want at least %v", opts.TokenLifetime, minTokenLifetime)}
	}
	if opts.Timeout < 0 {
		return nil, &OptionError{"Timeout", fmt.Errorf("negative (%v)", opts.Timeout)}
	}
	if opts.DeliveryTimeout < 0 {
		return nil, &OptionError{"DeliveryTimeout", fmt.Errorf("negative (%v)", opts.DeliveryTimeout)}
	}
	s := &Sender{
		vapid:        vapid,
		subject:      opts.Subject,
		lifetime:     opts.TokenLifetime,
		client:       opts.Client,
		concurrency:  opts.Concurrency,
		deliveryTime: cmp.Or(opts.DeliveryTimeout, DefaultDeliveryTimeout),
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
	if s.lifetime == 0 {
		s.lifetime = tokenLifetime
	}
	var err error
	switch {
	case s.client == nil:
		s.client, err = newClient(s.concurrency, s.allowPrivate, opts.Proxy, cmp.Or(opts.Timeout, DefaultTimeout))
	case opts.Proxy != "":
		err = &OptionError{"Proxy", errors.New("set the proxy on your Client's Transport instead, or leave Client nil")}
	case !s.allowPrivate:
		s.client, err = guardClient(s.client)
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// VAPID returns the key pair s signs with.
func (s *Sender) VAPID() *VAPID { return s.vapid }

// DialControl is the connect-time half of the address policy, for a
// net.Dialer's Control: it refuses loopback, private, link-local and the
// other non-public addresses (see CheckEndpoint), checked on the address a
// name actually resolved to, so that DNS cannot point a public-looking name
// inside the network. A Sender without AllowPrivate applies it to every
// connection it makes.
func DialControl(_, address string, _ syscall.RawConn) error {
	return dialAddrAllowed(address)
}

func newClient(concurrency int, allowPrivate bool, proxy string, timeout time.Duration) (*http.Client, error) {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	dial := dialer.DialContext
	if !allowPrivate {
		// Checked on the resolved address at connect time, so a public
		// name that resolves to 127.0.0.1 (or rebinds to it) is refused.
		checked := *dialer
		checked.Control = DialControl
		dial = checked.DialContext
	}
	var proxyFunc func(*http.Request) (*url.URL, error)
	if proxy != "" {
		u, err := url.Parse(proxy)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, &OptionError{"Proxy", fmt.Errorf("%q: want an http:// or https:// URL", redactURL(proxy))}
		}
		proxyFunc = http.ProxyURL(u)
		// The proxy is the operator's choice and may be on a private
		// address; every other connection keeps the check.
		proxyAddr := canonicalAddr(u)
		checkedDial := dial
		dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			if addr == proxyAddr {
				return dialer.DialContext(ctx, network, addr)
			}
			return checkedDial(ctx, network, addr)
		}
	}
	t := &http.Transport{
		Proxy:               proxyFunc,
		DialContext:         dial,
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
		Timeout:   timeout,
		// Push services answer, they do not redirect; following one could
		// take the request somewhere CheckEndpoint never saw.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}, nil
}

// canonicalAddr is host:port of a URL, with the scheme's default port.
func canonicalAddr(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// redactURL hides a URL's password, for messages.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	return "?"
}

// lookupNetIP resolves host names for guardClient; a variable for tests.
var lookupNetIP = net.DefaultResolver.LookupNetIP

// guardClient returns a copy of c whose connections pass the address policy:
// its *http.Transport is cloned with a dialer that resolves the host itself,
// refuses the non-public addresses and dials a checked address.
func guardClient(c *http.Client) (*http.Client, error) {
	rt := c.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	t, ok := rt.(*http.Transport)
	if !ok {
		return nil, &OptionError{"Client", fmt.Errorf("its Transport is a %T, to which the private-address check cannot be added: dial with a net.Dialer whose Control is push.DialControl and set AllowPrivate, or use an *http.Transport", rt)}
	}
	t = t.Clone()
	dial := t.DialContext
	if dial == nil {
		dial = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	}
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		ips, err := lookupNetIP(ctx, "ip", host)
		if err != nil {
			return nil, err
		}
		var errs []error
		for _, ip := range ips {
			a := net.JoinHostPort(ip.Unmap().String(), port)
			if err := dialAddrAllowed(a); err != nil {
				errs = append(errs, err)
				continue
			}
			conn, err := dial(ctx, network, a)
			if err == nil {
				return conn, nil
			}
			errs = append(errs, err)
		}
		if len(errs) == 0 {
			return nil, fmt.Errorf("dial %s: no address", host)
		}
		return nil, errors.Join(errs...)
	}
	cc := *c
	cc.Transport = t
	return &cc, nil
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
	body, err := Encrypt(sub, msg.Payload, WithPadding(msg.Padding))
	if err != nil {
		return Result{}, err
	}
	auth, err := s.vapid.authorization(audience(u), s.subject, s.lifetime)
	if err != nil {
		return Result{}, err
	}
	header := msg.Header.Clone()
	if header == nil {
		header = http.Header{}
	}
	for k, v := range map[string][]string{
		"Authorization":    {auth},
		"Content-Encoding": {"aes128gcm"},
		"Content-Type":     {"application/octet-stream"},
		"Ttl":              {ttl},
	} {
		header[k] = v
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
		// The service's own figure is held against the cap, before the
		// jitter is added: a Retry-After of exactly the cap is waited out.
		if retryAfter > maxRetryAfter {
			return Result{}, lastErr
		}
		wait := min(s.backoff(attempt, retryAfter), maxRetryAfter+maxRetryAfter/10)
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
	// A *url.Error's text quotes the whole endpoint, a capability URL (see
	// SendError): keep only its cause, whoever made the Client.
	for {
		ue, ok := err.(*url.Error)
		if !ok {
			break
		}
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

// Retryable reports whether a failed Send is worth another attempt later:
// 429 and 5xx (RFC 8030 §8.4 asks for backoff when a push service is
// overloaded) and transport errors, which on a kept-alive connection are
// often a stale socket. Failures that another attempt cannot change are
// not: other statuses, an invalid message or subscription, an endpoint the
// address policy refuses (at subscribe or at connect time), a certificate
// that does not verify, a host name that does not exist.
func Retryable(err error) bool {
	var (
		se   *StatusError
		sube *SubscriptionError
		cve  *tls.CertificateVerificationError
		uae  x509.UnknownAuthorityError
		hne  x509.HostnameError
		cie  x509.CertificateInvalidError
		dnse *net.DNSError
	)
	switch {
	case err == nil:
		return false
	case errors.As(err, &se):
		return se.Status == http.StatusTooManyRequests || se.Status >= 500
	case errors.As(err, &sube), errors.Is(err, ErrPayloadTooLarge), errors.Is(err, context.Canceled),
		errors.As(err, &cve), errors.As(err, &uae), errors.As(err, &hne), errors.As(err, &cie):
		return false
	case errors.As(err, &dnse):
		return !dnse.IsNotFound
	}
	return true
}

func retryable(err error) bool { return Retryable(err) }

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
				dctx, cancel := context.WithTimeout(ctx, s.deliveryTime)
				_, err := s.send(dctx, subs[i], &msg, ttl)
				cancel()
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
