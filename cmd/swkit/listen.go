package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/swkit/swkit/internal/coalesce"
	"github.com/swkit/swkit/server"
)

// shutdownGrace is how long in-flight requests get to finish on SIGINT/SIGTERM.
const shutdownGrace = 5 * time.Second

// limits are the listener's limits: server's defaults, shortened by tests.
var limits server.Limits

// listenAndServe binds addr, prints the URL once connections are accepted, and
// serves h until ctx is done, then shuts down gracefully.
func listenAndServe(ctx context.Context, addr string, h http.Handler, announce func(url string)) error {
	ln, err := listen(addr, "--addr")
	if err != nil {
		return err
	}
	// The limits a Go program gets from server.HTTPServer too: header size
	// and time, body and send deadlines that follow progress. Plain
	// HTTP/1.1 only (no TLS, no h2c): connections wrapped so that the
	// static handler can send a response's header and body in one write
	// (package coalesce).
	srv := server.HTTPServer(h, limits)
	srv.ConnContext = coalesce.ConnContext
	served := make(chan error, 1)
	go func() { served <- srv.Serve(coalesce.Listen(ln)) }()
	announce(urlFor(ln.Addr()))

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}

// listen binds addr, the value of flag, with the error a person can act on.
func listen(addr, flag string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, fmt.Errorf("address %s is already in use: stop the other server or pass %s with a free port", addr, flag)
	case err != nil:
		return nil, fmt.Errorf("listen on %s: %w (pass %s host:port)", addr, err, flag)
	}
	return ln, nil
}

// urlFor prints a listener address as a URL a browser accepts as a secure
// context: an unspecified host becomes localhost.
func urlFor(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return "http://" + a.String() + "/"
	}
	host := tcp.IP.String()
	if tcp.IP.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, fmt.Sprint(tcp.Port)) + "/"
}
