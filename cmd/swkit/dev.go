package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/swkit/swkit"
)

func runDev(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := newFlagSet("dev", "[--addr 127.0.0.1:8080] [--config swkit.json] [DIR]", stderr)
	addr := fl.String("addr", "127.0.0.1:8080", "address to listen on")
	configPath := fl.String("config", "", "config file (default: DIR/swkit.json when it exists); read again when it changes")
	dirOpts := addDirFlags(fl)
	dir, err := folderArg(fl, args)
	if err != nil {
		return err
	}
	if _, err := loadConfig(*configPath, dir, dirOpts); err != nil {
		return err
	}
	if dirOpts.ConfigFile == "" {
		// Watched though missing: a swkit.json written while swkit dev
		// runs applies at once.
		dirOpts.ConfigFile = filepath.Join(dir, swkit.ConfigFile)
	}
	logf := func(format string, args ...any) {
		fmt.Fprintf(stderr, time.Now().Format("15:04:05 ")+format+"\n", args...)
	}
	// The handler reads the config file itself, and again on changes.
	h, err := swkit.Dev(dir, swkit.Config{}, swkit.DevOptions{DirOptions: *dirOpts, Logf: logf})
	if err != nil {
		return err
	}
	// Ends the pages' event streams first, so that the graceful shutdown
	// does not wait for them.
	stop := context.AfterFunc(ctx, func() { h.Close() })
	defer stop()
	defer h.Close()
	return listenAndServe(ctx, *addr, h, func(url string) {
		fmt.Fprintf(stdout, "swkit dev: serving %s at %s, rebuilding and reloading open pages on every change\n", dir, url)
		fmt.Fprintln(stdout, "the worker here passes every request to the network; swkit build and swkit serve give the production one")
	})
}
