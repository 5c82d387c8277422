package main

import (
	"context"
	"fmt"
	"io"
	"maps"

	"github.com/swkit/swkit"
	"github.com/swkit/swkit/config"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := newFlagSet("serve", "[--addr 127.0.0.1:8080] [--config swkit.json] [--db DSN] [--tls-cert FILE --tls-key FILE | --acme-domain NAME] [--http-addr :80] [--hsts D] [DIR]", stderr)
	addr := fl.String("addr", "127.0.0.1:8080", "address to listen on")
	configPath := fl.String("config", "", "config file (default: DIR/swkit.json when it exists)")
	killSwitch := fl.Bool("kill-switch", false, "serve a self-destroying worker in place of the service worker (see swkit unregister); the config's killSwitch")
	security := fl.Bool("security-headers", false, "send a safe set of security headers (frame-ancestors, Referrer-Policy, COOP, Permissions-Policy; see docs/reliability.md); the config's server.securityHeaders")
	extraHeaders := headerFlag{}
	fl.Var(extraHeaders, "header", "`Name: value` added to every file response; repeatable, overrides --security-headers and the config's server.headers")
	pushCfg := addPushFlags(fl, true)
	dirOpts := addDirFlags(fl)
	tlsCfg := addTLSFlags(fl)
	dir, err := folderArg(fl, args)
	if err != nil {
		return err
	}
	if err := tlsCfg.check(); err != nil {
		return err
	}
	cfg, err := loadConfig(*configPath, dir, dirOpts)
	if err != nil {
		return err
	}
	cfg.KillSwitch = cfg.KillSwitch || *killSwitch
	cfg.Server.SecurityHeaders = cfg.Server.SecurityHeaders || *security
	flags := flagKeys{}
	if len(extraHeaders) > 0 {
		cfg.Server.Headers = maps.Clone(cfg.Server.Headers)
		if cfg.Server.Headers == nil {
			cfg.Server.Headers = map[string]string{}
		}
		for name, value := range extraHeaders {
			cfg.Server.Headers[name] = value
			flags["server.headers."+name] = fmt.Sprintf("--header %q", name)
		}
	}
	h, err := swkit.NewDir(dir, cfg, *dirOpts)
	if err != nil {
		return flags.name(err)
	}
	defer h.Close()
	worker := "using its " + swDest(cfg)
	if res := h.Result(); res != nil {
		printWarnings(stderr, res.Warnings)
		worker = fmt.Sprintf("worker generated in memory, %d files precached", res.Files)
	}
	if cfg.KillSwitch {
		worker = "kill switch in place of " + swDest(cfg) + ": browsers that check for an update unregister it"
	}
	pm, err := pushCfg.mountPush(ctx, stderr, false)
	if err != nil {
		return err
	}
	defer pm.Close()
	announce := func(url string) {
		fmt.Fprintf(stdout, "serving %s at %s (%s)\n", dir, url, worker)
		if note := pushNote(cfg, pm); note != "" {
			fmt.Fprintln(stdout, note)
		}
	}
	if tlsCfg.on() {
		return listenAndServeTLS(ctx, *addr, tlsCfg, pm.wrap(cfg.PushPath(), h), announce)
	}
	return listenAndServe(ctx, *addr, pm.wrap(cfg.PushPath(), h), announce)
}

// pushNote is the line an operator needs about push: where its API is,
// or, when the config gives the worker push but the API is off, how to
// turn it on. Nothing when push is neither configured nor on.
func pushNote(cfg config.Config, pm *pushMount) string {
	if pm.api == nil && cfg.Push == nil {
		return ""
	}
	return pm.note
}
