package swgen

import (
	"fmt"

	"github.com/evanw/esbuild/pkg/api"
)

// KillSwitchBanner is the first line of a kill-switch worker.
const KillSwitchBanner = "/* swkit kill switch — generated, do not edit: this service worker removes itself */"

// KillSwitch returns a self-destroying worker (runtime/killswitch) to serve in
// place of sw.js: it activates at once, deletes swkit's caches (this scope's
// precache and every cache named swkit-… or <cacheID>-…, not the app's own),
// unregisters and reloads the pages it controls. cacheID is the config's
// cacheId ("" for none). Deterministic.
func KillSwitch(cacheID string) ([]byte, error) {
	source := fmt.Sprintf("import { killSwitch } from \"./killswitch/killSwitch.js\";\nkillSwitch({ cacheId: %s });\n", jsonText(cacheID))
	return bundle(entryPath, source, api.FormatIIFE, KillSwitchBanner)
}
