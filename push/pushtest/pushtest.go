// Package pushtest is a fake push service for tests: an HTTP server on
// 127.0.0.1 that checks what a push.Sender posts the way a real push
// service would (the VAPID token of RFC 8292, the aes128gcm body of RFC
// 8291, the RFC 8030 headers), decrypts each message with the subscription's
// private key and records it, and can be told to answer an endpoint with an
// error status.
//
// Its endpoints are http://127.0.0.1 URLs, so a Sender under test needs
// push.SenderOptions{AllowPrivate: true}.
//
// The checks here are written from the RFCs separately from package push,
// so that a shared misreading does not pass unnoticed.
package pushtest

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/swkit/swkit/push"
)

// Message is a push message the server accepted.
type Message struct {
	Endpoint  string
	TTL       int    // seconds, from the TTL header
	Urgency   string // empty when the header was absent
	Topic     string
	Plaintext []byte
	// VAPIDKey is the k= public key; Subject the token's sub claim.
	VAPIDKey string
	Subject  string
}

// Response is a scripted answer for one endpoint.
type Response struct {
	Status     int
	RetryAfter string // Retry-After header value, if any
	Body       string
	// Times is how many requests get this answer before the next scripted
	// one (or normal service); 0 means every request from now on.
	Times int
}

// Server is a fake push service. Create it with NewServer and Close it.
type Server struct {
	// URL is the server's origin, http://127.0.0.1:port.
	URL string
	srv *httptest.Server

	mu          sync.Mutex
	subs        map[string]*subscriber // by endpoint path
	scripts     map[string][]Response  // by endpoint path
	msgs        []Message
	rejections  []error
	requests    int
	inFlight    int
	maxInFlight int
	conns       int
	delay       time.Duration
	requireKey  string
	now         func() time.Time
}

type subscriber struct {
	key  *ecdh.PrivateKey
	auth []byte
}

// NewServer starts a fake push service on 127.0.0.1.
func NewServer() *Server {
	s := &Server{
		subs:    make(map[string]*subscriber),
		scripts: make(map[string][]Response),
		now:     time.Now,
	}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	s.srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.mu.Lock()
			s.conns++
			s.mu.Unlock()
		}
	}
	s.srv.Start()
	s.URL = s.srv.URL
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Tarpit accepts connections on ln and never answers them, as a push
// service that hangs does, holding them open until ln is closed. The
// function it returns counts the connections accepted so far.
func Tarpit(ln net.Listener) (accepted func() int) {
	var n atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			defer c.Close() // held open, never answered, until ln closes
		}
	}()
	return func() int { return int(n.Load()) }
}

// NewSubscription makes a subscription on s, with a fresh P-256 key pair
// and auth secret like a browser's; s keeps the private key to decrypt.
func NewSubscription(s *Server) push.Subscription {
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	auth := make([]byte, 16)
	rand.Read(auth)
	id := make([]byte, 18)
	rand.Read(id)
	path := "/push/" + base64.RawURLEncoding.EncodeToString(id)

	s.mu.Lock()
	s.subs[path] = &subscriber{key: key, auth: auth}
	s.mu.Unlock()

	var sub push.Subscription
	sub.Endpoint = s.URL + path
	sub.Keys.P256dh = base64.RawURLEncoding.EncodeToString(key.PublicKey().Bytes())
	sub.Keys.Auth = base64.RawURLEncoding.EncodeToString(auth)
	return sub
}

// Respond scripts the answers for an endpoint: each call queues r after
// those already queued.
func (s *Server) Respond(endpoint string, r Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.path(endpoint)
	s.scripts[p] = append(s.scripts[p], r)
}

// SetDelay makes every request take at least d, so that requests overlap.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	s.delay = d
	s.mu.Unlock()
}

// SetClock replaces the clock the server checks token expiry against, for
// tests that move a Sender's clock.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	s.now = now
	s.mu.Unlock()
}

// RequireKey makes the server refuse tokens signed by any VAPID key but
// this one (base64url), as for subscriptions made with an
// applicationServerKey (RFC 8292 §4.2).
func (s *Server) RequireKey(publicKey string) {
	s.mu.Lock()
	s.requireKey = publicKey
	s.mu.Unlock()
}

// Messages returns the messages accepted so far, in arrival order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Rejections returns why requests were refused (bad token, bad body, bad
// headers); a correct Sender causes none.
func (s *Server) Rejections() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.rejections...)
}

// Requests counts the requests received.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Connections counts the TCP connections accepted, to show that a sender
// keeps them alive.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// MaxInFlight is the largest number of requests handled at once.
func (s *Server) MaxInFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxInFlight
}

func (s *Server) path(endpoint string) string {
	return strings.TrimPrefix(endpoint, s.URL)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	s.inFlight++
	s.maxInFlight = max(s.maxInFlight, s.inFlight)
	delay := s.delay
	sub := s.subs[r.URL.Path]
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
	}()
	if delay > 0 {
		time.Sleep(delay)
	}

	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	if sub == nil {
		http.Error(w, "no such subscription", http.StatusNotFound)
		return
	}
	msg, status, err := s.check(r, body, sub)
	if err != nil {
		s.mu.Lock()
		s.rejections = append(s.rejections, err)
		s.mu.Unlock()
		http.Error(w, err.Error(), status)
		return
	}
	if resp, ok := s.scripted(r.URL.Path); ok {
		if resp.RetryAfter != "" {
			w.Header().Set("Retry-After", resp.RetryAfter)
		}
		w.WriteHeader(resp.Status)
		io.WriteString(w, resp.Body)
		return
	}
	s.mu.Lock()
	s.msgs = append(s.msgs, msg)
	n := len(s.msgs)
	s.mu.Unlock()
	// RFC 8030 §5: 201 Created with the push message resource.
	w.Header().Set("Location", s.URL+"/message/"+strconv.Itoa(n))
	w.WriteHeader(http.StatusCreated)
}

func (s *Server) scripted(path string) (Response, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.scripts[path]
	if len(q) == 0 {
		return Response{}, false
	}
	r := q[0]
	if r.Times > 0 {
		q[0].Times--
		if q[0].Times == 0 {
			s.scripts[path] = q[1:]
		}
	}
	return r, true
}

// check validates one request as a push service would and decrypts it.
func (s *Server) check(r *http.Request, body []byte, sub *subscriber) (Message, int, error) {
	msg := Message{Endpoint: s.URL + r.URL.Path}
	if r.Method != http.MethodPost {
		return msg, http.StatusMethodNotAllowed, fmt.Errorf("method %s, want POST", r.Method)
	}
	// RFC 8030 §5.2: TTL is required.
	ttl, err := strconv.Atoi(r.Header.Get("TTL"))
	if err != nil || ttl < 0 {
		return msg, http.StatusBadRequest, fmt.Errorf("TTL header %q: want a non-negative integer", r.Header.Get("TTL"))
	}
	msg.TTL = ttl
	msg.Urgency = r.Header.Get("Urgency")
	switch msg.Urgency {
	case "", "very-low", "low", "normal", "high":
	default:
		return msg, http.StatusBadRequest, fmt.Errorf("Urgency %q", msg.Urgency)
	}
	msg.Topic = r.Header.Get("Topic")
	if len(msg.Topic) > 32 || strings.Trim(msg.Topic, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		return msg, http.StatusBadRequest, fmt.Errorf("Topic %q", msg.Topic)
	}
	if ce := r.Header.Get("Content-Encoding"); ce != "aes128gcm" {
		return msg, http.StatusUnsupportedMediaType, fmt.Errorf("Content-Encoding %q, want aes128gcm", ce)
	}
	key, subject, err := s.checkVAPID(r.Header.Get("Authorization"))
	if err != nil {
		return msg, http.StatusUnauthorized, err
	}
	msg.VAPIDKey, msg.Subject = key, subject
	if len(body) > 4096 {
		return msg, http.StatusRequestEntityTooLarge, fmt.Errorf("body of %d bytes, more than 4096", len(body))
	}
	msg.Plaintext, err = decrypt(body, sub)
	if err != nil {
		return msg, http.StatusBadRequest, fmt.Errorf("decrypt: %w", err)
	}
	return msg, 0, nil
}

// checkVAPID verifies "vapid t=<jwt>, k=<key>" (RFC 8292 §3): an ES256
// signature by k over the token, aud our origin, exp in the future and at
// most 24 hours away, sub present. It returns k and sub.
func (s *Server) checkVAPID(h string) (key, subject string, err error) {
	scheme, params, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "vapid") {
		return "", "", fmt.Errorf("Authorization %q: want the vapid scheme", h)
	}
	var t string
	for _, p := range strings.Split(params, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(p), "=")
		switch name {
		case "t":
			t = value
		case "k":
			key = value
		}
	}
	if t == "" || key == "" {
		return "", "", errors.New("Authorization: want both t= and k=")
	}
	s.mu.Lock()
	want, now := s.requireKey, s.now()
	s.mu.Unlock()
	if want != "" && key != want {
		return "", "", errors.New("vapid: k= is not the subscription's application server key")
	}
	keyBytes, err := base64.RawURLEncoding.DecodeString(key)
	if err != nil {
		return "", "", fmt.Errorf("vapid: k=: %w", err)
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), keyBytes)
	if err != nil {
		return "", "", fmt.Errorf("vapid: k=: %w", err)
	}
	parts := strings.Split(t, ".")
	if len(parts) != 3 {
		return "", "", errors.New("vapid: t= is not a compact JWS")
	}
	var hdr struct{ Alg, Typ string }
	if err := decodeJSON(parts[0], &hdr); err != nil {
		return "", "", fmt.Errorf("vapid: JWT header: %w", err)
	}
	if hdr.Alg != "ES256" {
		return "", "", fmt.Errorf("vapid: alg %q, want ES256", hdr.Alg)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return "", "", errors.New("vapid: signature is not 64 bytes of base64url (R||S)")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	rr, ss := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(pub, digest[:], rr, ss) {
		return "", "", errors.New("vapid: bad signature")
	}
	var claims struct {
		Aud string `json:"aud"`
		Exp int64  `json:"exp"`
		Sub string `json:"sub"`
	}
	if err := decodeJSON(parts[1], &claims); err != nil {
		return "", "", fmt.Errorf("vapid: JWT claims: %w", err)
	}
	if claims.Aud != s.URL {
		return "", "", fmt.Errorf("vapid: aud %q, want %q", claims.Aud, s.URL)
	}
	exp := time.Unix(claims.Exp, 0)
	if !exp.After(now) {
		return "", "", fmt.Errorf("vapid: token expired at %v", exp)
	}
	if exp.Sub(now) > 24*time.Hour {
		return "", "", fmt.Errorf("vapid: exp %v is more than 24 hours away", exp)
	}
	if !strings.HasPrefix(claims.Sub, "mailto:") && !strings.HasPrefix(claims.Sub, "https:") {
		return "", "", fmt.Errorf("vapid: sub %q, want a mailto: or https: URI", claims.Sub)
	}
	return key, claims.Sub, nil
}

func decodeJSON(part string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// decrypt reverses RFC 8291 §3.4 and RFC 8188 for a single-record body.
func decrypt(body []byte, sub *subscriber) ([]byte, error) {
	if len(body) < 21 {
		return nil, errors.New("body shorter than the aes128gcm header")
	}
	salt := body[:16]
	rs := binary.BigEndian.Uint32(body[16:20])
	idlen := int(body[20])
	if idlen != 65 || len(body) < 21+idlen {
		return nil, fmt.Errorf("keyid of %d bytes, want the 65-byte sender key", idlen)
	}
	senderKey, err := ecdh.P256().NewPublicKey(body[21 : 21+idlen])
	if err != nil {
		return nil, fmt.Errorf("keyid: %w", err)
	}
	ct := body[21+idlen:]
	if rs < 18 || len(ct) > int(rs) {
		return nil, fmt.Errorf("one record expected: %d bytes of ciphertext, rs %d", len(ct), rs)
	}
	secret, err := sub.key.ECDH(senderKey)
	if err != nil {
		return nil, err
	}
	info := "WebPush: info\x00" + string(sub.key.PublicKey().Bytes()) + string(senderKey.Bytes())
	ikm, err := hkdf.Key(sha256.New, secret, sub.auth, info, 32)
	if err != nil {
		return nil, err
	}
	cek, err := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	if err != nil {
		return nil, err
	}
	nonce, err := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	pt, err := gcm.Open(nil, nonce, ct, nil)
	if err != nil {
		return nil, err
	}
	i := len(pt) - 1
	for i >= 0 && pt[i] == 0 {
		i--
	}
	if i < 0 || pt[i] != 0x02 {
		return nil, errors.New("last record lacks the 0x02 delimiter")
	}
	return pt[:i], nil
}
