package pushserver_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/push/pushapi"
	"github.com/swkit/swkit/push/pushserver"
	"github.com/swkit/swkit/push/pushtest"
)

func setEnv(t *testing.T, db string) push.VAPIDKeys {
	t.Helper()
	keys, err := push.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(pushserver.EnvDB, db)
	t.Setenv(pushserver.EnvPublicKey, keys.Public)
	t.Setenv(pushserver.EnvPrivateKey, keys.Private)
	t.Setenv(pushserver.EnvSubject, "mailto:ops@example.com")
	t.Setenv(pushserver.EnvPushToken, "a-token-of-sixteen-or-more")
	t.Setenv(pushserver.EnvPushProxy, "")
	return keys
}

// TestFromEnvEndToEnd: one call with the CLI's environment, one
// AllowPrivate, and a page's subscription posted over HTTP gets a
// campaign sent over HTTP, delivered by the worker Start runs.
func TestFromEnvEndToEnd(t *testing.T) {
	keys := setEnv(t, filepath.Join(t.TempDir(), "push.db"))
	svc := pushtest.NewServer() // http on 127.0.0.1: needs AllowPrivate on both checks
	defer svc.Close()

	cfg := pushserver.FromEnv()
	cfg.AllowPrivate = true
	p, err := pushserver.New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/swkit/push/", http.StripPrefix("/swkit/push", p.API))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	var pk struct{ PublicKey string }
	res, err := http.Get(srv.URL + "/swkit/push/public-key")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(res.Body).Decode(&pk)
	res.Body.Close()
	if pk.PublicKey != keys.Public {
		t.Errorf("public-key %q, want the key from %s", pk.PublicKey, pushserver.EnvPublicKey)
	}

	sub, _ := json.Marshal(pushtest.NewSubscription(svc))
	post := func(path, token string, body []byte) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.URL+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	if res := post("/swkit/push/subscriptions", "", sub); res.StatusCode != http.StatusCreated {
		t.Fatalf("subscribe: %s, want 201 (AllowPrivate accepts a loopback endpoint)", res.Status)
	}
	if res := post("/swkit/push/send", "a-token-of-sixteen-or-more", []byte(`{"title":"hello"}`)); res.StatusCode != http.StatusAccepted {
		t.Fatalf("send with the token from %s: %s, want 202", pushserver.EnvPushToken, res.Status)
	}
	for deadline := time.Now().Add(20 * time.Second); len(svc.Messages()) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("nothing delivered; rejections %v", svc.Rejections())
		}
	}
	var n pushapi.Notification
	if err := json.Unmarshal(svc.Messages()[0].Plaintext, &n); err != nil || n.Title != "hello" {
		t.Errorf("delivered %s (%v), want the title hello", svc.Messages()[0].Plaintext, err)
	}
}

// TestSettingErrors: each missing or wrong setting is refused before
// anything is opened, naming the field and, when missing, its variable.
func TestSettingErrors(t *testing.T) {
	keys, err := push.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "push.db")
	for _, tc := range []struct {
		name    string
		cfg     pushserver.Config
		setting string
		text    string
	}{
		{"no keys", pushserver.Config{DB: db}, "", "SWKIT_VAPID_PUBLIC_KEY"},
		{"public only", pushserver.Config{DB: db, PublicKey: keys.Public}, "PrivateKey", "SWKIT_VAPID_PRIVATE_KEY"},
		{"no subject", pushserver.Config{DB: db, PublicKey: keys.Public, PrivateKey: keys.Private}, "Subject", "SWKIT_VAPID_SUBJECT"},
		{"bad subject", pushserver.Config{DB: db, PublicKey: keys.Public, PrivateKey: keys.Private, Subject: "ops"}, "Subject", "mailto:"},
		{"short token", pushserver.Config{DB: db, PublicKey: keys.Public, PrivateKey: keys.Private, Subject: "mailto:a@b.c", SendToken: "short"}, "SendToken", "16"},
		{"bad proxy", pushserver.Config{DB: db, PublicKey: keys.Public, PrivateKey: keys.Private, Subject: "mailto:a@b.c", Proxy: "ftp://x"}, "Proxy", "http"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := pushserver.New(t.Context(), tc.cfg)
			if err == nil {
				p.Close()
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tc.text) {
				t.Errorf("%q does not mention %s", err, tc.text)
			}
			se, ok := errors.AsType[*pushserver.SettingError](err)
			switch {
			case tc.setting == "" && !errors.Is(err, pushserver.ErrNoKeys):
				t.Errorf("%v is not ErrNoKeys", err)
			case tc.setting != "" && (!ok || se.Setting != tc.setting):
				t.Errorf("%v: want a SettingError for %s", err, tc.setting)
			}
		})
	}
}
