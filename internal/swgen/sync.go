package swgen

import (
	"fmt"

	"github.com/swkit/swkit/config"
)

// DefaultQueueName is the queue of a backgroundSync route without a name.
const DefaultQueueName = "default"

// DefaultMaxRetentionTime is how long, in minutes, a queued request is kept
// when backgroundSync.maxRetentionTime is unset: 7 days, as Workbox.
const DefaultMaxRetentionTime = 7 * 24 * 60

// withBackgroundSync wraps a route's handler expression in the runtime's
// backgroundSync (runtime/sw/sync/backgroundSync.js), which queues requests
// that fail for lack of network and replays them with an Idempotency-Key.
func withBackgroundSync(handler, strategy, method string, bs config.BackgroundSync, imports map[string]string) (string, error) {
	// A cache strategy would answer a failed request from its cache (never
	// for POST) or fail with something other than a network error; only
	// networkOnly says plainly that the network failed.
	if strategy != config.NetworkOnly {
		return "", fmt.Errorf("options.backgroundSync: only with networkOnly, not %s", strategy)
	}
	switch method {
	case "GET", "HEAD":
		return "", fmt.Errorf("options.backgroundSync: a %s request is not worth replaying later (nobody reads the answer); set method to POST, PUT, PATCH or DELETE", method)
	}
	name := bs.Name
	if name == "" {
		name = DefaultQueueName
	}
	retention := bs.MaxRetentionTime
	if retention == 0 {
		retention = DefaultMaxRetentionTime
	}
	imports["backgroundSync"] = "./sw/sync/backgroundSync.js"
	return fmt.Sprintf("backgroundSync(%s, %s, %s)",
		handler, jsonText(name), jsonText(retention)), nil
}
