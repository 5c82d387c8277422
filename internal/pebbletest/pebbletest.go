// Package pebbletest runs Pebble, Let's Encrypt's ACME test server, on
// 127.0.0.1 for tests, with pebble-challtestsrv as its DNS server, which
// answers every name with 127.0.0.1: Pebble then validates its challenges
// against the server under test, for real, on the ports the test gives.
// Both are Go programs of the module github.com/letsencrypt/pebble/v2, tools
// of this module (go.mod's tool lines), built once per test process.
package pebbletest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/swkit/swkit/internal/proctest"
)

// Pebble is a running Pebble.
type Pebble struct {
	// DirectoryURL is the ACME directory.
	DirectoryURL string
	// ServerRoots trusts Pebble's own HTTPS (its API and management).
	ServerRoots *x509.CertPool
	// ServerRootsPEM is the same, as PEM.
	ServerRootsPEM []byte

	mgmt string // management address
	stop func()
}

// Ports are where Pebble's validation reaches the server under test.
type Ports struct {
	HTTP01    int // the plain-HTTP port (http-01)
	TLSALPN01 int // the HTTPS port (tls-alpn-01)
}

// goCache is the go command's build cache as the process found it: a test
// binary may move the user's cache folder (XDG_CACHE_HOME) to a temporary
// one before its tests run, and building pebble in an empty cache takes a
// minute rather than seconds.
var goCache = func() string {
	if c := os.Getenv("GOCACHE"); c != "" {
		return c
	}
	if dir, err := os.UserCacheDir(); err == nil {
		return filepath.Join(dir, "go-build")
	}
	return ""
}()

var built struct {
	once sync.Once
	dir  string
	err  error
}

// build compiles pebble and pebble-challtestsrv into a folder of this
// process.
func build() (string, error) {
	built.once.Do(func() {
		goCmd, err := exec.LookPath("go")
		if err != nil {
			built.err = fmt.Errorf("pebbletest: the go command is needed to build pebble: %w", err)
			return
		}
		dir, err := os.MkdirTemp("", "swkit-pebble-")
		if err != nil {
			built.err = err
			return
		}
		for _, tool := range []string{"pebble", "pebble-challtestsrv"} {
			cmd := exec.Command(goCmd, "build", "-o", filepath.Join(dir, tool), "github.com/letsencrypt/pebble/v2/cmd/"+tool)
			if goCache != "" {
				cmd.Env = append(os.Environ(), "GOCACHE="+goCache)
			}
			if out, err := cmd.CombinedOutput(); err != nil {
				built.err = fmt.Errorf("pebbletest: go build %s: %v\n%s", tool, err, out)
				return
			}
		}
		built.dir = dir
	})
	return built.dir, built.err
}

// FreePort returns a port of 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int { return proctest.FreePort(t) }

// Start runs Pebble validating against ports, until the test ends.
func Start(t testing.TB, ports Ports) *Pebble {
	t.Helper()
	dir, err := build()
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	certPEM, keyPEM := selfSigned(t)
	certFile, keyFile := filepath.Join(work, "cert.pem"), filepath.Join(work, "key.pem")
	os.WriteFile(certFile, certPEM, 0o600)
	os.WriteFile(keyFile, keyPEM, 0o600)

	dnsPort := freeUDPPort(t)
	dns := fmt.Sprintf("127.0.0.1:%d", dnsPort)
	proctest.Start(t, filepath.Join(dir, "pebble-challtestsrv"), nil, filepath.Join(work, "challtestsrv.log"), 0,
		"-defaultIPv4", "127.0.0.1", "-defaultIPv6", "", "-dnsserver", dns,
		"-doh", "", "-http01", "", "-https01", "", "-tlsalpn01", "",
		"-management", fmt.Sprintf("127.0.0.1:%d", FreePort(t)))

	api, mgmt := FreePort(t), FreePort(t)
	conf, _ := json.Marshal(map[string]any{"pebble": map[string]any{
		"listenAddress":                  fmt.Sprintf("127.0.0.1:%d", api),
		"managementListenAddress":        fmt.Sprintf("127.0.0.1:%d", mgmt),
		"certificate":                    certFile,
		"privateKey":                     keyFile,
		"httpPort":                       ports.HTTP01,
		"tlsPort":                        ports.TLSALPN01,
		"ocspResponderURL":               "",
		"externalAccountBindingRequired": false,
	}})
	confFile := filepath.Join(work, "pebble.json")
	os.WriteFile(confFile, conf, 0o600)
	// No random sleep before validating, no rejected nonces: the test
	// checks issuance, not a client's patience.
	env := []string{"PEBBLE_VA_NOSLEEP=1", "PEBBLE_WFE_NONCEREJECT=0"}
	stop := proctest.Start(t, filepath.Join(dir, "pebble"), env, filepath.Join(work, "pebble.log"), api,
		"-config", confFile, "-dnsserver", dns)
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(certPEM)
	return &Pebble{
		DirectoryURL: fmt.Sprintf("https://127.0.0.1:%d/dir", api), ServerRoots: roots, ServerRootsPEM: certPEM,
		mgmt: fmt.Sprintf("127.0.0.1:%d", mgmt), stop: stop,
	}
}

// Stop ends Pebble before the test does (to show that a restarted server
// needs no CA).
func (p *Pebble) Stop() { p.stop() }

// IssuerRoots returns the roots of the certificates Pebble issues (a new
// one at every start).
func (p *Pebble) IssuerRoots(t testing.TB) *x509.CertPool {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: p.ServerRoots}}, Timeout: 10 * time.Second}
	resp, err := c.Get("https://" + p.mgmt + "/roots/0")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("Pebble's root: %d %v", resp.StatusCode, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		t.Fatalf("Pebble's root is not PEM: %q", b)
	}
	return pool
}

// freeUDPPort returns a UDP port of 127.0.0.1 that was free a moment ago
// (the DNS server's; it also takes the same TCP port).
func freeUDPPort(t testing.TB) int {
	t.Helper()
	for range 20 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := pc.LocalAddr().(*net.UDPAddr).Port
		pc.Close()
		if ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			ln.Close()
			return port
		}
	}
	t.Fatal("no free port for DNS")
	return 0
}

// selfSigned is a certificate and key for 127.0.0.1 and localhost.
func selfSigned(t testing.TB) (certPEM, keyPEM []byte) {
	t.Helper()
	return SelfSigned(t, "localhost")
}

// SelfSigned returns a self-signed certificate (PEM) for the names (and
// 127.0.0.1), and its key.
func SelfSigned(t testing.TB, names ...string) (certPEM, keyPEM []byte) {
	t.Helper()
	key := newKey(t)
	tmpl := leafTemplate(names)
	tmpl.KeyUsage |= x509.KeyUsageCertSign
	tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
	return certAndKey(t, tmpl, tmpl, key, key)
}

// Signed is a certificate and key for names and 127.0.0.1, issued by a CA
// of its own (rootPEM): what a browser that trusts only roots (Firefox's
// certificate store) accepts once rootPEM is added to it.
func Signed(t testing.TB, names ...string) (certPEM, keyPEM, rootPEM []byte) {
	t.Helper()
	caKey := newKey(t)
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "swkit test root"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageCertSign,
		IsCA:         true, BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	if ca, err = x509.ParseCertificate(caDER); err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM = certAndKey(t, leafTemplate(names), ca, newKey(t), caKey)
	return certPEM, keyPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// leafTemplate is a day's server certificate for names and 127.0.0.1.
func leafTemplate(names []string) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: names[0]},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     names,
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
}

// certAndKey signs tmpl with the issuer's key and returns it and key as PEM.
func certAndKey(t testing.TB, tmpl, issuer *x509.Certificate, key, issuerKey *ecdsa.PrivateKey) (certPEM, keyPEM []byte) {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, &key.PublicKey, issuerKey)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb})
}
