// Package experiment reads SWKIT_EXPERIMENT, a comma-separated list of
// switches that each turn one performance optimisation off, so that a
// benchmark can measure the simple version beside each optimisation in the
// same binary and the same run. It exists for that measurement only.
//
//	nounchanged  no stats-only no-change check (buildcache.Unchanged)
//	nocoalesce   swkit serve's connections not wrapped (package coalesce)
//	nomem        no file contents kept in memory by the file server
//	noquick      every answer through http.ServeContent
//	nodirprobe   a precompressed sibling's absence not remembered
//	plainfs      root.FS() instead of static.RootFS (O_NONBLOCK opens)
//	nogzipcache  on-the-fly gzip bodies not cached
package experiment

import (
	"os"
	"strings"
)

var set = func() map[string]bool {
	m := map[string]bool{}
	for s := range strings.SplitSeq(os.Getenv("SWKIT_EXPERIMENT"), ",") {
		if s = strings.TrimSpace(s); s != "" {
			m[s] = true
		}
	}
	return m
}()

// Off reports whether the optimisation named name is switched off.
func Off(name string) bool { return set[name] }
