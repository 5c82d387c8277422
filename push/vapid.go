package push

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

const (
	// tokenLifetime is how long a signed token is valid. RFC 8292 §2 caps
	// exp at 24 hours from the request; 12 hours leaves room for clock skew
	// between us and the push service.
	tokenLifetime = 12 * time.Hour
	// tokenRenewBefore is how long before expiry a cached token is replaced,
	// so that no request carries a token about to lapse in flight.
	tokenRenewBefore = time.Hour
	// maxTokenLifetime is RFC 8292 §2's limit; minTokenLifetime keeps
	// tokens from being signed for nearly every message.
	maxTokenLifetime = 24 * time.Hour
	minTokenLifetime = 10 * time.Minute
	// maxTokens bounds the token cache: one entry per push service origin
	// a Sender has posted to, and anyone who can subscribe chooses origins.
	maxTokens = 1024
)

type tokenKey struct {
	aud, sub string
	lifetime time.Duration
}

type token struct {
	header string // the whole Authorization value
	exp    time.Time
}

// authorization returns the Authorization header value for a request to
// the push service at origin aud (RFC 8292 §3: "vapid t=<jwt>, k=<key>").
// Tokens are cached per (audience, subject) and reused until an hour
// (a twelfth of a shorter lifetime) before they expire: signing once per
// push service, not once per message.
func (v *VAPID) authorization(aud, sub string, lifetime time.Duration) (string, error) {
	now := v.now()
	k := tokenKey{aud, sub, lifetime}
	renew := min(tokenRenewBefore, lifetime/12)
	v.mu.Lock()
	defer v.mu.Unlock()
	if t, ok := v.tokens[k]; ok && now.Before(t.exp.Add(-renew)) {
		return t.header, nil
	}
	exp := now.Add(lifetime)
	jwt, err := v.sign(aud, sub, exp)
	if err != nil {
		return "", err
	}
	if v.tokens == nil {
		v.tokens = make(map[tokenKey]token)
	}
	if len(v.tokens) >= maxTokens {
		v.evictTokens(now)
	}
	h := "vapid t=" + jwt + ", k=" + v.public
	v.tokens[k] = token{header: h, exp: exp}
	v.signs++
	return h, nil
}

// evictTokens makes room in a full cache: the expired tokens go, and if
// that is not enough, an arbitrary half (map order), which at worst costs
// a signature each later.
func (v *VAPID) evictTokens(now time.Time) {
	for k, t := range v.tokens {
		if !now.Before(t.exp) {
			delete(v.tokens, k)
		}
	}
	for k := range v.tokens {
		if len(v.tokens) < maxTokens/2 {
			break
		}
		delete(v.tokens, k)
	}
}

// jwtHeader is the fixed JOSE header, base64url-encoded once.
var jwtHeader = b64.EncodeToString([]byte(`{"typ":"JWT","alg":"ES256"}`))

// sign makes an ES256 JWT (RFC 7515/7519) with the claims RFC 8292 §2
// requires: aud, exp and sub.
func (v *VAPID) sign(aud, sub string, exp time.Time) (string, error) {
	claims, err := json.Marshal(struct {
		Aud string `json:"aud"`
		Exp int64  `json:"exp"`
		Sub string `json:"sub"`
	}{aud, exp.Unix(), sub})
	if err != nil {
		return "", err
	}
	input := jwtHeader + "." + b64.EncodeToString(claims)
	digest := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, v.key, digest[:])
	if err != nil {
		return "", fmt.Errorf("sign vapid token: %w", err)
	}
	// JWS ES256 signatures are R||S as two 32-byte big-endian integers
	// (RFC 7518 §3.4), not the ASN.1 DER that crypto/ecdsa's SignASN1 makes.
	var sig [64]byte
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + b64.EncodeToString(sig[:]), nil
}

// checkSubject validates the sub claim: RFC 8292 §2.1 asks for a mailto: or
// https: URI a push service operator can use to reach us.
func checkSubject(sub string) error {
	if sub == "" {
		return &OptionError{"Subject", errors.New("required: a mailto: or https: URI (RFC 8292 §2.1)")}
	}
	u, err := url.Parse(sub)
	if err != nil {
		return &OptionError{"Subject", err}
	}
	switch strings.ToLower(u.Scheme) {
	case "mailto":
		if u.Opaque == "" || !strings.Contains(u.Opaque, "@") {
			return &OptionError{"Subject", fmt.Errorf("want mailto:user@host, got %q", sub)}
		}
	case "https":
		if u.Host == "" {
			return &OptionError{"Subject", fmt.Errorf("want an absolute https URL, got %q", sub)}
		}
	default:
		return &OptionError{"Subject", fmt.Errorf("want a mailto: or https: URI, got %q", sub)}
	}
	return nil
}

// audience is the origin of a push endpoint, the aud claim (RFC 8292 §2).
// A default port is dropped, as in the serialisation of an origin (RFC 6454
// §6.1), so that https://h:443/x and https://h/x share one token.
func audience(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Host)
	if p := u.Port(); (scheme == "https" && p == "443") || (scheme == "http" && p == "80") {
		host = strings.ToLower(u.Hostname())
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
	}
	return scheme + "://" + host
}
