package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/swkit/swkit/internal/sitebuild"
	"github.com/swkit/swkit/internal/static"
	"github.com/swkit/swkit/internal/swgen"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := newFlagSet("serve", "[--addr 127.0.0.1:8080] [--config swkit.json] [--db DSN] [DIR]", stderr)
	addr := fl.String("addr", "127.0.0.1:8080", "address to listen on")
	configPath := fl.String("config", "", "config file (default: DIR/swkit.json when it exists)")
	killSwitch := fl.Bool("kill-switch", false, "serve a self-destroying worker in place of the service worker (see swkit unregister)")
	security := fl.Bool("security-headers", false, "send a safe set of security headers (frame-ancestors, Referrer-Policy, COOP, Permissions-Policy; see docs/reliability.md)")
	extraHeaders := headerFlag{}
	fl.Var(extraHeaders, "header", "`Name: value` added to every file response; repeatable, overrides --security-headers")
	pushCfg := addPushFlags(fl, true)
	cacheFlags := addCacheFlags(fl)
	dir, err := folderArg(fl, args)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(*configPath, dir)
	if err != nil {
		return err
	}
	// os.Root keeps symlinks from leading out of the folder, which os.DirFS allows.
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("open folder: %w", err)
	}
	defer root.Close()
	fsys := root.FS()

	files := map[string][]byte{}
	generated := "using its " + cfg.SwDest
	if _, err := fs.Stat(fsys, cfg.SwDest); errors.Is(err, fs.ErrNotExist) {
		cache := cacheFlags.open(dir, stderr)
		out, err := sitebuild.BuildRoot(root, cfg, hashCache(cache))
		if err != nil {
			return err
		}
		cacheFlags.save(cache, stderr)
		for name, data := range out.Imports { // a large site's manifest parts
			files[name] = data
		}
		printWarnings(stderr, out.Manifest.Warnings)
		files[cfg.SwDest] = out.Worker
		files[sitebuild.PageHelperName] = out.PageHelper
		generated = fmt.Sprintf("worker generated in memory, %d files precached", len(out.Manifest.Entries))
	} else if err != nil {
		return fmt.Errorf("look for %s: %w", cfg.SwDest, err)
	}
	if *killSwitch {
		if files[cfg.SwDest], err = swgen.KillSwitch(cfg); err != nil {
			return err
		}
		generated = "kill switch in place of " + cfg.SwDest + ": browsers that check for an update unregister it"
	}
	headers, err := responseHeaders(*security, extraHeaders)
	if err != nil {
		return err
	}
	h, err := static.New(fsys, static.Options{Files: files, SwDest: cfg.SwDest, Compress: true, Headers: headers})
	var herr *static.HeaderError
	if errors.As(err, &herr) {
		return fmt.Errorf("--header %q: %s", herr.Name, herr.Reason)
	} else if err != nil {
		return err
	}
	pm, err := pushCfg.mountPush(ctx, stderr)
	if err != nil {
		return err
	}
	defer pm.Close()
	return listenAndServe(ctx, *addr, pm.wrap(h), func(url string) {
		fmt.Fprintf(stdout, "serving %s at %s (%s)\n", dir, url, generated)
		fmt.Fprintln(stdout, pm.note)
	})
}
