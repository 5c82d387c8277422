package browsertest

import (
	"errors"
	"net"
	"net/http"
	"sort"
	"sync"
	"testing"
)

// Hit is one request that reached a Server.
type Hit struct {
	Method string
	Path   string
	Query  string
	// Dest is Sec-Fetch-Dest: "document", "style", "script", "image"... for
	// the page's own loads, "serviceworker" for the worker script, "empty"
	// for fetch() calls (such as the worker's precache downloads).
	Dest string
	// ServiceWorker is the Service-Worker header ("script" on worker script
	// fetches).
	ServiceWorker string
}

// Server serves a handler on 127.0.0.1 (a secure context, as service
// workers need) and logs every request that reached it. It can be stopped,
// which closes the listener and every connection (real offline), and started
// again on the same port, so the origin stays the same.
type Server struct {
	handler http.Handler
	addr    string

	mu   sync.Mutex
	srv  *http.Server
	done chan struct{}

	hitMu sync.Mutex
	hits  []Hit
}

// usedPorts are the addresses on 127.0.0.1 that Listen has returned in
// this test binary. A package's browser keeps its storage (workers,
// caches, static routes) from test to test, so a test whose server got an
// earlier test's port would find that test's worker in control of its
// origin, serving the other site.
var usedPorts = struct {
	sync.Mutex
	m map[string]bool
}{m: map[string]bool{}}

// Listen listens on a port of 127.0.0.1 that no earlier Listen of this
// test binary returned: a new origin for the browsers.
func Listen(t testing.TB) net.Listener {
	t.Helper()
	usedPorts.Lock()
	defer usedPorts.Unlock()
	var held []net.Listener // kept open so that the kernel offers another port
	defer func() {
		for _, ln := range held {
			ln.Close()
		}
	}()
	for range 1000 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		if addr := ln.Addr().String(); !usedPorts.m[addr] {
			usedPorts.m[addr] = true
			return ln
		}
		held = append(held, ln)
	}
	t.Fatal("browsertest: every port of 127.0.0.1 offered was used before")
	return nil
}

// NewServer starts h on a new port of 127.0.0.1 (see Listen), stopped at
// cleanup.
func NewServer(t testing.TB, h http.Handler) *Server {
	t.Helper()
	ln := Listen(t)
	s := &Server{handler: h, addr: ln.Addr().String()}
	s.serve(ln)
	t.Cleanup(s.Stop)
	return s
}

// URL is the server's origin followed by path ("/" when empty).
func (s *Server) URL(path string) string {
	if path == "" {
		path = "/"
	}
	return "http://" + s.addr + path
}

// Addr is host:port.
func (s *Server) Addr() string { return s.addr }

func (s *Server) serve(ln net.Listener) {
	srv := &http.Server{Handler: http.HandlerFunc(s.record)}
	done := make(chan struct{})
	s.mu.Lock()
	s.srv, s.done = srv, done
	s.mu.Unlock()
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
}

func (s *Server) record(w http.ResponseWriter, r *http.Request) {
	s.hitMu.Lock()
	s.hits = append(s.hits, Hit{
		Method:        r.Method,
		Path:          r.URL.Path,
		Query:         r.URL.RawQuery,
		Dest:          r.Header.Get("Sec-Fetch-Dest"),
		ServiceWorker: r.Header.Get("Service-Worker"),
	})
	s.hitMu.Unlock()
	s.handler.ServeHTTP(w, r)
}

// Stop closes the listener and all connections and waits until the server
// has stopped. Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	srv, done := s.srv, s.done
	s.srv = nil
	s.mu.Unlock()
	if srv == nil {
		return
	}
	_ = srv.Close()
	<-done
}

// Start serves again on the same port after Stop.
func (s *Server) Start() error {
	s.mu.Lock()
	running := s.srv != nil
	s.mu.Unlock()
	if running {
		return errors.New("browsertest: server already running")
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return err
	}
	s.serve(ln)
	return nil
}

// Hits returns a copy of the requests that reached the server, in order.
func (s *Server) Hits() []Hit {
	s.hitMu.Lock()
	defer s.hitMu.Unlock()
	return append([]Hit(nil), s.hits...)
}

// Counts is the number of requests per path, for the hits that keep is nil
// or returns true for.
func (s *Server) Counts(keep func(Hit) bool) map[string]int {
	counts := map[string]int{}
	for _, h := range s.Hits() {
		if keep == nil || keep(h) {
			counts[h.Path]++
		}
	}
	return counts
}

// Paths lists the distinct paths of Counts(keep), sorted.
func (s *Server) Paths(keep func(Hit) bool) []string {
	counts := s.Counts(keep)
	paths := make([]string, 0, len(counts))
	for p := range counts {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths
}

// ResetHits empties the hit log.
func (s *Server) ResetHits() {
	s.hitMu.Lock()
	s.hits = nil
	s.hitMu.Unlock()
}
