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
// config.Validate allows it only on networkOnly routes of other methods than
// GET and HEAD.
func withBackgroundSync(handler string, bs config.BackgroundSync, imports map[string]string) string {
	name := bs.Name
	if name == "" {
		name = DefaultQueueName
	}
	retention := bs.MaxRetentionTime
	if retention == 0 {
		retention = DefaultMaxRetentionTime
	}
	imports["backgroundSync"] = "./sw/sync/backgroundSync.js"
	return fmt.Sprintf("backgroundSync(%s, %s, %s)", handler, jsonText(name), jsonText(retention))
}
