package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/swkit/swkit/internal/pebbletest"
)

// TestServeACME: swkit serve with --acme-domain obtains its certificate from
// a real ACME server (Pebble on 127.0.0.1, which validates the challenge
// against swkit serve itself), serves HTTP/2 with HSTS, redirects plain HTTP,
// and after a restart serves the cached certificate with the CA gone.
func TestServeACME(t *testing.T) {
	const domain = "swkit.test"
	httpsPort, httpPort := pebbletest.FreePort(t), pebbletest.FreePort(t)
	ca := pebbletest.Start(t, pebbletest.Ports{HTTP01: httpPort, TLSALPN01: httpsPort})
	rootsFile := filepath.Join(t.TempDir(), "pebble-roots.pem")
	if err := os.WriteFile(rootsFile, ca.ServerRootsPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	site := t.TempDir()
	writeFile(t, filepath.Join(site, "index.html"), "<!doctype html><title>acme</title>")
	cache := t.TempDir()
	args := []string{"serve", "--addr", fmt.Sprint("127.0.0.1:", httpsPort), "--http-addr", fmt.Sprint("127.0.0.1:", httpPort),
		"--acme-domain", domain, "--acme-directory", ca.DirectoryURL, "--acme-ca-roots", rootsFile,
		"--acme-cache", cache, "--hsts", "1h", "--no-cache", site}
	url, stop := startCommand(t, args...)
	if want := fmt.Sprintf("https://%s:%d/", domain, httpsPort); url != want {
		t.Errorf("announced %s, want %s", url, want)
	}

	// A client that finds swkit.test on 127.0.0.1 and trusts Pebble's
	// issuing root, and no other.
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		_, port, _ := net.SplitHostPort(addr)
		return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:"+port)
	}
	client := &http.Client{
		Transport: &http.Transport{
			DialContext:       dial,
			TLSClientConfig:   &tls.Config{RootCAs: ca.IssuerRoots(t)},
			ForceAttemptHTTP2: true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		// The first handshake waits for the whole ACME exchange.
		Timeout: time.Minute,
	}
	defer client.CloseIdleConnections()
	leaf := func() *x509.Certificate {
		t.Helper()
		resp, err := client.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || string(body) != "<!doctype html><title>acme</title>" {
			t.Fatalf("GET %s: %d %q", url, resp.StatusCode, body)
		}
		if resp.ProtoMajor != 2 {
			t.Errorf("GET %s over %s, want HTTP/2", url, resp.Proto)
		}
		if got := resp.Header.Get("Strict-Transport-Security"); got != "max-age=3600" {
			t.Errorf("Strict-Transport-Security %q, want max-age=3600", got)
		}
		cert := resp.TLS.PeerCertificates[0]
		if !slices.Contains(cert.DNSNames, domain) {
			t.Errorf("certificate for %v, want %s", cert.DNSNames, domain)
		}
		return cert
	}
	first := leaf()

	// Plain HTTP redirects to the same URL over HTTPS.
	resp, err := client.Get(fmt.Sprintf("http://%s:%d/a/b?c=1", domain, httpPort))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if want := fmt.Sprintf("https://%s:%d/a/b?c=1", domain, httpsPort); resp.StatusCode != http.StatusPermanentRedirect || resp.Header.Get("Location") != want {
		t.Errorf("plain HTTP: %d to %q, want 308 to %s", resp.StatusCode, resp.Header.Get("Location"), want)
	}
	if n := len(entries(t, cache)); n < 2 {
		t.Errorf("the ACME cache holds %d files, want the account key and the certificate", n)
	}

	// Restarted with the CA gone, the server has its certificate from the
	// cache on disk.
	stop()
	ca.Stop()

	client.CloseIdleConnections()
	startCommand(t, args...)
	if again := leaf(); !again.Equal(first) {
		t.Errorf("after a restart the certificate is %v, want the cached %v", again.SerialNumber, first.SerialNumber)
	}
}

func entries(t *testing.T, dir string) []os.DirEntry {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// TestServeTLSFlags: the flags that need HTTPS say so, and so do half
// certificates.
func TestServeTLSFlags(t *testing.T) {
	site := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--hsts", "1h"}, "--http-addr and --hsts need HTTPS"},
		{[]string{"--tls-cert", "x.pem"}, "a certificate needs both its file and its key's file"},
		{[]string{"--tls-cert", "x.pem", "--tls-key", "y.pem", "--acme-domain", "a.test"}, "choose one"},
		{[]string{"--tls-cert", "missing.pem", "--tls-key", "missing-key.pem"}, "no such file"},
	} {
		var stdout, stderr syncBuffer
		code := run(t.Context(), append(append([]string{"serve", "--addr", "127.0.0.1:0"}, tc.args...), site), &stdout, &stderr)
		if code != 1 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("serve %v: exit %d, stderr %q; want 1 and %q", tc.args, code, stderr.String(), tc.want)
		}
	}
}

// TestServeTLSFiles: swkit serve with --tls-cert and --tls-key announces an
// https URL, serves the site and its worker over HTTP/2 with the same
// caching headers as plain HTTP, sends HSTS when asked and redirects plain
// HTTP from --http-addr.
func TestServeTLSFiles(t *testing.T) {
	dir := t.TempDir()
	certPEM, keyPEM, rootPEM := pebbletest.Signed(t, "localhost")
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeFile(t, certFile, string(certPEM))
	writeFile(t, keyFile, string(keyPEM))
	site := t.TempDir()
	writeFile(t, filepath.Join(site, "index.html"), "<!doctype html><title>tls</title>")
	httpPort := pebbletest.FreePort(t)
	url, _ := startCommand(t, "serve", "--addr", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile,
		"--http-addr", fmt.Sprint("127.0.0.1:", httpPort), "--hsts", "24h", "--no-cache", site)
	if !strings.HasPrefix(url, "https://127.0.0.1:") {
		t.Fatalf("announced %s, want an https URL", url)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(rootPEM)
	client := &http.Client{
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}, ForceAttemptHTTP2: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer client.CloseIdleConnections()
	for path, cacheControl := range map[string]string{"": "no-cache", "sw.js": "no-cache"} {
		resp, err := client.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.ProtoMajor != 2 || resp.Header.Get("Cache-Control") != cacheControl ||
			resp.Header.Get("Strict-Transport-Security") != "max-age=86400" {
			t.Errorf("GET /%s: %d over %s, Cache-Control %q, HSTS %q; want 200 over HTTP/2, %s, max-age=86400",
				path, resp.StatusCode, resp.Proto, resp.Header.Get("Cache-Control"), resp.Header.Get("Strict-Transport-Security"), cacheControl)
		}
	}
	resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/x?y=1", httpPort))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if want := strings.TrimSuffix(url, "/") + "/x?y=1"; resp.StatusCode != http.StatusPermanentRedirect || resp.Header.Get("Location") != want {
		t.Errorf("plain HTTP: %d to %q, want 308 to %s", resp.StatusCode, resp.Header.Get("Location"), want)
	}
}
