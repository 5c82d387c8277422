package main

import (
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/swkit/swkit/server/tlsserve"
)

// tlsFlags are serve's HTTPS flags.
type tlsFlags struct {
	cert, key                        string
	domains                          commaList
	email, cache, directory, caRoots string
	httpAddr                         string
	hsts                             time.Duration
}

// commaList collects a repeatable, comma-separated flag.
type commaList []string

func (l *commaList) String() string { return strings.Join(*l, ",") }

func (l *commaList) Set(s string) error {
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l = append(*l, v)
		}
	}
	return nil
}

func addTLSFlags(fl *flag.FlagSet) *tlsFlags {
	t := &tlsFlags{}
	fl.StringVar(&t.cert, "tls-cert", "", "serve HTTPS with this PEM certificate `FILE` (chain included); needs --tls-key")
	fl.StringVar(&t.key, "tls-key", "", "the certificate's PEM private key `FILE`")
	fl.Var(&t.domains, "acme-domain", "serve HTTPS with certificates obtained automatically over ACME for this `NAME`; repeatable or comma-separated")
	fl.StringVar(&t.email, "acme-email", "", "contact address given to the ACME CA")
	fl.StringVar(&t.cache, "acme-cache", "", "`DIR` that keeps the ACME account and certificates (default: acme in the user's cache folder)")
	fl.StringVar(&t.directory, "acme-directory", tlsserve.LetsEncrypt, "ACME directory `URL` of the CA; using it accepts its terms of service")
	fl.StringVar(&t.caRoots, "acme-ca-roots", "", "PEM `FILE` of roots to trust for the ACME CA's own HTTPS (a test or private CA)")
	fl.StringVar(&t.httpAddr, "http-addr", "", "with HTTPS, also listen on this plain-HTTP `address` (\":80\") and redirect to HTTPS (and answer ACME http-01)")
	fl.DurationVar(&t.hsts, "hsts", 0, "with HTTPS, send Strict-Transport-Security with this max-age (8760h is a year; start short)")
	return t
}

// on reports whether HTTPS is asked for.
func (t *tlsFlags) on() bool { return t.cert != "" || t.key != "" || len(t.domains) > 0 }

// check reports flags that need HTTPS without it.
func (t *tlsFlags) check() error {
	if !t.on() && (t.httpAddr != "" || t.hsts != 0) {
		return errors.New("--http-addr and --hsts need HTTPS: add --tls-cert and --tls-key, or --acme-domain")
	}
	return nil
}

// server makes the tlsserve.Server the flags describe.
func (t *tlsFlags) server() (*tlsserve.Server, error) {
	opts := tlsserve.Options{CertFile: t.cert, KeyFile: t.key, HSTS: t.hsts, Limits: limits}
	if len(t.domains) > 0 {
		a := &tlsserve.ACME{Domains: t.domains, Email: t.email, CacheDir: t.cache, DirectoryURL: t.directory}
		if a.CacheDir == "" {
			dir, err := os.UserCacheDir()
			if err != nil {
				return nil, fmt.Errorf("no folder for the ACME cache (%w): pass --acme-cache", err)
			}
			a.CacheDir = filepath.Join(dir, "swkit", "acme")
		}
		if t.caRoots != "" {
			pem, err := os.ReadFile(t.caRoots)
			if err != nil {
				return nil, fmt.Errorf("--acme-ca-roots: %w", err)
			}
			a.RootCAs = x509.NewCertPool()
			if !a.RootCAs.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("--acme-ca-roots: no PEM certificate in %s", t.caRoots)
			}
		}
		opts.ACME = a
	}
	s, err := tlsserve.New(opts)
	if err != nil {
		return nil, fmt.Errorf("HTTPS: %w", err)
	}
	return s, nil
}

// listenAndServeTLS is listenAndServe over HTTPS: h on addr, the redirect
// on t.httpAddr when set; announce gets the https URL once both listen.
func listenAndServeTLS(ctx context.Context, addr string, t *tlsFlags, h http.Handler, announce func(url string)) error {
	s, err := t.server()
	if err != nil {
		return err
	}
	ln, err := listen(addr, "--addr")
	if err != nil {
		return err
	}
	var httpLn net.Listener
	if t.httpAddr != "" {
		if httpLn, err = listen(t.httpAddr, "--http-addr"); err != nil {
			ln.Close()
			return err
		}
	}
	url := "https://" + ln.Addr().String() + "/"
	if len(t.domains) > 0 {
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		url = "https://" + net.JoinHostPort(t.domains[0], port) + "/"
	}
	announce(url)
	return s.Serve(ctx, ln, httpLn, h)
}
