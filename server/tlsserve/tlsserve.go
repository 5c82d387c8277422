// Package tlsserve serves an http.Handler over HTTPS, which service workers
// need anywhere but on localhost: with a certificate from files, or one
// obtained and renewed automatically over ACME (RFC 8555: Let's Encrypt or
// any other such CA) and cached on disk; with HTTP/2; with a plain-HTTP
// listener that redirects to HTTPS (and answers ACME's http-01
// challenges); and with HSTS when asked. It is what `swkit serve --tls-cert`
// and `--acme-domain` run.
//
// ACME is golang.org/x/crypto/acme/autocert: the Go team's client, which
// obtains a certificate at the first TLS handshake for a name it is allowed
// (Domains), answers tls-alpn-01 on the HTTPS port itself and http-01 on
// the HTTP port when there is one, and renews 30 days before expiry.
package tlsserve

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"

	"github.com/swkit/swkit/server"
)

// LetsEncrypt is the default ACME directory: Let's Encrypt's production CA.
const LetsEncrypt = acme.LetsEncryptURL

// ACME configures automatic certificates.
type ACME struct {
	// Domains are the host names to obtain certificates for; a handshake
	// for any other name fails, so that nobody can make the server ask
	// the CA for names of theirs. Required.
	Domains []string
	// Email is given to the CA, which writes to it about expiring
	// certificates and incidents. Optional.
	Email string
	// CacheDir keeps the account key and the certificates, so that a
	// restart does not ask the CA again (CAs limit how often one may).
	// Created with mode 0700 when missing. Required.
	CacheDir string
	// DirectoryURL is the CA's ACME directory. Default: LetsEncrypt. By
	// using it you accept the CA's terms of service.
	DirectoryURL string
	// RootCAs are trusted for the CA's own HTTPS, for a test or private CA
	// (Pebble); nil trusts the system's roots.
	RootCAs *x509.CertPool
}

// Options configure a Server. Exactly one of CertFile and KeyFile together
// or ACME gives the certificate.
type Options struct {
	// CertFile and KeyFile are a PEM certificate chain and its private key
	// (what certbot and most CAs hand out). They are read by New: restart
	// to use a renewed certificate.
	CertFile, KeyFile string
	// ACME, when set, obtains certificates automatically.
	ACME *ACME
	// HSTS, when positive, sends Strict-Transport-Security with that
	// max-age on every HTTPS response. Caveat: browsers then refuse plain
	// HTTP for the host for that long, even after HTTPS is switched off;
	// start short.
	HSTS time.Duration
	// Limits are the HTTPS and redirect listeners' limits on header size
	// and time and on body and send progress, as server.HTTPServer applies
	// them; zero fields take server's defaults.
	Limits server.Limits
}

// Server holds the TLS configuration of a site.
type Server struct {
	opts    Options
	config  *tls.Config
	manager *autocert.Manager // nil without ACME
}

// New checks opts, reads the certificate files or prepares ACME.
func New(opts Options) (*Server, error) {
	files := opts.CertFile != "" || opts.KeyFile != ""
	switch {
	case files && opts.ACME != nil:
		return nil, errors.New("a certificate from files and ACME both given: choose one")
	case files && (opts.CertFile == "" || opts.KeyFile == ""):
		return nil, errors.New("a certificate needs both its file and its key's file")
	case !files && opts.ACME == nil:
		return nil, errors.New("no certificate: give its files or ACME domains")
	case opts.HSTS < 0:
		return nil, errors.New("HSTS max-age is negative")
	}
	s := &Server{opts: opts}
	if files {
		cert, err := tls.LoadX509KeyPair(opts.CertFile, opts.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("certificate: %w", err)
		}
		s.config = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		return s, nil
	}
	a := opts.ACME
	if len(a.Domains) == 0 {
		return nil, errors.New("ACME needs the domains to obtain certificates for")
	}
	if a.CacheDir == "" {
		return nil, errors.New("ACME needs a cache folder for its account and certificates")
	}
	if err := os.MkdirAll(a.CacheDir, 0o700); err != nil {
		return nil, fmt.Errorf("ACME cache: %w", err)
	}
	client := &acme.Client{DirectoryURL: a.DirectoryURL}
	if client.DirectoryURL == "" {
		client.DirectoryURL = LetsEncrypt
	}
	if a.RootCAs != nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = &tls.Config{RootCAs: a.RootCAs}
		client.HTTPClient = &http.Client{Transport: tr, Timeout: time.Minute}
	}
	s.manager = &autocert.Manager{
		Prompt:     autocert.AcceptTOS,
		Cache:      autocert.DirCache(filepath.Clean(a.CacheDir)),
		HostPolicy: autocert.HostWhitelist(a.Domains...),
		Email:      a.Email,
		Client:     client,
	}
	s.config = s.manager.TLSConfig() // with the tls-alpn-01 protocol
	s.config.MinVersion = tls.VersionTLS12
	return s, nil
}

// TLSConfig is the configuration of the HTTPS listener.
func (s *Server) TLSConfig() *tls.Config { return s.config }

// Handler returns h with Strict-Transport-Security, when asked, set
// before h runs (so that a header h sets itself wins).
func (s *Server) Handler(h http.Handler) http.Handler {
	if s.opts.HSTS <= 0 {
		return h
	}
	value := "max-age=" + strconv.FormatInt(int64(s.opts.HSTS/time.Second), 10)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", value)
		h.ServeHTTP(w, r)
	})
}

// RedirectHandler answers plain HTTP: ACME's http-01 challenges, and a
// permanent redirect (308, which keeps the method) to the same URL over
// HTTPS on httpsPort ("443" is left out of the URL) for everything else.
func (s *Server) RedirectHandler(httpsPort string) http.Handler {
	redirect := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if host == "" || strings.ContainsAny(host, "/\\@") {
			http.Error(w, "Bad Request", http.StatusBadRequest)
			return
		}
		if strings.Contains(host, ":") { // an IPv6 literal
			host = "[" + host + "]"
		}
		if httpsPort != "443" {
			host += ":" + httpsPort
		}
		http.Redirect(w, r, "https://"+host+r.URL.RequestURI(), http.StatusPermanentRedirect)
	})
	if s.manager != nil {
		return s.manager.HTTPHandler(redirect)
	}
	return redirect
}

// shutdownGrace is how long in-flight requests get to finish when ctx ends.
const shutdownGrace = 5 * time.Second

// Serve serves h over HTTPS on ln, with HTTP/2, and the redirect on
// httpLn when it is not nil, until ctx ends; then it shuts both down
// gracefully.
func (s *Server) Serve(ctx context.Context, ln, httpLn net.Listener, h http.Handler) error {
	// The same limits as plain HTTP: a slow or stalled client is cut
	// there and here alike.
	srv := server.HTTPServer(s.Handler(h), s.opts.Limits)
	srv.TLSConfig = s.config
	servers := []*http.Server{srv}
	errc := make(chan error, 2)
	// ServeTLS, rather than Serve on a tls.Listener, sets up HTTP/2.
	go func() { errc <- srv.ServeTLS(ln, "", "") }()
	if httpLn != nil {
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		hs := server.HTTPServer(s.RedirectHandler(port), s.opts.Limits)
		servers = append(servers, hs)
		go func() { errc <- hs.Serve(httpLn) }()
	}
	var err error
	select {
	case err = <-errc:
		err = fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	for _, srv := range servers {
		if serr := srv.Shutdown(shutdownCtx); serr != nil && err == nil {
			err = fmt.Errorf("shut down: %w", serr)
		}
	}
	return err
}
