package push

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"
)

func newTestVAPID(t testing.TB) *VAPID {
	t.Helper()
	keys, err := GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	v, err := ParseVAPIDKeys(keys.Public, keys.Private)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestGenerateVAPIDKeys(t *testing.T) {
	keys, err := GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	pub, priv := mustB64(t, keys.Public), mustB64(t, keys.Private)
	if len(pub) != 65 || pub[0] != 4 {
		t.Errorf("public key: %d bytes starting %#x, want 65 starting 0x04", len(pub), pub[0])
	}
	if len(priv) != 32 {
		t.Errorf("private key: %d bytes, want 32", len(priv))
	}
	if strings.ContainsAny(keys.Public+keys.Private, "=+/") {
		t.Errorf("keys are not unpadded base64url: %+v", keys)
	}
	v, err := ParseVAPIDKeys(keys.Public, keys.Private)
	if err != nil {
		t.Fatal(err)
	}
	if v.PublicKey() != keys.Public {
		t.Errorf("PublicKey() = %q, want %q", v.PublicKey(), keys.Public)
	}
}

func TestParseVAPIDKeysErrors(t *testing.T) {
	a, _ := GenerateVAPIDKeys()
	b, _ := GenerateVAPIDKeys()
	for _, tc := range []struct {
		name, pub, priv, key, want string
	}{
		{"mismatch", a.Public, b.Private, "public", "does not match"},
		{"public not base64", "!!", a.Private, "public", "not base64url"},
		{"public short", a.Public[:40], a.Private, "public", "65-byte"},
		{"private short", a.Public, a.Private[:20], "private", "32 bytes"},
		{"private zero", a.Public, strings.Repeat("A", 43), "private", "private key"},
		{"public off curve", "BA" + strings.Repeat("A", 85), a.Private, "public", "public key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseVAPIDKeys(tc.pub, tc.priv)
			ke, ok := errors.AsType[*KeyError](err)
			if !ok || ke.Key != tc.key || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want a *KeyError for the %s key containing %q", err, tc.key, tc.want)
			}
		})
	}
}

// TestVAPIDToken checks the token as a push service would, from RFC 8292
// and RFC 7515 directly, without the signing code.
func TestVAPIDToken(t *testing.T) {
	v := newTestVAPID(t)
	now := time.Unix(1_700_000_000, 0)
	v.now = func() time.Time { return now }
	h, err := v.authorization("https://push.example.net", "mailto:ops@example.com", tokenLifetime)
	if err != nil {
		t.Fatal(err)
	}
	rest, ok := strings.CutPrefix(h, "vapid t=")
	if !ok {
		t.Fatalf("header %q does not start with vapid t=", h)
	}
	jwt, k, ok := strings.Cut(rest, ", k=")
	if !ok || k != v.PublicKey() {
		t.Fatalf("header %q: want , k=%s", h, v.PublicKey())
	}
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("JWT has %d parts", len(parts))
	}
	var hdr map[string]string
	if err := json.Unmarshal(mustB64(t, parts[0]), &hdr); err != nil {
		t.Fatal(err)
	}
	if hdr["alg"] != "ES256" || hdr["typ"] != "JWT" {
		t.Errorf("header = %v", hdr)
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), mustB64(t, k))
	if err != nil {
		t.Fatal(err)
	}
	sig := mustB64(t, parts[2])
	if len(sig) != 64 {
		t.Fatalf("signature is %d bytes, want 64 (R||S)", len(sig))
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		t.Error("signature does not verify")
	}
	var claims struct {
		Aud string `json:"aud"`
		Exp int64  `json:"exp"`
		Sub string `json:"sub"`
	}
	if err := json.Unmarshal(mustB64(t, parts[1]), &claims); err != nil {
		t.Fatal(err)
	}
	if claims.Aud != "https://push.example.net" {
		t.Errorf("aud = %q", claims.Aud)
	}
	if claims.Sub != "mailto:ops@example.com" {
		t.Errorf("sub = %q", claims.Sub)
	}
	if exp := time.Unix(claims.Exp, 0); !exp.After(now) || exp.Sub(now) > 24*time.Hour {
		t.Errorf("exp = %v, want within 24 h after %v", exp, now)
	}
	if strings.ContainsAny(jwt+k, "=+/") {
		t.Errorf("token or key is not unpadded base64url: %q", h)
	}
}

func TestVAPIDTokenReuse(t *testing.T) {
	v := newTestVAPID(t)
	now := time.Unix(1_700_000_000, 0)
	var mu sync.Mutex
	v.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	const aud, sub = "https://push.example.net", "mailto:ops@example.com"
	first, err := v.authorization(aud, sub, tokenLifetime)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			if h, _ := v.authorization(aud, sub, tokenLifetime); h != first {
				t.Error("token changed within its lifetime")
			}
		})
	}
	wg.Wait()
	if v.signs != 1 {
		t.Errorf("signed %d tokens for one audience, want 1", v.signs)
	}
	if _, err := v.authorization("https://other.example.org", sub, tokenLifetime); err != nil {
		t.Fatal(err)
	}
	if v.signs != 2 {
		t.Errorf("signed %d tokens for two audiences, want 2", v.signs)
	}

	advance(tokenLifetime - tokenRenewBefore - time.Second)
	if h, _ := v.authorization(aud, sub, tokenLifetime); h != first {
		t.Error("token replaced more than an hour before expiry")
	}
	advance(2 * time.Second)
	if h, _ := v.authorization(aud, sub, tokenLifetime); h == first {
		t.Error("token not replaced within an hour of expiry")
	}
	if v.signs != 3 {
		t.Errorf("signs = %d, want 3", v.signs)
	}
}

func TestAudience(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://fcm.googleapis.com/fcm/send/abc", "https://fcm.googleapis.com"},
		{"https://Push.Example.NET:443/x", "https://push.example.net"},
		{"https://push.example.net:8443/x", "https://push.example.net:8443"},
		{"http://127.0.0.1:9000/push/x", "http://127.0.0.1:9000"},
		{"https://[2001:db8::1]:443/x", "https://[2001:db8::1]"},
	} {
		u := mustURL(t, tc.in)
		if got := audience(u); got != tc.want {
			t.Errorf("audience(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCheckSubject(t *testing.T) {
	for _, tc := range []struct {
		sub string
		ok  bool
	}{
		{"mailto:ops@example.com", true},
		{"https://example.com/contact", true},
		{"", false},
		{"ops@example.com", false},
		{"mailto:", false},
		{"http://example.com", false},
		{"https://", false},
	} {
		if err := checkSubject(tc.sub); (err == nil) != tc.ok {
			t.Errorf("checkSubject(%q) = %v, want ok=%v", tc.sub, err, tc.ok)
		}
	}
}

// TestVAPIDTokenCacheBounded: a token per push service origin is cached,
// and anyone who can subscribe chooses origins, so the cache has a bound:
// 3,000 origins leave at most maxTokens entries, and a cached origin keeps
// working.
func TestVAPIDTokenCacheBounded(t *testing.T) {
	v := newTestVAPID(t)
	for i := range 3000 {
		if _, err := v.authorization(fmt.Sprintf("https://push%d.example.net", i), "mailto:ops@example.com", tokenLifetime); err != nil {
			t.Fatal(err)
		}
	}
	v.mu.Lock()
	n := len(v.tokens)
	v.mu.Unlock()
	if n > maxTokens {
		t.Errorf("%d tokens cached after 3,000 origins, want at most %d", n, maxTokens)
	}
	if _, err := v.authorization("https://push1.example.net", "mailto:ops@example.com", tokenLifetime); err != nil {
		t.Error(err)
	}
}
