package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/push/pushserver"
	"github.com/swkit/swkit/push/pushtest"
	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/sqlite"
)

const testPushToken = "cmd-test-token-0123456789"

// clearPushEnv keeps the developer's own SWKIT_* settings out of a test.
func clearPushEnv(t *testing.T) {
	t.Helper()
	for _, k := range []string{envDB, envPublicKey, envPrivateKey, envSubject, envPushToken} {
		t.Setenv(k, "")
	}
}

// pushFixture is a fake push service, a key pair it requires, and a SQLite
// file holding the given number of its subscriptions.
type pushFixture struct {
	svc  *pushtest.Server
	keys push.VAPIDKeys
	db   string
	subs []push.Subscription
}

func newPushFixture(t *testing.T, subscriptions int) *pushFixture {
	t.Helper()
	clearPushEnv(t)
	keys, err := push.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	svc := pushtest.NewServer()
	t.Cleanup(svc.Close)
	svc.RequireKey(keys.Public)
	f := &pushFixture{svc: svc, keys: keys, db: filepath.Join(t.TempDir(), "swkit.db")}
	st, err := sqlite.Open(t.Context(), f.db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for range subscriptions {
		s := pushtest.NewSubscription(svc)
		f.subs = append(f.subs, s)
		if _, err := st.PutSubscription(t.Context(), s); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// flags are the push settings for a command, as flags.
func (f *pushFixture) flags() []string {
	return []string{
		"--db", f.db, "--vapid-public-key", f.keys.Public, "--vapid-private-key", f.keys.Private,
		"--vapid-subject", "mailto:ops@example.com", "--push-allow-private",
	}
}

func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestPushSendDelivers(t *testing.T) {
	f := newPushFixture(t, 1)
	code, stdout, stderr := runCmd(t, append([]string{"push", "send", "--title", "A new cat", "--body", "Number 4", "--url", "/?cat=4", "--ttl", "1h", "--urgency", "low", "--topic", "cats", "--wait"}, f.flags()...)...)
	if code != 0 || stdout != "delivered 1, gone 0, failed 0\n" || stderr != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 0 and \"delivered 1, gone 0, failed 0\"", code, stdout, stderr)
	}
	msgs := f.svc.Messages()
	if len(msgs) != 1 {
		t.Fatalf("push service got %d messages; rejections %v", len(msgs), f.svc.Rejections())
	}
	m := msgs[0]
	if want := `{"title":"A new cat","body":"Number 4","url":"/?cat=4"}`; string(m.Plaintext) != want {
		t.Errorf("payload %s, want %s", m.Plaintext, want)
	}
	if m.TTL != 3600 || m.Urgency != "low" || m.Topic != "cats" || m.Subject != "mailto:ops@example.com" {
		t.Errorf("message %+v: want TTL 3600, urgency low, topic cats, the subject", m)
	}
}

// TestPushSendFromEnv: the keys, subject and database come from the
// environment, as from an env file written by "swkit vapid".
func TestPushSendFromEnv(t *testing.T) {
	f := newPushFixture(t, 2)
	t.Setenv(envDB, "sqlite:"+f.db)
	t.Setenv(envPublicKey, f.keys.Public)
	t.Setenv(envPrivateKey, f.keys.Private)
	t.Setenv(envSubject, "https://example.com/contact")
	code, stdout, stderr := runCmd(t, "push", "send", "--title", "hi", "--push-allow-private", "--wait")
	if code != 0 || stdout != "delivered 2, gone 0, failed 0\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestPushSendGoneAndFailed(t *testing.T) {
	f := newPushFixture(t, 3)
	f.svc.Respond(f.subs[0].Endpoint, pushtest.Response{Status: http.StatusGone})
	f.svc.Respond(f.subs[1].Endpoint, pushtest.Response{Status: http.StatusForbidden, Body: "no", Times: 1})
	code, stdout, stderr := runCmd(t, append([]string{"push", "send", "--title", "hi", "--wait"}, f.flags()...)...)
	if code != 1 || stdout != "delivered 1, gone 1, failed 1\n" {
		t.Fatalf("exit %d, stdout %q; want 1 and \"delivered 1, gone 1, failed 1\"", code, stdout)
	}
	if !strings.HasPrefix(stderr, "swkit push: 1 of 3 subscriptions failed; first: send to http://127.0.0.1:") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("stderr %q, want one line about the failure", stderr)
	}
	if strings.Contains(stderr, "/push/") {
		t.Errorf("stderr %q shows a subscription's endpoint path, a capability", stderr)
	}

	// The gone subscription was deleted; the failed one was kept.
	code, stdout, _ = runCmd(t, append([]string{"push", "send", "--title", "again", "--wait"}, f.flags()...)...)
	if code != 0 || stdout != "delivered 2, gone 0, failed 0\n" {
		t.Errorf("second send: exit %d, stdout %q; want delivered 2", code, stdout)
	}
}

func TestPushSendTooLarge(t *testing.T) {
	f := newPushFixture(t, 1)
	code, stdout, stderr := runCmd(t, append([]string{"push", "send", "--title", "hi", "--body", strings.Repeat("x", 4000)}, f.flags()...)...)
	if code != 1 || stdout != "" || !strings.Contains(stderr, "must fit in 3993 bytes: shorten --body or --title") {
		t.Errorf("exit %d, stdout %q, stderr %q; want a refusal naming the limit", code, stdout, stderr)
	}
	if n := f.svc.Requests(); n != 0 {
		t.Errorf("push service got %d requests", n)
	}
}

// TestServeMountsPushAPI: with keys, serve answers the push API in front of
// the folder; a page's subscription then receives what the send endpoint
// sends.
func TestServeMountsPushAPI(t *testing.T) {
	f := newPushFixture(t, 0)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "index.html"), "<!doctype html><title>hi</title>")
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--push-token", testPushToken}, f.flags()...)
	url, stop := startCommand(t, append(args, dir)...)

	resp, body := get(t, url+"swkit/push/public-key")
	var pk struct{ PublicKey string }
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &pk) != nil || pk.PublicKey != f.keys.Public {
		t.Fatalf("GET public-key: status %d, body %s", resp.StatusCode, body)
	}
	if resp, _ := get(t, url); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /: status %d; the folder is still served", resp.StatusCode)
	}

	sub, _ := json.Marshal(pushtest.NewSubscription(f.svc))
	if status, body := post(t, url+"swkit/push/subscriptions", string(sub), ""); status != http.StatusCreated {
		t.Fatalf("subscribe: status %d, body %s", status, body)
	}
	if status, body := post(t, url+"swkit/push/send?wait=true", `{"title":"hi"}`, "Bearer "+testPushToken); status != http.StatusOK || body != `{"id":1,"delivered":1,"gone":0,"failed":0}`+"\n" {
		t.Fatalf("send: status %d, body %s", status, body)
	}
	if status, _ := post(t, url+"swkit/push/send", `{"title":"hi"}`, "Bearer wrong"); status != http.StatusUnauthorized {
		t.Errorf("send with a wrong token: status %d, want 401", status)
	}
	if code := stop(); code != 0 {
		t.Errorf("exit %d", code)
	}
}

// TestPushMountAtEndpoint: the push API answers under the endpoint wrap is
// given (swkit.json's push.endpoint), and every other path, the default
// one included, reaches the site.
func TestPushMountAtEndpoint(t *testing.T) {
	f := newPushFixture(t, 0)
	c := &pushConfig{pushserver.Config{DB: f.db, PublicKey: f.keys.Public, PrivateKey: f.keys.Private, Subject: "mailto:ops@example.com", AllowPrivate: true}}
	var stderr strings.Builder
	pm, err := c.mountPush(t.Context(), &stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer pm.Close()
	site := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "site "+r.URL.Path) })
	srv := httptest.NewServer(pm.wrap("/api/notify/", site))
	defer srv.Close()
	if want := "push API at /api/notify/, send endpoint off (set SWKIT_PUSH_TOKEN to enable it)"; pm.note != want {
		t.Errorf("note %q, want %q", pm.note, want)
	}

	resp, body := get(t, srv.URL+"/api/notify/public-key")
	var pk struct{ PublicKey string }
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &pk) != nil || pk.PublicKey != f.keys.Public {
		t.Fatalf("GET /api/notify/public-key: status %d, body %s", resp.StatusCode, body)
	}
	sub, _ := json.Marshal(pushtest.NewSubscription(f.svc))
	if status, body := post(t, srv.URL+"/api/notify/subscriptions", string(sub), ""); status != http.StatusCreated {
		t.Errorf("subscribe: status %d, body %s", status, body)
	}
	for _, p := range []string{"/swkit/push/public-key", "/api/notify", "/"} {
		if _, body := get(t, srv.URL+p); string(body) != "site "+p {
			t.Errorf("GET %s: %q, want the site's answer", p, body)
		}
	}
}

// TestServePushAtConfigEndpoint: swkit serve mounts the push API where
// swkit.json's push.endpoint says, which is where the worker looks.
func TestServePushAtConfigEndpoint(t *testing.T) {
	f := newPushFixture(t, 0)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "index.html"), "<!doctype html><title>hi</title>")
	writeFile(t, filepath.Join(dir, "swkit.json"), `{"push": {"endpoint": "/api/notify/"}}`)
	args := append([]string{"serve", "--addr", "127.0.0.1:0"}, f.flags()...)
	url, _ := startCommand(t, append(args, dir)...)
	resp, body := get(t, url+"api/notify/public-key")
	var pk struct{ PublicKey string }
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &pk) != nil || pk.PublicKey != f.keys.Public {
		t.Fatalf("GET /api/notify/public-key: status %d, body %s", resp.StatusCode, body)
	}
	if resp, _ := get(t, url+"swkit/push/public-key"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /swkit/push/public-key: status %d, want 404 (the API is elsewhere)", resp.StatusCode)
	}
	if _, body := get(t, url+"sw.js"); !bytes.Contains(body, []byte("/api/notify/")) {
		t.Error("the worker does not name the endpoint")
	}
}

func TestServeWithoutKeysHasNoPushAPI(t *testing.T) {
	clearPushEnv(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "index.html"), "<!doctype html><title>hi</title>")
	url, _ := startCommand(t, "serve", "--addr", "127.0.0.1:0", dir)
	if resp, _ := get(t, url+"swkit/push/public-key"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /swkit/push/public-key without keys: status %d, want 404", resp.StatusCode)
	}
}

func post(t *testing.T, url, body, authorization string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}
