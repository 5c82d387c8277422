package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/swkit/swkit/internal/demo"
	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/sqlite"
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
		url, out, errOut, stop := startCommandStreams(t, "demo", "--addr", "127.0.0.1:0", "--db", db)
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
		stop()
		return key.PublicKey, out.String() + errOut.String()
	}
	first, out := publicKey()
	if !strings.Contains(out, "VAPID keys kept in "+db) {
		t.Errorf("the demo does not say where the keys are:\n%s", out)
	}
	stored := storedDemoKeys(t, db)
	if stored.Public != first {
		t.Errorf("the demo serves public key %s, its store keeps %s", first, stored.Public)
	}
	second, out2 := publicKey()
	for _, printed := range []string{out, out2} {
		if strings.Contains(printed, stored.Public) || strings.Contains(printed, stored.Private) {
			t.Errorf("stdout or stderr shows a key:\n%s", printed)
		}
	}
	if second != first {
		t.Errorf("the second run has public key %s, the first had %s: subscriptions would break", second, first)
	}
}

// TestDemoDefaultStore: with no --db, the demo keeps its keys and votes in
// demo.db in the user's cache folder, never in the folder it runs from.
func TestDemoDefaultStore(t *testing.T) {
	for _, env := range []string{envPublicKey, envPrivateKey, envSubject, envDB} {
		t.Setenv(env, "")
	}
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	cwd := t.TempDir()
	t.Chdir(cwd)
	_, out, stop := startCommandOut(t, "demo", "--addr", "127.0.0.1:0")
	stop()
	want := filepath.Join(cache, "swkit", "demo.db")
	if !strings.Contains(out.String(), "VAPID keys kept in "+want) || !strings.Contains(out.String(), "kept in "+want+": restart") {
		t.Errorf("the demo does not name %s for its keys and votes:\n%s", want, out)
	}
	if keys := storedDemoKeys(t, want); keys.Public == "" {
		t.Error("no keys in the default store")
	}
	if entries, _ := os.ReadDir(cwd); len(entries) > 0 {
		t.Errorf("the demo wrote %s into the folder it runs from", entries[0].Name())
	}
}

// storedDemoKeys reads the demo's keys from the SQLite file db.
func storedDemoKeys(t *testing.T, db string) push.VAPIDKeys {
	t.Helper()
	st, err := sqlite.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// VAPIDKeys returns the stored pair when there is one.
	keys, err := demo.VAPIDKeys(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}
