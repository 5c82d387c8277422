package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/demo"
	"github.com/swkit/swkit/store/open"
)

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := newFlagSet("demo", "[--addr 127.0.0.1:3000] [--rotate 10s] [--images DIR] [--db DSN]", stderr)
	addr := fl.String("addr", "127.0.0.1:3000", "address to listen on")
	rotate := fl.Duration("rotate", 10*time.Second, "how often /img moves to the next image")
	images := fl.String("images", "", "folder with cat-1.jpg .. cat-10.jpg (default: generated images)")
	pushCfg := addPushFlags(fl, true)
	pos, err := parseFlags(fl, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		fmt.Fprintf(stderr, "swkit demo: unexpected argument %q\n", pos[0])
		fl.Usage()
		return errUsage
	}
	if *rotate <= 0 {
		return fmt.Errorf("--rotate must be positive, got %s", *rotate)
	}
	pm, err := pushCfg.mountPush(ctx, stderr)
	if err != nil {
		return err
	}
	defer pm.Close()
	votes, err := votesFile(pushCfg.DB)
	if err != nil {
		return err
	}
	opts := demo.Options{Rotate: *rotate, ImagesDir: *images, DB: votes}
	if pm.api != nil {
		// Not unconditionally: a nil *pushapi.Handler in the interface
		// would count as push on.
		opts.Push = pm.api
	}
	d, err := demo.New(opts)
	if err != nil {
		return err
	}
	defer d.Close()
	// "A new cat" to subscribers on each rotation; stopped before the
	// store closes (defers run in reverse).
	notifyCtx, stopNotify := context.WithCancel(ctx)
	notified := make(chan struct{})
	go func() {
		defer close(notified)
		d.NotifyRotations(notifyCtx, func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) })
	}()
	defer func() {
		stopNotify()
		<-notified
	}()
	return listenAndServe(ctx, *addr, pm.wrap(config.DefaultPushEndpoint, d), func(url string) {
		fmt.Fprintf(stdout, "swkit demo listening at %s\n", url)
		fmt.Fprintln(stdout, "open it; once its status line says offline-ready, stop the server (Ctrl-C) and reload: the page still works")
		fmt.Fprintln(stdout, pm.note)
		fmt.Fprintf(stdout, "votes and their idempotency keys are kept in %s: restart with the same --db and each vote still counts once\n", votes)
	})
}

// votesFile is the SQLite file of the demo's votes: --db's when it names
// one, else open.DefaultSQLite. Never a temporary file: a replay whose
// answer was lost just before a restart must find its key after it.
func votesFile(dsn string) (string, error) {
	backend, target, err := open.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("--db: %w", err)
	}
	if backend != open.SQLite {
		// The demo's votes table is SQLite only; push may still use
		// PostgreSQL.
		return open.DefaultSQLite, nil
	}
	return target, nil
}
