package idempotency

import (
	"crypto/sha256"
	"encoding/hex"
)

// keyRef is how logs name a key: "key#" and the first 8 hex digits of its
// SHA-256. Enough to follow one key through the logs, and nothing that
// would let a reader of the logs replay the request: the key itself is the
// client's secret for that request, and is never logged. The stores'
// errors do not carry it either.
func keyRef(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "key#" + hex.EncodeToString(sum[:4])
}
