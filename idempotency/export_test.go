package idempotency

// ParseKey is parseKey for the external tests, which cannot reach it but
// need the store backends, which import this package.
var ParseKey = parseKey
