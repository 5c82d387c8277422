package main

import (
	"fmt"
	"io"

	"github.com/swkit/swkit"
	"github.com/swkit/swkit/config"
)

// runUnregister writes the kill switch: a worker that deletes swkit's caches
// (with --config, also the runtime caches its routes name) and IndexedDB
// databases, unregisters itself and reloads the pages it controlled.
func runUnregister(args []string, stdout, stderr io.Writer) error {
	fl := newFlagSet("unregister", "[--out FILE] [--config swkit.json]", stderr)
	out := fl.String("out", "sw.js", `file to write ("-" for standard output); deploy it in place of the service worker`)
	configPath := fl.String("config", "", "config the site's workers were built from: caches named by its cacheId and its routes' cacheName are deleted too (default: none)")
	pos, err := parseFlags(fl, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		fmt.Fprintf(stderr, "swkit unregister: unexpected argument %q\n", pos[0])
		fl.Usage()
		return errUsage
	}
	var cfg config.Config
	if *configPath != "" {
		if cfg, err = config.Load(*configPath); err != nil {
			return err
		}
	}
	code, err := swkit.KillSwitch(cfg)
	if err != nil {
		return err
	}
	if *out == "-" {
		_, err := stdout.Write(code)
		return err
	}
	if err := swkit.WriteFile(*out, code); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%s): deploy it in place of the service worker; it deletes swkit's caches and databases, unregisters and reloads open pages\n",
		*out, humanBytes(int64(len(code))))
	return nil
}
