package static

import (
	"crypto/sha256"
	"encoding/base64"
)

// etagOf returns the strong, quoted ETag of content: the first 16 bytes of its
// SHA-256 in unpadded base64url (RFC 9110 §8.8.3). ETags are remembered per
// file version in the file cache (filecache.go), so a file is hashed once per
// version rather than once per request.
func etagOf(sum [sha256.Size]byte) string {
	var b [2 + 22]byte
	b[0] = '"'
	base64.RawURLEncoding.Encode(b[1:23], sum[:16])
	b[23] = '"'
	return string(b[:])
}
