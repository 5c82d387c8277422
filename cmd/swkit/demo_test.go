package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestDemoPushWithoutSetup: swkit demo with no keys configured has push on:
// it makes VAPID keys on its first run, keeps them in its store (never
// printing them) and uses the same ones on the next run, and the page
// offers notifications from the start.
func TestDemoPushWithoutSetup(t *testing.T) {
	for _, env := range []string{envPublicKey, envPrivateKey, envSubject, envDB} {
		t.Setenv(env, "")
	}
	db := filepath.Join(t.TempDir(), "demo.db")
	publicKey := func() (string, string) {
		t.Helper()
		url, out, stop := startCommandOut(t, "demo", "--addr", "127.0.0.1:0", "--db", db)
		defer stop()
		_, body := get(t, url+"swkit/push/public-key")
		var key struct {
			PublicKey string `json:"publicKey"`
		}
		if err := json.Unmarshal(body, &key); err != nil || key.PublicKey == "" {
			t.Fatalf("GET /swkit/push/public-key: %s (%v)", body, err)
		}
		if _, page := get(t, url); !strings.Contains(string(page), `<meta name="swkit-push" content="on">`) {
			t.Error("the demo page does not offer push")
		}
		return key.PublicKey, out.String()
	}
	first, out := publicKey()
	if !strings.Contains(out, "VAPID keys kept in "+db) {
		t.Errorf("stdout does not say where the keys are:\n%s", out)
	}
	if strings.Contains(out, first) || strings.Contains(strings.ToLower(out), "private") {
		t.Errorf("stdout shows a key:\n%s", out)
	}
	second, _ := publicKey()
	if second != first {
		t.Errorf("the second run has public key %s, the first had %s: subscriptions would break", second, first)
	}
}
