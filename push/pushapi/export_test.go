package pushapi

import "testing"

// SetSendBatch makes Send read n subscriptions at a time until t ends.
func SetSendBatch(t *testing.T, n int) {
	old := sendBatch
	sendBatch = n
	t.Cleanup(func() { sendBatch = old })
}
