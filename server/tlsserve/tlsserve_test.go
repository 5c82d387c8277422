package tlsserve

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swkit/swkit/internal/pebbletest"
)

func TestServeFiles(t *testing.T) {
	dir := t.TempDir()
	certPEM, keyPEM := pebbletest.SelfSigned(t, "site.test")
	certFile, keyFile := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	os.WriteFile(certFile, certPEM, 0o600)
	os.WriteFile(keyFile, keyPEM, 0o600)
	s, err := New(Options{CertFile: certFile, KeyFile: keyFile, HSTS: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	httpLn, _ := net.Listen("tcp", "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- s.Serve(ctx, ln, httpLn, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "hello "+r.Proto)
		}))
	}()
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(certPEM)
	client := &http.Client{
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: "site.test"}, ForceAttemptHTTP2: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Get("https://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "hello HTTP/2.0" || resp.Header.Get("Strict-Transport-Security") != "max-age=86400" {
		t.Errorf("HTTPS: %q, HSTS %q; want HTTP/2 and max-age=86400", body, resp.Header.Get("Strict-Transport-Security"))
	}
	_, httpsPort, _ := net.SplitHostPort(ln.Addr().String())
	for _, tc := range []struct{ host, want string }{
		{"site.test", "https://site.test:" + httpsPort + "/p?q=1"},
		{"site.test:80", "https://site.test:" + httpsPort + "/p?q=1"},
		{"[::1]:80", "https://[::1]:" + httpsPort + "/p?q=1"},
	} {
		req, _ := http.NewRequest(http.MethodPost, "http://"+httpLn.Addr().String()+"/p?q=1", strings.NewReader("x"))
		req.Host = tc.host
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusPermanentRedirect || resp.Header.Get("Location") != tc.want {
			t.Errorf("http Host %s: %d to %q, want 308 to %s", tc.host, resp.StatusCode, resp.Header.Get("Location"), tc.want)
		}
		if resp.Header.Get("Strict-Transport-Security") != "" {
			t.Error("HSTS sent over plain HTTP, where it means nothing (RFC 6797 §7.2)")
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve after ctx ended: %v", err)
	}
}

func TestNewErrors(t *testing.T) {
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{}, "no certificate"},
		{Options{CertFile: "c"}, "both its file and its key's file"},
		{Options{CertFile: "c", KeyFile: "k", ACME: &ACME{}}, "choose one"},
		{Options{ACME: &ACME{CacheDir: t.TempDir()}}, "needs the domains"},
		{Options{ACME: &ACME{Domains: []string{"a.test"}}}, "needs a cache folder"},
		{Options{CertFile: "c", KeyFile: "k", HSTS: -1}, "negative"},
	} {
		if _, err := New(tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v) = %v, want %q", tc.opts, err, tc.want)
		}
	}
}
