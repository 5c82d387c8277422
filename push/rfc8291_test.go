package push

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"testing"
)

// RFC 8291 §5 and Appendix A: every input of the worked example.
const (
	rfcPlaintext = "When I grow up, I want to be a watermelon"
	rfcUAPublic  = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
	rfcUAPrivate = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"
	rfcAuth      = "BTBZMqHH6r4Tts7J_aSIgg"
	rfcASPublic  = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"
	rfcASPrivate = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
	rfcSalt      = "DGv6ra1nlYgDCS1FRnbzlw"
	rfcBody      = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
)

func mustB64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
	return b
}

func rfcSubscription() Subscription {
	var s Subscription
	s.Endpoint = "https://push.example.net/push/JzLQ3raZJfFBR0aqvOMsLrt54w4rJUsV"
	s.Keys.P256dh = rfcUAPublic
	s.Keys.Auth = rfcAuth
	return s
}

func TestEncryptRFC8291AppendixA(t *testing.T) {
	asKey, err := ecdh.P256().NewPrivateKey(mustB64(t, rfcASPrivate))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := asKey.PublicKey().Bytes(), mustB64(t, rfcASPublic); !bytes.Equal(got, want) {
		t.Fatalf("as_public from as_private differs from the RFC's")
	}
	got, err := Encrypt(rfcSubscription(), []byte(rfcPlaintext), withSalt(mustB64(t, rfcSalt)), withKey(asKey))
	if err != nil {
		t.Fatal(err)
	}
	if want := mustB64(t, rfcBody); !bytes.Equal(got, want) {
		t.Errorf("body\n got %s\nwant %s", base64.RawURLEncoding.EncodeToString(got), rfcBody)
	}
}

// TestDecryptRFC8291AppendixA decrypts the RFC's body with the user agent's
// private key, written from RFC 8291 §3.4 as a receiver would, without the
// sender's helpers.
func TestDecryptRFC8291AppendixA(t *testing.T) {
	got, err := decryptForTest(mustB64(t, rfcBody), mustB64(t, rfcUAPrivate), mustB64(t, rfcAuth))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != rfcPlaintext {
		t.Errorf("plaintext = %q, want %q", got, rfcPlaintext)
	}
}

func TestEncryptRoundTrip(t *testing.T) {
	ua, err := ecdh.P256().GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	var sub Subscription
	sub.Keys.P256dh = base64.RawURLEncoding.EncodeToString(ua.PublicKey().Bytes())
	auth := bytes.Repeat([]byte{7}, 16)
	sub.Keys.Auth = base64.RawURLEncoding.EncodeToString(auth)
	for _, tc := range []struct {
		name string
		msg  []byte
		pad  int
	}{
		{"empty", nil, 0},
		{"short", []byte("hi"), 0},
		{"padded", []byte("hi"), 100},
		{"max", bytes.Repeat([]byte{'x'}, MaxPayload), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, err := Encrypt(sub, tc.msg, WithPadding(tc.pad))
			if err != nil {
				t.Fatal(err)
			}
			if len(body) > recordSize {
				t.Errorf("body is %d bytes, more than %d", len(body), recordSize)
			}
			got, err := decryptForTest(body, ua.Bytes(), auth)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.msg) {
				t.Errorf("round trip changed the message")
			}
		})
	}
}

func TestEncryptTooLarge(t *testing.T) {
	if MaxPayload != 3993 {
		t.Errorf("MaxPayload = %d, want 3993 (RFC 8291 §4)", MaxPayload)
	}
	_, err := Encrypt(rfcSubscription(), make([]byte, MaxPayload+1))
	if !errors.Is(err, ErrPayloadTooLarge) {
		t.Errorf("err = %v, want ErrPayloadTooLarge", err)
	}
	_, err = Encrypt(rfcSubscription(), make([]byte, MaxPayload-10), WithPadding(11))
	if !errors.Is(err, ErrPayloadTooLarge) {
		t.Errorf("with padding: err = %v, want ErrPayloadTooLarge", err)
	}
}

func TestEncryptFreshKeyAndSalt(t *testing.T) {
	a, err := Encrypt(rfcSubscription(), []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Encrypt(rfcSubscription(), []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a[:16], b[:16]) || bytes.Equal(a[21:86], b[21:86]) {
		t.Error("two encryptions share a salt or an ephemeral key")
	}
}

// decryptForTest is a receiver written separately from the sender's code.
func decryptForTest(body, uaPrivate, auth []byte) ([]byte, error) {
	if len(body) < 86 || body[20] != 65 {
		return nil, errors.New("bad header")
	}
	salt, asPublic, ct := body[:16], body[21:86], body[86:]
	ua, err := ecdh.P256().NewPrivateKey(uaPrivate)
	if err != nil {
		return nil, err
	}
	as, err := ecdh.P256().NewPublicKey(asPublic)
	if err != nil {
		return nil, err
	}
	secret, err := ua.ECDH(as)
	if err != nil {
		return nil, err
	}
	info := append(append([]byte("WebPush: info\x00"), ua.PublicKey().Bytes()...), asPublic...)
	ikm, err := hkdf.Key(sha256.New, secret, auth, string(info), 32)
	if err != nil {
		return nil, err
	}
	cek, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	nonce, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
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
	if i < 0 || pt[i] != 2 {
		return nil, errors.New("no last-record delimiter")
	}
	return pt[:i], nil
}
