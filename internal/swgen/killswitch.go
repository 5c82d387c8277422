package swgen

import (
	"fmt"
	"slices"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/swkit/swkit/config"
)

// KillSwitchBanner is the first line of a kill-switch worker.
const KillSwitchBanner = "/* swkit kill switch — generated, do not edit: this service worker removes itself */"

// KillSwitch returns a self-destroying worker (runtime/killswitch) to serve in
// place of sw.js: it activates at once, deletes swkit's caches (this scope's
// precache, every cache named swkit-… or <cacheId>-…, and the runtime caches
// cfg's routes name; not the app's own), deletes swkit's IndexedDB databases
// (swkit-…: expiration records, the background-sync queue), unregisters and
// reloads the pages it controls. Only cfg's cacheId and route cache names
// matter; the zero Config gives a kill switch for a site with neither.
// Deterministic.
func KillSwitch(cfg config.Config) ([]byte, error) {
	names := []string{} // [] rather than null in the worker
	for _, r := range cfg.RuntimeCaching {
		if n := r.Options.CacheName; n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	source := fmt.Sprintf("import { killSwitch } from \"./killswitch/killSwitch.js\";\nkillSwitch({ cacheId: %s, cacheNames: %s });\n",
		jsonText(cfg.CacheID), jsonText(names))
	return bundle(entryPath, source, api.FormatIIFE, KillSwitchBanner)
}
