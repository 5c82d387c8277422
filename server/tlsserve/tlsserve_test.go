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
	"github.com/swkit/swkit/server"
)

// certFiles writes a self-signed certificate for site.test and its key,
// and returns their files and the certificate.
func certFiles(t *testing.T) (certFile, keyFile string, certPEM []byte) {
	t.Helper()
	dir := t.TempDir()
	certPEM, keyPEM := pebbletest.SelfSigned(t, "site.test")
	certFile, keyFile = filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	for name, data := range map[string][]byte{certFile: certPEM, keyFile: keyPEM} {
		if err := os.WriteFile(name, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return certFile, keyFile, certPEM
}

func TestServeFiles(t *testing.T) {
	certFile, keyFile, certPEM := certFiles(t)
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

// TestServeLimits: HTTPS gets server.HTTPServer's limits, as plain HTTP
// does: a header over the cap is answered 431, and a body that stops
// coming is cut after BodyTimeout.
func TestServeLimits(t *testing.T) {
	certFile, keyFile, certPEM := certFiles(t)
	const bodyTimeout = 300 * time.Millisecond
	s, err := New(Options{CertFile: certFile, KeyFile: keyFile, Limits: server.Limits{BodyTimeout: bodyTimeout}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bodyErr := make(chan error, 1)
	go s.Serve(ctx, ln, nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			_, err := io.ReadAll(r.Body)
			bodyErr <- err
		}
	}))
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(certPEM)
	tlsConf := &tls.Config{RootCAs: roots, ServerName: "site.test"}

	// HTTP/1.1, so that the server, not the client, judges the header.
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConf, TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{}}}
	req, _ := http.NewRequest(http.MethodGet, "https://"+ln.Addr().String()+"/", nil)
	req.Header.Set("X-Big", strings.Repeat("a", server.DefaultMaxHeaderBytes+8<<10))
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("a %d KiB header over HTTPS: %d, want 431", (server.DefaultMaxHeaderBytes+8<<10)>>10, resp.StatusCode)
	}

	conn, err := tls.Dial("tcp", ln.Addr().String(), tlsConf)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "POST / HTTP/1.1\r\nHost: site.test\r\nContent-Length: 100\r\n\r\nx")
	start := time.Now()
	select {
	case err := <-bodyErr:
		if err == nil {
			t.Error("a stalled body read to its end")
		}
		if took := time.Since(start); took > 10*bodyTimeout {
			t.Errorf("a stalled body was cut after %v, want about %v", took, bodyTimeout)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("a stalled body was not cut within 10s (BodyTimeout %v)", bodyTimeout)
	}
}
