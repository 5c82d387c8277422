package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/push/pushtest"
)

// TestServeSecurityHeaders: --security-headers sends the documented set on
// files, errors and redirects; --header adds one or overrides one of the set;
// a header the file server manages is refused at start with a one-line error.
func TestServeSecurityHeaders(t *testing.T) {
	clearPushEnv(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "index.html"), "<!doctype html><title>hi</title>")
	writeFile(t, filepath.Join(dir, "a", "index.html"), "<!doctype html><title>a</title>")

	t.Run("off by default", func(t *testing.T) {
		url, _ := startCommand(t, "serve", "--addr", "127.0.0.1:0", dir)
		resp, _ := get(t, url)
		for name := range config.SecurityHeaders() {
			if v := resp.Header.Get(name); v != "" {
				t.Errorf("%s = %q without --security-headers", name, v)
			}
		}
		if v := resp.Header.Get("X-Content-Type-Options"); v != "nosniff" {
			t.Errorf("X-Content-Type-Options = %q, want nosniff always", v)
		}
	})

	t.Run("on", func(t *testing.T) {
		url, _ := startCommand(t, "serve", "--addr", "127.0.0.1:0", "--security-headers",
			"--header", "Content-Security-Policy: default-src 'self'; frame-ancestors 'none'",
			"--header", "Strict-Transport-Security: max-age=300", dir)
		want := map[string]string{}
		for k, v := range config.SecurityHeaders() {
			want[k] = v
		}
		want["Content-Security-Policy"] = "default-src 'self'; frame-ancestors 'none'"
		want["Strict-Transport-Security"] = "max-age=300"
		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		for _, path := range []string{"", "sw.js", "missing", "a"} {
			resp, err := noRedirect.Get(url + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			for k, v := range want {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("/%s (%d): %s = %q, want %q", path, resp.StatusCode, k, got, v)
				}
			}
		}
	})

	t.Run("managed header refused", func(t *testing.T) {
		code, _, stderr := runCmd(t, "serve", "--addr", "127.0.0.1:0", "--header", "Cache-Control: no-store", dir)
		if code == 0 || !strings.Contains(stderr, "--header") || !strings.Contains(stderr, "Cache-Control") {
			t.Errorf("exit %d, stderr %q: want a failure naming --header and Cache-Control", code, stderr)
		}
		code, _, stderr = runCmd(t, "serve", "--addr", "127.0.0.1:0", "--header", "no colon", dir)
		if code == 0 || !strings.Contains(stderr, "Name: value") {
			t.Errorf("exit %d, stderr %q: want a usage error", code, stderr)
		}
	})
}

// TestServeSubscriptionsPublicHTTPSOnly: without --push-allow-private, swkit
// serve refuses subscription endpoints that are not https URLs of public
// hosts, so that nobody can make the server post into its own network.
func TestServeSubscriptionsPublicHTTPSOnly(t *testing.T) {
	f := newPushFixture(t, 0)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "index.html"), "<!doctype html><title>hi</title>")
	var flags []string
	for _, fl := range f.flags() {
		if fl != "--push-allow-private" {
			flags = append(flags, fl)
		}
	}
	url, _ := startCommand(t, append(append([]string{"serve", "--addr", "127.0.0.1:0"}, flags...), dir)...)
	good := pushtest.NewSubscription(f.svc)
	for _, endpoint := range []string{
		good.Endpoint, // http://127.0.0.1:port/...
		"https://127.0.0.1/push/1",
		"https://localhost/push/1",
		"https://push.localhost/1",
		"https://10.0.0.7/push/1",
		"https://192.168.1.1/push/1",
		"https://172.16.0.1/push/1",
		"https://169.254.169.254/latest/meta-data",
		"https://[::1]/push/1",
		"https://[fd00::1]/push/1",
		"https://0.0.0.0/push/1",
		"https://[::ffff:127.0.0.1]/push/1",
		"http://push.example.com/1",
		"ftp://push.example.com/1",
		"https://user:pw@push.example.com@127.0.0.1/1",
	} {
		sub := good
		sub.Endpoint = endpoint
		b, _ := json.Marshal(sub)
		if status, body := post(t, url+"swkit/push/subscriptions", string(b), ""); status != http.StatusBadRequest {
			t.Errorf("subscribe %s: status %d (%s), want 400", endpoint, status, body)
		}
	}
	sub := good
	sub.Endpoint = "https://push.example.com/send/abc"
	b, _ := json.Marshal(sub)
	if status, body := post(t, url+"swkit/push/subscriptions", string(b), ""); status != http.StatusCreated {
		t.Errorf("subscribe to a public https host: status %d (%s), want 201", status, body)
	}
}

// TestNoSecretsInLogs runs serve and demo with the VAPID private key and the
// push token set (from the environment, as documented), provokes every
// error path that logs (wrong tokens, bad bodies, failing and unreachable
// push services, a database that goes away) and checks that neither secret
// appears in anything the command printed or answered.
func TestNoSecretsInLogs(t *testing.T) {
	for _, cmd := range []string{"serve", "demo"} {
		t.Run(cmd, func(t *testing.T) {
			f := newPushFixture(t, 0)
			dbDir := t.TempDir()
			db := filepath.Join(dbDir, "swkit.db")
			t.Setenv(envDB, db)
			t.Setenv(envPublicKey, f.keys.Public)
			t.Setenv(envPrivateKey, f.keys.Private)
			t.Setenv(envSubject, "mailto:ops@example.com")
			t.Setenv(envPushToken, testPushToken)
			args := []string{cmd, "--addr", "127.0.0.1:0", "--push-allow-private"}
			if cmd == "serve" {
				dir := t.TempDir()
				writeFile(t, filepath.Join(dir, "index.html"), "<!doctype html><title>hi</title>")
				args = append(args, dir)
			} else {
				args = append(args, "--rotate", "50ms")
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var stdout, stderr syncBuffer
			done := make(chan int, 1)
			go func() { done <- run(ctx, args, &stdout, &stderr) }()
			url := ""
			for deadline := time.Now().Add(20 * time.Second); url == ""; time.Sleep(10 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("no URL; stderr %s", stderr.String())
				}
				url = urlLine.FindString(stdout.String())
			}
			var answers strings.Builder
			record := func(status int, body string) { answers.WriteString(body) }

			// Subscriptions whose push service fails, or cannot be reached.
			failing := pushtest.NewSubscription(f.svc)
			f.svc.Respond(failing.Endpoint, pushtest.Response{Status: 500, Body: "upstream says no", Times: 4})
			gone := pushtest.NewSubscription(f.svc)
			f.svc.Respond(gone.Endpoint, pushtest.Response{Status: 410})
			unreachable := pushtest.NewSubscription(f.svc)
			unreachable.Endpoint = "http://127.0.0.1:1/push/nothing-listens-here"
			for _, s := range []any{failing, gone, unreachable} {
				b, _ := json.Marshal(s)
				record(post(t, url+"swkit/push/subscriptions", string(b), ""))
			}
			// A send that fails for two of three subscriptions, delivered
			// by the server's campaign worker, which logs the failures.
			record(post(t, url+"swkit/push/send", `{"title":"hi"}`, "Bearer "+testPushToken))
			for deadline := time.Now().Add(10 * time.Second); !strings.Contains(stderr.String(), "push campaign 1: send to"); time.Sleep(20 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("the worker logged no failure; stderr: %s", stderr.String())
				}
			}
			// Wrong tokens, a token in the wrong scheme, bad bodies.
			for _, auth := range []string{"", "Bearer wrong-token-0123456789", "Basic " + testPushToken, "Bearer " + testPushToken + "x", testPushToken} {
				record(post(t, url+"swkit/push/send", `{"title":"hi"}`, auth))
			}
			record(post(t, url+"swkit/push/send", `{"title":`, "Bearer "+testPushToken))
			// Past five wrong tokens, this address is refused for a while.
			if status, _ := post(t, url+"swkit/push/send", `{"title":"hi"}`, "Bearer "+testPushToken); status != http.StatusTooManyRequests {
				t.Errorf("send after five wrong tokens: status %d, want 429", status)
			}
			record(post(t, url+"swkit/push/subscriptions", `{"endpoint":"https://127.0.0.1/x"}`, ""))
			if cmd == "demo" {
				time.Sleep(300 * time.Millisecond) // rotations notify the failing subscriptions
			}
			// The database goes away under the server.
			if err := os.RemoveAll(dbDir); err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(pushtest.NewSubscription(f.svc))
			record(post(t, url+"swkit/push/subscriptions", string(b), ""))
			record(post(t, url+"swkit/push/send", `{"title":"hi"}`, "Bearer "+testPushToken))
			resp, body := get(t, url+"swkit/push/public-key")
			record(resp.StatusCode, string(body))
			resp, body = get(t, url)
			record(resp.StatusCode, string(body))

			cancel()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("no shutdown")
			}
			printed := stdout.String() + stderr.String()
			if !strings.Contains(printed, "pushapi") && !strings.Contains(printed, "push campaign") {
				t.Errorf("nothing was logged, so the test proves nothing; output:\n%s", printed)
			}
			for name, secret := range map[string]string{"VAPID private key": f.keys.Private, "push token": testPushToken} {
				if strings.Contains(printed, secret) {
					t.Errorf("the %s appears in the output:\n%s", name, printed)
				}
				if strings.Contains(answers.String(), secret) {
					t.Errorf("the %s appears in a response body", name)
				}
			}
			// Endpoints are capability URLs: logs show their origin only.
			for _, s := range []push.Subscription{failing, gone, unreachable} {
				if path := s.Endpoint[strings.Index(s.Endpoint[len("http://"):], "/")+len("http://"):]; strings.Contains(printed, path) {
					t.Errorf("the output shows the endpoint path %s", path)
				}
			}
			t.Logf("output (%d bytes):\n%s", len(printed), printed)
		})
	}
}
