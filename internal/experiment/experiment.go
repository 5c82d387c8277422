// Package experiment reads SWKIT_EXPERIMENT, a comma-separated list of
// switches that each turn one performance optimisation off, so that a
// benchmark can measure the simple version beside each optimisation in the
// same binary and the same run. It exists for that measurement only.
//
//	nounchanged  no stats-only no-change check (buildcache.Unchanged)
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
