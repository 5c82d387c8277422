package main

import (
	"fmt"
	"io"

	"github.com/swkit/swkit"
	"github.com/swkit/swkit/config"
)

// runConfig handles "swkit config schema" (print the JSON Schema) and
// "swkit config check [--dir DIR] [FILE]" (parse a config and report every
// problem; with --dir, also build DIR in memory, as swkit build would, to
// find what only the site's files can show).
func runConfig(args []string, stdout, stderr io.Writer) error {
	fl := newFlagSet("config", "schema | check [--dir DIR] [swkit.json]", stderr)
	dir := fl.String("dir", "", "also build the site folder `DIR` in memory, writing nothing, to find what only its files show (a navigateFallback that is not precached, a templatedURLs glob that matches nothing)")
	pos, err := parseFlags(fl, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 1 && pos[0] == "schema":
		_, err := stdout.Write(config.Schema())
		return err
	case len(pos) >= 1 && pos[0] == "check" && len(pos) <= 2:
		path := "swkit.json"
		if len(pos) == 2 {
			path = pos[1]
		}
		cfg, err := config.Load(path)
		if err != nil {
			if j, ok := err.(interface{ Unwrap() []error }); ok {
				// Every problem on its own line, then the count.
				for _, e := range j.Unwrap() {
					fmt.Fprintln(stderr, e)
				}
				return fmt.Errorf("%d problems in %s", len(j.Unwrap()), path)
			}
			return err
		}
		if *dir == "" {
			fmt.Fprintf(stdout, "%s: ok\n", path)
			return nil
		}
		res, err := swkit.BuildDir(*dir, cfg, swkit.DirOptions{ConfigFile: path, NoCache: true})
		if err != nil {
			return fmt.Errorf("%s with %s: %w", path, *dir, err)
		}
		printWarnings(stderr, res.Warnings)
		fmt.Fprintf(stdout, "%s: ok with %s (%d files, %s would be precached)\n", path, *dir, res.Files, humanBytes(res.Bytes))
		return nil
	}
	fl.Usage()
	return errUsage
}
