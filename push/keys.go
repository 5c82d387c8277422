package push

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"time"
)

// b64 is the unpadded base64url encoding that browsers (PushSubscription,
// applicationServerKey) and RFC 8292 §3.2 use for keys.
var b64 = base64.RawURLEncoding

// decodeB64 accepts unpadded base64url and, leniently, padded input, since
// some stores and older libraries keep the padding.
func decodeB64(s string) ([]byte, error) {
	for len(s) > 0 && s[len(s)-1] == '=' {
		s = s[:len(s)-1]
	}
	return b64.DecodeString(s)
}

// VAPIDKeys is a VAPID key pair in the text form browsers and other push
// libraries use: unpadded base64url of the 65-byte uncompressed P-256 point
// (Public, what a page passes as applicationServerKey) and of the 32-byte
// private scalar (Private, a secret).
type VAPIDKeys struct {
	Public  string `json:"publicKey"`
	Private string `json:"privateKey"`
}

// GenerateVAPIDKeys makes a new P-256 key pair for VAPID.
func GenerateVAPIDKeys() (VAPIDKeys, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return VAPIDKeys{}, fmt.Errorf("push: generate vapid keys: %w", err)
	}
	priv, err := k.Bytes()
	if err != nil {
		return VAPIDKeys{}, fmt.Errorf("push: generate vapid keys: %w", err)
	}
	pub, err := k.PublicKey.Bytes()
	if err != nil {
		return VAPIDKeys{}, fmt.Errorf("push: generate vapid keys: %w", err)
	}
	return VAPIDKeys{Public: b64.EncodeToString(pub), Private: b64.EncodeToString(priv)}, nil
}

// VAPID is an application server identity (RFC 8292): the signing key and a
// cache of signed tokens, one per push service origin. Keep one for the
// life of the process; it is safe for concurrent use.
type VAPID struct {
	key    *ecdsa.PrivateKey
	public string // base64url of the uncompressed public point, the k= parameter

	now func() time.Time // clock seam for tests

	mu     sync.Mutex
	tokens map[tokenKey]token
	signs  int // tokens signed, for tests
}

// ParseVAPIDKeys reads a key pair in the form [GenerateVAPIDKeys] produces and
// checks that the public key belongs to the private one, so a pasted
// mismatch fails at startup rather than as 403s from every push service.
func ParseVAPIDKeys(public, private string) (*VAPID, error) {
	pubBytes, err := decodeB64(public)
	if err != nil {
		return nil, &KeyError{"public", fmt.Errorf("not base64url: %w", err)}
	}
	if len(pubBytes) != 65 || pubBytes[0] != 4 {
		return nil, &KeyError{"public", fmt.Errorf("want a 65-byte uncompressed P-256 point, got %d bytes", len(pubBytes))}
	}
	privBytes, err := decodeB64(private)
	if err != nil {
		return nil, &KeyError{"private", fmt.Errorf("not base64url: %w", err)}
	}
	if len(privBytes) != 32 {
		return nil, &KeyError{"private", fmt.Errorf("want 32 bytes, got %d", len(privBytes))}
	}
	key, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), privBytes)
	if err != nil {
		return nil, &KeyError{"private", err}
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), pubBytes)
	if err != nil {
		return nil, &KeyError{"public", err}
	}
	if !key.PublicKey.Equal(pub) {
		return nil, &KeyError{"public", errors.New("does not match the private key")}
	}
	return &VAPID{key: key, public: b64.EncodeToString(pubBytes), now: time.Now}, nil
}

// PublicKey returns the base64url public key, the applicationServerKey a
// page passes to pushManager.subscribe.
func (v *VAPID) PublicKey() string { return v.public }

// keys checks the subscription's keys and returns them decoded.
func (s *Subscription) keys() (*ecdh.PublicKey, []byte, error) {
	uaPublic, err := parseUAPublic(s.Keys.P256dh)
	if err != nil {
		return nil, nil, &SubscriptionError{Field: "keys.p256dh", Err: err}
	}
	auth, err := parseAuth(s.Keys.Auth)
	if err != nil {
		return nil, nil, &SubscriptionError{Field: "keys.auth", Err: err}
	}
	return uaPublic, auth, nil
}

// parseUAPublic checks a p256dh value: a 65-byte uncompressed point on P-256
// (RFC 8291 §3.1; ecdh.NewPublicKey rejects points off the curve and the
// point at infinity).
func parseUAPublic(s string) (*ecdh.PublicKey, error) {
	b, err := decodeB64(s)
	if err != nil {
		return nil, fmt.Errorf("not base64url: %w", err)
	}
	if len(b) != 65 || b[0] != 4 {
		return nil, fmt.Errorf("want a 65-byte uncompressed P-256 point, got %d bytes", len(b))
	}
	return ecdh.P256().NewPublicKey(b)
}

// parseAuth checks an auth secret: 16 bytes (RFC 8291 §3.2).
func parseAuth(s string) ([]byte, error) {
	b, err := decodeB64(s)
	if err != nil {
		return nil, fmt.Errorf("not base64url: %w", err)
	}
	if len(b) != 16 {
		return nil, fmt.Errorf("want 16 bytes, got %d", len(b))
	}
	return b, nil
}
