package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/swkit/swkit"
	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/sitebuild"
)

func runBuild(args []string, stdout, stderr io.Writer) error {
	fl := newFlagSet("build", "[--config swkit.json] [--inject SRC] [--cache FILE | --no-cache] [--precompress] [--headers HOST [--headers-out FILE]] [DIR]", stderr)
	configPath := fl.String("config", "", "config file (default: DIR/swkit.json when it exists)")
	inject := fl.String("inject", "", "bundle your own worker source SRC (importing 'swkit/sw', using self.__SWKIT_MANIFEST) instead of generating one; the config's swSrc")
	dirOpts := addDirFlags(fl)
	fl.BoolVar(&dirOpts.Precompress, "precompress", false, "also write .br and .gz siblings of every compressible file, for servers that pick them (swkit serve, nginx, Caddy)")
	fl.StringVar(&dirOpts.Headers, "headers", "", "also write the caching rules of swkit serve for a static host: "+strings.Join(swkit.Hosts, ", "))
	fl.StringVar(&dirOpts.HeadersFile, "headers-out", "", "where --headers writes (default: DIR/_headers for netlify and cloudflare, ./swkit.nginx.conf or ./swkit.Caddyfile)")
	dir, err := folderArg(fl, args)
	if err != nil {
		return err
	}
	if dirOpts.Headers != "" && !slices.Contains(swkit.Hosts, dirOpts.Headers) {
		fmt.Fprintf(stderr, "swkit build: --headers %q: want one of %s\n", dirOpts.Headers, strings.Join(swkit.Hosts, ", "))
		return errUsage
	}
	if dirOpts.HeadersFile != "" && dirOpts.Headers == "" {
		fmt.Fprintln(stderr, "swkit build: --headers-out needs --headers HOST")
		return errUsage
	}
	cfg, err := loadConfig(*configPath, dir, dirOpts)
	if err != nil {
		return err
	}
	flags := flagKeys{}
	if *inject != "" {
		cfg.SwSrc = *inject
		flags["swSrc"] = "--inject"
	}
	if os.Getenv("GOGC") == "" {
		// A build's heap is mostly the listing and the cache, alive to the
		// end: collecting at five times the live heap instead of twice saves
		// 16-29% of the CPU of a rebuild after a one-file change
		// (docs/benchmarks.md), and the heap stays small. A process setting,
		// so the command's and not the library's.
		debug.SetGCPercent(400)
	}
	res, err := swkit.WriteDir(dir, cfg, *dirOpts)
	if err != nil {
		return flags.name(err)
	}
	printWarnings(stderr, res.Warnings)
	printBuilt(stdout, dir, swDest(cfg), res)
	if dirOpts.Precompress {
		fmt.Fprintf(stdout, "precompressed: wrote %d .br and .gz files\n", res.Precompressed)
	}
	if res.HeadersFile != "" {
		fmt.Fprintf(stdout, "wrote %s for %s\n", res.HeadersFile, dirOpts.Headers)
	}
	return nil
}

// swDest is where cfg puts the worker.
func swDest(cfg config.Config) string { return config.Defaults(cfg).SwDest }

// printWarnings prints a build's warnings, one a line.
func printWarnings(stderr io.Writer, warnings []swkit.Warning) {
	for _, w := range warnings {
		fmt.Fprintf(stderr, "warning: %s\n", w)
	}
}

// printBuilt prints the summary of a build.
func printBuilt(stdout io.Writer, dir, swDest string, res *swkit.Result) {
	parts := ""
	if len(res.Parts) > 0 {
		var n int64
		for name, data := range res.Parts {
			if data == nil { // found as written, not read
				if info, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name))); err == nil {
					n += info.Size()
				}
			}
			n += int64(len(data))
		}
		parts = fmt.Sprintf(" and %d manifest files (%s)", len(res.Parts), humanBytes(n))
	}
	fmt.Fprintf(stdout, "precached %d files, %s; wrote %s (%s)%s in %s\n",
		res.Files, humanBytes(res.Bytes),
		filepath.Join(dir, filepath.FromSlash(swDest)), humanBytes(int64(len(res.Worker))), parts, roundDuration(res.Elapsed))
}

// folderArg parses the flags and returns the one optional folder argument
// (default "."), checked to be an existing folder.
func folderArg(fl *flag.FlagSet, args []string) (string, error) {
	pos, err := parseFlags(fl, args)
	if err != nil {
		return "", err
	}
	dir := "."
	switch len(pos) {
	case 0:
	case 1:
		dir = pos[0]
	default:
		fmt.Fprintf(fl.Output(), "%s: want at most one folder, got %d arguments\n", fl.Name(), len(pos))
		fl.Usage()
		return "", errUsage
	}
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("folder %q does not exist: pass the site's folder, e.g. %q", dir, fl.Name()+" public/")
	case err != nil:
		return "", fmt.Errorf("folder %q: %w", dir, err)
	case !info.IsDir():
		return "", fmt.Errorf("%q is a file, not a folder: pass the folder that holds the site", dir)
	}
	return dir, nil
}

// loadConfig reads the config named by --config, or DIR/swkit.json when it
// exists, and records which file it read in opts (a build input, never
// precached or served). Defaults are left to the library.
func loadConfig(path, dir string, opts *swkit.DirOptions) (config.Config, error) {
	if path == "" {
		candidate := filepath.Join(dir, swkit.ConfigFile)
		if _, err := os.Stat(candidate); err == nil {
			path = candidate
		}
	}
	if path == "" {
		return config.Config{}, nil
	}
	opts.ConfigFile = path
	return config.Load(path)
}

// flagKeys maps config keys that flags set to the flags, so that an error
// about a value names what the user typed.
type flagKeys map[string]string

// name returns err, naming the flag when a *config.Error is about a key
// that a flag set.
func (f flagKeys) name(err error) error {
	var ce *config.Error
	if errors.As(err, &ce) && ce.File == "" {
		if flag, ok := f[ce.Key]; ok {
			return &optionFlagError{flag: flag, err: ce}
		}
	}
	return err
}

// optionFlagError is a config error about a value given by a flag.
type optionFlagError struct {
	flag string
	err  *config.Error
}

func (e *optionFlagError) Error() string {
	// The error without its key, which the user did not type.
	plain := *e.err
	plain.Key = ""
	return e.flag + ": " + plain.Error()
}

func (e *optionFlagError) Unwrap() error { return e.err }

// humanBytes formats n as the build's own messages do.
func humanBytes(n int64) string { return sitebuild.HumanBytes(n) }

func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond)
	default:
		return d.Round(time.Microsecond)
	}
}
