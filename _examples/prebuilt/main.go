// Command prebuilt serves a site whose service worker was built with the
// site, by go generate, rather than at start-up: the program imports
// package server, which links no bundler, and stays small.
//
//	go generate ./_examples/prebuilt   # swkit build: site/sw.js, site/swkit.js
//	go run ./_examples/prebuilt [--addr 127.0.0.1:8082]
//
// In a module of your own, add swkit as a tool (go get -tool
// github.com/swkit/swkit/cmd/swkit) and write the directive as
// "//go:generate go tool swkit build site".
package main

//go:generate go run github.com/swkit/swkit/cmd/swkit build site

import (
	"context"
	"embed"
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

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/server"
)

// site holds the files, the generated worker among them. swkit.json is in
// it too, and is never served.
//
//go:embed site
var site embed.FS

func main() {
	addr := flag.String("addr", "127.0.0.1:8082", "address to listen on")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, addr string) error {
	files, err := fs.Sub(site, "site")
	if err != nil {
		return err
	}
	// The config that built the worker also tells the server which names
	// are fingerprinted and which headers to send.
	cfg, err := config.LoadFS(files, "swkit.json")
	if err != nil {
		return err
	}
	h, err := server.New(files, cfg, server.Options{})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	// The limits of swkit serve: header size and time, body and send
	// deadlines that follow progress.
	srv := server.HTTPServer(h, server.Limits{})
	fmt.Printf("listening on http://%s\n", ln.Addr())
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
