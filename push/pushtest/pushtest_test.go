package pushtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/swkit/swkit/push"
)

var b64 = base64.RawURLEncoding

// jwt builds a token by hand, so each check can be broken on purpose.
func jwt(t *testing.T, key *ecdsa.PrivateKey, alg string, claims map[string]any) string {
	t.Helper()
	h, _ := json.Marshal(map[string]string{"typ": "JWT", "alg": alg})
	c, _ := json.Marshal(claims)
	input := b64.EncodeToString(h) + "." + b64.EncodeToString(c)
	d := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, key, d[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + b64.EncodeToString(sig)
}

func TestServerRejects(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	sub := NewSubscription(srv)
	body, err := push.Encrypt(sub, []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pub, _ := key.PublicKey.Bytes()
	k := b64.EncodeToString(pub)
	now := time.Now()
	good := map[string]any{"aud": srv.URL, "exp": now.Add(time.Hour).Unix(), "sub": "mailto:a@example.com"}
	with := func(name string, v any) map[string]any {
		m := map[string]any{}
		for k, v := range good {
			m[k] = v
		}
		if v == nil {
			delete(m, name)
		} else {
			m[name] = v
		}
		return m
	}
	tamper := func(b []byte) []byte { b = bytes.Clone(b); b[len(b)-1] ^= 1; return b }

	for _, tc := range []struct {
		name   string
		auth   string
		body   []byte
		header map[string]string
		want   int
	}{
		{"valid", "vapid t=" + jwt(t, key, "ES256", good) + ", k=" + k, body, nil, 201},
		{"signed by another key", "vapid t=" + jwt(t, other, "ES256", good) + ", k=" + k, body, nil, 401},
		{"alg none", "vapid t=" + jwt(t, key, "none", good) + ", k=" + k, body, nil, 401},
		{"wrong aud", "vapid t=" + jwt(t, key, "ES256", with("aud", "https://elsewhere.example")) + ", k=" + k, body, nil, 401},
		{"expired", "vapid t=" + jwt(t, key, "ES256", with("exp", now.Add(-time.Minute).Unix())) + ", k=" + k, body, nil, 401},
		{"exp over 24h", "vapid t=" + jwt(t, key, "ES256", with("exp", now.Add(25*time.Hour).Unix())) + ", k=" + k, body, nil, 401},
		{"no sub", "vapid t=" + jwt(t, key, "ES256", with("sub", nil)) + ", k=" + k, body, nil, 401},
		{"no k", "vapid t=" + jwt(t, key, "ES256", good), body, nil, 401},
		{"bearer scheme", "Bearer " + jwt(t, key, "ES256", good), body, nil, 401},
		{"tampered body", "vapid t=" + jwt(t, key, "ES256", good) + ", k=" + k, tamper(body), nil, 400},
		{"no TTL", "vapid t=" + jwt(t, key, "ES256", good) + ", k=" + k, body, map[string]string{"TTL": ""}, 400},
		{"bad urgency", "vapid t=" + jwt(t, key, "ES256", good) + ", k=" + k, body, map[string]string{"Urgency": "now"}, 400},
		{"aesgcm encoding", "vapid t=" + jwt(t, key, "ES256", good) + ", k=" + k, body, map[string]string{"Content-Encoding": "aesgcm"}, 415},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", sub.Endpoint, bytes.NewReader(tc.body))
			req.Header.Set("Authorization", tc.auth)
			req.Header.Set("TTL", "60")
			req.Header.Set("Content-Encoding", "aes128gcm")
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("status = %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || string(msgs[0].Plaintext) != "hello" || msgs[0].VAPIDKey != k {
		t.Errorf("messages = %+v, want the one valid request", msgs)
	}
	if got := len(srv.Rejections()); got != 12 {
		t.Errorf("rejections = %d, want 12", got)
	}
}

func TestRespondScript(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	sub := NewSubscription(srv)
	srv.Respond(sub.Endpoint, Response{Status: 500, Times: 2})
	srv.Respond(sub.Endpoint, Response{Status: 429, RetryAfter: "3", Times: 1})
	var got []int
	for range 4 {
		r, ok := srv.scripted(srv.path(sub.Endpoint))
		if !ok {
			got = append(got, 201)
			continue
		}
		got = append(got, r.Status)
	}
	want := []int{500, 500, 429, 201}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("answers = %v, want %v", got, want)
		}
	}
}
