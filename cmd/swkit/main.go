// Command swkit makes web sites work offline with a generated service worker.
//
//	swkit build [--config swkit.json] [DIR]   write DIR/sw.js and DIR/swkit.js
//	swkit serve [--addr 127.0.0.1:8080] [DIR]  serve DIR with service-worker-ready headers
//	swkit demo  [--addr 127.0.0.1:3000]        run the cat-rotation example
//	swkit vapid [--json]                       print a new VAPID key pair
//	swkit push send --title T                  record a push campaign to every subscriber
//	swkit push worker                          deliver push campaigns
//	swkit push status [ID]                     show a campaign's progress
//
// Every failure prints one line naming what went wrong and what to do, and exits
// non-zero.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `swkit makes web sites work offline with a generated service worker.

Usage:
  swkit build [--config swkit.json] [DIR]         write DIR/sw.js and DIR/swkit.js
  swkit serve [--addr 127.0.0.1:8080] [--config swkit.json] [--db DSN] [DIR]
                                                  serve DIR (generating the worker in memory if DIR has none)
  swkit demo  [--addr 127.0.0.1:3000] [--rotate 10s] [--images DIR] [--db DSN]
                                                  run the offline cat-rotation example
  swkit vapid [--json]                            print a new VAPID key pair for push
  swkit push send [--db DSN] --title T [--body B] [--url U] [--ttl D] [--to-tag TAG] [--wait]
                                                  record a notification campaign and print its id
                                                  (--wait: deliver it and print delivered / gone / failed)
  swkit push worker [--db DSN]                    deliver campaigns (swkit serve with push on does too)
  swkit push status [--db DSN] [--json] [ID]      show a campaign's progress and results
  swkit unregister [--out sw.js] [--config swkit.json]
                                                  write a service worker that removes itself and swkit's caches
  swkit config schema                             print the JSON Schema of swkit.json
  swkit config check [swkit.json]                 validate a config file
  swkit migrate [--out swkit.json] workbox-config.js
                                                  translate a Workbox (or vite-plugin-pwa, next-pwa, webpack) config
  swkit version                                   print the version

Run "swkit COMMAND --help" for a command's flags.
`

// version is set at link time by release builds.
var version = "devel"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command and returns the process exit code: 0 on success, 1 on
// failure, 2 on a usage error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "build":
		err = runBuild(rest, stdout, stderr)
	case "serve":
		err = runServe(ctx, rest, stdout, stderr)
	case "demo":
		err = runDemo(ctx, rest, stdout, stderr)
	case "config":
		err = runConfig(rest, stdout, stderr)
	case "migrate":
		err = runMigrate(rest, stdout, stderr)
	case "unregister":
		err = runUnregister(rest, stdout, stderr)
	case "vapid":
		err = runVapid(rest, stdout, stderr)
	case "push":
		err = runPush(ctx, rest, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "swkit", version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "swkit: unknown command %q; run \"swkit help\" for the list\n", cmd)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		fmt.Fprintf(stderr, "swkit %s: %v\n", cmd, err)
		return 1
	}
}

// errUsage marks an error the flag package has already reported.
var errUsage = errors.New("usage error")

// newFlagSet returns a flag set that reports its errors to stderr once and
// returns errUsage, so run prints nothing more.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("swkit "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: swkit %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, allowing flags after the positional folder
// ("swkit build public --config x.json"), and returns the positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, errUsage
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}
