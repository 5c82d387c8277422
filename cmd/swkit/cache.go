package main

import (
	"flag"

	"github.com/swkit/swkit"
)

// addDirFlags defines --cache and --no-cache, shared by build and serve.
func addDirFlags(fl *flag.FlagSet) *swkit.DirOptions {
	o := &swkit.DirOptions{}
	fl.StringVar(&o.Cache, "cache", "", "build cache `FILE` of file digests (default: in the user's cache folder, named by DIR's absolute path; never inside DIR)")
	fl.BoolVar(&o.NoCache, "no-cache", false, "hash every file, ignoring the build cache (a file rewritten with the same size and modification time is otherwise trusted unchanged)")
	return o
}
