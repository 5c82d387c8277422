package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/swkit/swkit"
	"github.com/swkit/swkit/internal/browsertest"
	"github.com/swkit/swkit/internal/pebbletest"
	"github.com/swkit/swkit/server/tlsserve"
)

// TestHTTPSRegistersWorker: a site served over HTTPS (package tlsserve, as
// swkit serve --tls-cert serves it) under a name that is not localhost is a
// secure context, so its worker registers, takes control and serves the
// page offline. The browser finds swkit.test on 127.0.0.1 and trusts the
// test's certificate (browsertest.OwnHTTPS says how, per engine).
func TestHTTPSRegistersWorker(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		const domain = "swkit.test"
		dir := t.TempDir()
		certPEM, keyPEM, rootPEM := pebbletest.Signed(t, domain)
		certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
		os.WriteFile(certFile, certPEM, 0o600)
		os.WriteFile(keyFile, keyPEM, 0o600)
		own := e.OwnHTTPS(t, browsertest.HTTPSSite{Host: domain, CertPEM: certPEM, RootPEM: rootPEM})

		site := t.TempDir()
		writeFiles(t, site, map[string]string{
			"index.html": `<!doctype html><html><head><meta charset="utf-8"><title>https</title>
<script type="module">import {register} from '/swkit.js'; register('/sw.js');</script></head><body><h1>secure</h1></body></html>`,
		})
		h, err := swkit.NewDir(site, swkit.Config{ClientsClaim: true}, swkit.DirOptions{NoCache: true})
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close()
		s, err := tlsserve.New(tlsserve.Options{CertFile: certFile, KeyFile: keyFile, HSTS: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		ln := browsertest.Listen(t)
		ctx, cancel := context.WithCancel(context.Background())
		served := make(chan error, 1)
		go func() { served <- s.Serve(ctx, ln, nil, h) }()
		stopServer := func() {
			if cancel != nil {
				cancel()
				cancel = nil
				<-served
			}
		}
		defer stopServer()
		url := fmt.Sprintf("https://%s:%d/", domain, ln.Addr().(*net.TCPAddr).Port)

		tab := own.NewTab(t)
		tab.Navigate(url)
		type page struct {
			Secure   bool   `json:"secure"`
			Protocol string `json:"protocol"`
			Host     string `json:"host"`
		}
		if got := browsertest.Eval[page](tab, `({secure: isSecureContext, protocol: location.protocol, host: location.hostname})`); got != (page{true, "https:", domain}) {
			t.Fatalf("page %+v, want a secure https page on %s", got, domain)
		}
		tab.WaitController()
		// clientsClaim gives the page its controller while the worker is
		// still activating.
		tab.WaitFor(`navigator.serviceWorker.controller.state === 'activated'`)
		if reg := tab.Registration(); reg.Scope != url || reg.Active != "activated" {
			t.Errorf("registration %+v, want active for %s", reg, url)
		}

		// The worker serves the page with the server gone.
		stopServer()
		tab.Reload()
		if got := browsertest.Eval[string](tab, `document.querySelector('h1').textContent`); got != "secure" {
			t.Errorf("offline over HTTPS: h1 %q, want the precached page", got)
		}
	})
}
