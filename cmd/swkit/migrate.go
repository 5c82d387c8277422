package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/migrate"
)

// runMigrate handles "swkit migrate [--out swkit.json] [--force] FILE": it
// translates a Workbox config into swkit.json and prints, one a line, what
// it could not translate and the defaults it applied.
func runMigrate(args []string, stdout, stderr io.Writer) error {
	fl := newFlagSet("migrate", "[--out swkit.json] [--force] workbox-config.js", stderr)
	out := fl.String("out", "swkit.json", "file to write")
	force := fl.Bool("force", false, "overwrite the --out file if it exists")
	pos, err := parseFlags(fl, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fl.Usage()
		return errUsage
	}
	src, err := os.ReadFile(pos[0])
	if err != nil {
		return err
	}
	res, err := migrate.Translate(pos[0], src)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(res.Config); err != nil {
		return err
	}
	// What was written must be what swkit reads back.
	if _, err := config.Parse(*out, b.Bytes()); err != nil {
		return fmt.Errorf("the translation is not a valid swkit.json (please report it):\n%w", err)
	}
	if !*force {
		if _, err := os.Stat(*out); err == nil {
			return fmt.Errorf("%s exists: pass --force to overwrite it, or --out to write elsewhere", *out)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	if err := os.WriteFile(*out, b.Bytes(), 0o644); err != nil {
		return err
	}
	for _, n := range res.Notes {
		fmt.Fprintf(stderr, "%s: %s\n", pos[0], n)
	}
	fmt.Fprintf(stdout, "wrote %s from the %s options of %s (%d notes above)\n", *out, res.From, pos[0], len(res.Notes))
	return nil
}
