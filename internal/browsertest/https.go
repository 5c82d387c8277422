package browsertest

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// HTTPSSite is a site served over HTTPS on 127.0.0.1 under a name of its
// own, which is not a secure context by being local (as localhost and
// 127.0.0.1 are): what a site on the internet is to a browser.
type HTTPSSite struct {
	// Host is the site's name, which the browser resolves to 127.0.0.1.
	Host string
	// CertPEM is the certificate the site serves, issued by RootPEM.
	CertPEM []byte
	// RootPEM is the CA that issued CertPEM, which the browser trusts.
	RootPEM []byte
}

// OwnHTTPS starts a browser of e's engine for t alone, on a fresh profile,
// that finds site.Host on 127.0.0.1 and accepts its certificate:
//
//   - Chromium: --host-resolver-rules, and --ignore-certificate-errors-spki-list
//     with the certificate's key, which makes it valid (not an error waved
//     through, which would keep service workers off);
//   - Firefox: network.dns.localDomains, and RootPEM added to the profile's
//     certificate store with NSS's certutil (Debian's libnss3-tools);
//   - WebKit: a WebDriver session whose MiniBrowser goes through a proxy on
//     127.0.0.1 that tunnels only site.Host to 127.0.0.1 (WebKitGTK
//     resolves names through the system alone, and a test may not edit
//     /etc/hosts), with the certificate allowed for site.Host
//     (WebKitWebDriver's certificates option).
func (e *Engine) OwnHTTPS(t *testing.T, site HTTPSSite) *Engine {
	t.Helper()
	switch e.Name {
	case Chromium:
		block, _ := pem.Decode(site.CertPEM)
		if block == nil {
			t.Fatal("browsertest: HTTPSSite.CertPEM holds no PEM certificate")
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		spki := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
		b := New(t,
			chromedp.Flag("host-resolver-rules", "MAP "+site.Host+" 127.0.0.1"),
			chromedp.Flag("ignore-certificate-errors-spki-list", base64.StdEncoding.EncodeToString(spki[:])))
		return &Engine{Name: e.Name, newTab: b.NewTab}
	case Firefox:
		ff, err := launchFirefoxWith(func(profile string) error { return trustInFirefox(profile, site) })
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(ff.close)
		return &Engine{Name: e.Name, newTab: ff.newTab}
	case WebKit:
		drv, err := sharedWebKit.get(launchWebKitDriver)
		if err != nil {
			t.Fatal(err)
		}
		proxy := startTunnel(t, site.Host)
		cert := filepath.Join(t.TempDir(), "cert.pem")
		if err := os.WriteFile(cert, site.CertPEM, 0o600); err != nil {
			t.Fatal(err)
		}
		return webkitEngine(t, func() (*webkitSession, error) {
			return drv.newSessionWith([]string{"--proxy=http://" + proxy}, []map[string]string{{"host": site.Host, "certificateFile": cert}})
		})
	}
	t.Fatalf("browsertest: unknown engine %q", e.Name)
	return nil
}

// startTunnel runs an HTTP proxy on 127.0.0.1 for the test that tunnels
// CONNECT requests for host (any port) to the same port on 127.0.0.1 and
// refuses everything else, and returns its address.
func startTunnel(t *testing.T, host string) string {
	t.Helper()
	ln := Listen(t)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, port, err := net.SplitHostPort(r.Host)
		if r.Method != http.MethodConnect || err != nil || h != host {
			http.Error(w, "this proxy tunnels only to "+host, http.StatusForbidden)
			return
		}
		upstream, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", port))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusOK)
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			upstream.Close()
			return
		}
		go func() {
			io.Copy(upstream, buf)
			upstream.(*net.TCPConn).CloseWrite()
		}()
		io.Copy(conn, upstream)
		conn.Close()
		upstream.Close()
	}), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// trustInFirefox makes the Firefox profile resolve site.Host to the
// loopback address and trust site.RootPEM for TLS servers.
func trustInFirefox(profile string, site HTTPSSite) error {
	certutil, err := exec.LookPath("certutil")
	if err != nil {
		return errors.New("certutil not found: run `apt-get install -y libnss3-tools` or ./test.sh, which installs it")
	}
	prefs, err := os.OpenFile(filepath.Join(profile, "user.js"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(prefs, "user_pref(\"network.dns.localDomains\", %q);\n", site.Host)
	if cerr := prefs.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	root := filepath.Join(profile, "swkit-test-root.pem")
	if err := os.WriteFile(root, site.RootPEM, 0o600); err != nil {
		return err
	}
	db := "sql:" + profile
	for _, args := range [][]string{
		{"-N", "-d", db, "--empty-password"},
		{"-A", "-d", db, "-n", "swkit test root", "-t", "C,,", "-i", root},
	} {
		if out, err := exec.Command(certutil, args...).CombinedOutput(); err != nil {
			return fmt.Errorf("certutil %v: %w: %s", args, err, out)
		}
	}
	return nil
}
