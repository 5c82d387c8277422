// Command push measures how fast swkit's push.Sender delivers one
// notification to many subscriptions, next to the web-push npm package
// doing the same against the same local stub push service.
//
//	go run ./bench/push            # swkit only
//	go run ./bench/push -node      # swkit, then web-push (installs it into bench/work)
//	go run ./bench/push -node-rate 730
//	go run ./bench/push -campaign   # 1,000,000 subscriptions in PostgreSQL, 1 then 2 workers
//
// The stub is an HTTPS server on 127.0.0.1 (web-push only speaks https)
// that answers 201 at once without decrypting and counts requests. Every
// subscription has its own real P-256 key pair and auth secret, so both
// senders do the full per-message work: a fresh ECDH key pair, HKDF, AES-GCM
// and a VAPID header. The figure is notifications per second, the median of
// the rounds; the first round includes the TLS handshakes.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/swkit/swkit/push"
)

func main() {
	n := flag.Int("n", 10000, "subscriptions")
	conc := flag.Int("c", 50, "requests in flight")
	rounds := flag.Int("rounds", 3, "rounds; the median is reported")
	h2 := flag.Bool("h2", false, "let the Go sender use HTTP/2 (web-push uses HTTP/1.1)")
	runNode := flag.Bool("node", false, "also run web-push via bench/push/webpush-node.sh against the same stub")
	nodeRate := flag.Float64("node-rate", 0, "web-push notifications/s measured elsewhere, to print the ratio")
	var cf campaignFlags
	camp := flag.Bool("campaign", false, "run the campaign benchmark instead: PostgreSQL, swkit push worker processes, stub services")
	flag.IntVar(&cf.subs, "subs", 1000000, "campaign: subscriptions")
	flag.IntVar(&cf.services, "services", 4, "campaign: stub push services")
	flag.IntVar(&cf.conc, "worker-c", 100, "campaign: deliveries in flight per worker")
	flag.StringVar(&cf.workers, "workers", "1,2", "campaign: worker counts to run, one campaign each")
	flag.BoolVar(&cf.h2, "campaign-h2", false, "campaign: stubs offer HTTP/2, as the large push services do")
	flag.StringVar(&cf.dsn, "dsn", "", "campaign: PostgreSQL DSN (default: a private server started from Debian's binaries)")
	flag.StringVar(&cf.cpuprofile, "cpuprofile", "", "campaign: write a CPU profile of the first worker's first 10 s to FILE.<n>w (go tool pprof bench/work/swkit FILE.1w)")
	flag.Parse()
	log.SetFlags(0)
	if *camp {
		runCampaignBench(cf)
		return
	}

	stub, err := startStub(*h2, false)
	if err != nil {
		log.Fatal(err)
	}
	defer stub.close()

	keys, err := push.GenerateVAPIDKeys()
	if err != nil {
		log.Fatal(err)
	}
	subs := makeSubscriptions(stub.url, *n)
	payload := []byte(`{"title":"A new cat","body":"The cat picture changed.","url":"/","tag":"cat"}`)

	fmt.Printf("push benchmark: %d subscriptions, %d in flight, %d rounds, %s, GOMAXPROCS=%d, %s\n",
		*n, *conc, *rounds, stub.proto, runtime.GOMAXPROCS(0), runtime.Version())

	goRate := benchGo(stub, keys, subs, payload, *conc, *rounds)
	fmt.Printf("swkit push.Sender: %.0f notifications/s (median of %d)\n", goRate, *rounds)

	if *runNode {
		r, err := benchNode(stub, keys, subs, payload, *conc, *rounds)
		if err != nil {
			log.Fatalf("web-push: %v", err)
		}
		*nodeRate = r
		fmt.Printf("web-push (Node %s): %.0f notifications/s (median of %d)\n", nodeVersion(), r, *rounds)
	}
	if *nodeRate > 0 {
		fmt.Printf("ratio swkit / web-push: %.1fx (target: at least 5x)\n", goRate / *nodeRate)
	}
}

type stub struct {
	close func() error
	url   string
	cert  []byte // PEM, for clients to trust
	pool  *x509.CertPool
	proto string
	count atomic.Int64
	bad   atomic.Int64
}

// startStub serves https on 127.0.0.1 with a fresh self-signed certificate,
// answering every POST with 201 and counting it: through net/http, or,
// when lean (HTTP/1.1 only), through serveLean.
func startStub(h2, lean bool) (*stub, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "stub push service"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	s := &stub{pool: x509.NewCertPool(), proto: "HTTP/1.1 over TLS"}
	s.pool.AddCert(cert)
	s.cert = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.url = "https://" + ln.Addr().String()
	tlsConf := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	if h2 {
		tlsConf.NextProtos = []string{"h2", "http/1.1"}
		s.proto = "HTTP/2 for Go, HTTP/1.1 for Node, over TLS"
	} else {
		tlsConf.NextProtos = []string{"http/1.1"}
	}
	if lean {
		s.proto += ", lean server"
		s.close = ln.Close
		go serveLean(tls.NewListener(ln, tlsConf), s)
		return s, nil
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			if r.Method != http.MethodPost || r.Header.Get("Content-Encoding") != "aes128gcm" ||
				!strings.HasPrefix(r.Header.Get("Authorization"), "vapid t=") || r.Header.Get("TTL") == "" {
				s.bad.Add(1)
			}
			s.count.Add(1)
			w.WriteHeader(http.StatusCreated)
		}),
		TLSConfig: tlsConf,
		ErrorLog:  log.New(io.Discard, "", 0),
	}
	s.close = srv.Close
	go srv.Serve(tls.NewListener(ln, tlsConf))
	return s, nil
}

// serveLean answers HTTP/1.1 keep-alive requests on ln with 201, parsing
// only what counting and checking a push needs. The stubs stand in for
// push services on other machines; net/http's server took 48 µs of CPU a
// request here, which on 2 cores is a fifth of the budget of 10,000
// deliveries/s, so the campaign benchmark uses this one (17 to 22 µs) to
// measure the worker rather than its stand-ins.
func serveLean(ln net.Listener, s *stub) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			r := bufio.NewReaderSize(c, 8<<10)
			for {
				line, err := r.ReadSlice('\n')
				if err != nil {
					return
				}
				length, ok := -1, bytes.HasPrefix(line, []byte("POST /"))
				var sawEnc, sawAuth, sawTTL bool
				for {
					line, err = r.ReadSlice('\n')
					if err != nil {
						return
					}
					if len(line) <= 2 {
						break
					}
					name, value, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(":"))
					value = bytes.TrimSpace(value)
					switch {
					case bytes.EqualFold(name, []byte("Content-Length")):
						length, _ = strconv.Atoi(string(value))
					case bytes.EqualFold(name, []byte("Content-Encoding")):
						sawEnc = string(value) == "aes128gcm"
					case bytes.EqualFold(name, []byte("Authorization")):
						sawAuth = bytes.HasPrefix(value, []byte("vapid t="))
					case bytes.EqualFold(name, []byte("TTL")):
						sawTTL = len(value) > 0
					}
				}
				if length < 0 {
					return // a push always has a body with its length
				}
				if _, err := r.Discard(length); err != nil {
					return
				}
				if !ok || !sawEnc || !sawAuth || !sawTTL {
					s.bad.Add(1)
				}
				s.count.Add(1)
				if _, err := c.Write([]byte("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")); err != nil {
					return
				}
			}
		}()
	}
}

func makeSubscriptions(base string, n int) []push.Subscription {
	subs := make([]push.Subscription, n)
	auth := make([]byte, 16)
	for i := range subs {
		k, err := ecdh.P256().GenerateKey(rand.Reader)
		if err != nil {
			log.Fatal(err)
		}
		rand.Read(auth)
		subs[i].Endpoint = base + "/push/" + strconv.Itoa(i)
		subs[i].Keys.P256dh = base64.RawURLEncoding.EncodeToString(k.PublicKey().Bytes())
		subs[i].Keys.Auth = base64.RawURLEncoding.EncodeToString(auth)
	}
	return subs
}

func benchGo(s *stub, keys push.VAPIDKeys, subs []push.Subscription, payload []byte, conc, rounds int) float64 {
	vapid, err := push.ParseVAPIDKeys(keys.Public, keys.Private)
	if err != nil {
		log.Fatal(err)
	}
	// The same transport settings as the Sender's default client, plus
	// trust in the stub's certificate (the default client needs a public
	// CA, and refuses 127.0.0.1 unless AllowPrivate).
	client := &http.Client{
		Transport: &http.Transport{
			TLSClientConfig:     &tls.Config{RootCAs: s.pool},
			ForceAttemptHTTP2:   true,
			MaxIdleConns:        max(100, 2*conc),
			MaxIdleConnsPerHost: conc,
			MaxConnsPerHost:     conc,
			IdleConnTimeout:     90 * time.Second,
		},
		Timeout: 30 * time.Second,
	}
	sender, err := push.NewSender(vapid, push.SenderOptions{
		Subject:      "mailto:bench@example.com",
		Client:       client,
		Concurrency:  conc,
		AllowPrivate: true,
	})
	if err != nil {
		log.Fatal(err)
	}
	var rates []float64
	for r := range rounds {
		before := s.count.Load()
		start := time.Now()
		rep := sender.SendAll(context.Background(), subs, push.Message{Payload: payload, TTL: time.Hour})
		el := time.Since(start)
		if rep.Delivered != len(subs) || s.count.Load()-before != int64(len(subs)) || s.bad.Load() != 0 {
			log.Fatalf("round %d: delivered %d of %d, stub counted %d, %d malformed; errors: %v",
				r+1, rep.Delivered, len(subs), s.count.Load()-before, s.bad.Load(), rep.Errors)
		}
		rate := float64(len(subs)) / el.Seconds()
		fmt.Printf("  swkit round %d: %d in %v = %.0f/s\n", r+1, len(subs), el.Round(time.Millisecond), rate)
		rates = append(rates, rate)
	}
	client.CloseIdleConnections()
	return median(rates)
}

// benchNode writes the subscriptions and keys to bench/work and runs
// bench/push/webpush-node.sh, which installs web-push there if needed and
// prints one JSON line with the rates.
func benchNode(s *stub, keys push.VAPIDKeys, subs []push.Subscription, payload []byte, conc, rounds int) (float64, error) {
	dir := filepath.Join("bench", "work")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	certFile := filepath.Join(dir, "stub-cert.pem")
	if err := os.WriteFile(certFile, s.cert, 0o644); err != nil {
		return 0, err
	}
	data, err := json.Marshal(map[string]any{
		"subscriptions": subs,
		"vapid":         keys,
		"subject":       "mailto:bench@example.com",
		"payload":       string(payload),
		"concurrency":   conc,
		"rounds":        rounds,
		"ca":            certFile,
	})
	if err != nil {
		return 0, err
	}
	dataFile := filepath.Join(dir, "push-bench.json")
	if err := os.WriteFile(dataFile, data, 0o644); err != nil {
		return 0, err
	}
	before := s.count.Load()
	cmd := exec.Command("sh", filepath.Join("bench", "push", "webpush-node.sh"), dataFile)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return 0, err
	}
	var res struct {
		Rates  []float64 `json:"rates"`
		Errors int       `json:"errors"`
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	for _, l := range lines[:len(lines)-1] {
		fmt.Println(l)
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		return 0, fmt.Errorf("reading its output %q: %w", out, err)
	}
	if res.Errors != 0 || s.count.Load()-before != int64(len(subs)*rounds) || len(res.Rates) == 0 {
		return 0, fmt.Errorf("%d errors, stub counted %d requests for %d", res.Errors, s.count.Load()-before, len(subs)*rounds)
	}
	return median(res.Rates), nil
}

func nodeVersion() string {
	out, err := exec.Command("node", "--version").Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(out))
}

func median(xs []float64) float64 {
	xs = slices.Clone(xs)
	slices.Sort(xs)
	return xs[len(xs)/2]
}
