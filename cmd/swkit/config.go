package main

import (
	"fmt"
	"io"

	"github.com/swkit/swkit/config"
)

// runConfig handles "swkit config schema" (print the JSON Schema) and
// "swkit config check [FILE]" (parse a config and report its first error).
func runConfig(args []string, stdout, stderr io.Writer) error {
	fl := newFlagSet("config", "schema | check [swkit.json]", stderr)
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
		if _, err := config.Load(path); err != nil {
			if j, ok := err.(interface{ Unwrap() []error }); ok {
				// Every problem on its own line, then the count.
				for _, e := range j.Unwrap() {
					fmt.Fprintln(stderr, e)
				}
				return fmt.Errorf("%d problems in %s", len(j.Unwrap()), path)
			}
			return err
		}
		fmt.Fprintf(stdout, "%s: ok\n", path)
		return nil
	}
	fl.Usage()
	return errUsage
}
