// Command embed serves a small site from the binary itself, offline-capable
// through swkit, beside a JSON API on the same mux.
//
//	go run ./_examples/embed [--addr 127.0.0.1:8081]
//
// Open the printed URL, wait for "offline-ready", stop the program and reload:
// the page still loads, from the worker's precache, and shows the last time
// the API answered (the worker caches /api/time network-first).
package main

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/swkit/swkit"
	"github.com/swkit/swkit/server"
)

// site holds the files to serve. A directory pattern skips names starting
// with "." or "_", so no dotfile can slip in.
//
//go:embed site
var site embed.FS

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "address to listen on")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr); err != nil {
		log.Fatal(err)
	}
}

// run serves until ctx is done, then lets requests in flight finish.
func run(ctx context.Context, addr string) error {
	files, err := fs.Sub(site, "site") // serve site/index.html as /index.html
	if err != nil {
		return err
	}
	offline, err := swkit.New(files, swkit.Config{
		// Answer /api/ from the network, or from the last answer when the
		// network is down or slower than 3 seconds.
		RuntimeCaching: []swkit.RuntimeCaching{{
			URLPattern: "/api/*",
			Handler:    swkit.NetworkFirst,
			Options:    swkit.RuntimeOptions{CacheName: "api", NetworkTimeoutSeconds: 3},
		}},
		Server: swkit.Server{Headers: map[string]string{
			"Content-Security-Policy": "default-src 'self'",
			"Referrer-Policy":         "same-origin",
		}},
	})
	if err != nil {
		return err
	}
	for _, w := range offline.Result().Warnings {
		log.Print("warning: ", w)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/time", apiTime)
	mux.Handle("/", offline) // everything else: the embedded site

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	// The limits of swkit serve: header size and time, body and send
	// deadlines that follow progress.
	srv := server.HTTPServer(mux, server.Limits{})
	fmt.Printf("listening on http://%s (%d files precached)\n", ln.Addr(), offline.Result().Files)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// apiTime answers the server's clock as JSON. It is sent no-cache, not
// no-store: the worker's networkFirst route keeps the last answer for
// offline use, and no-store would forbid keeping any copy.
func apiTime(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	json.NewEncoder(w).Encode(map[string]string{"time": time.Now().UTC().Format(time.RFC3339)})
}
