package idempotency

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash"
	"net/http"
	"strings"
)

// MaxKeyLen is the longest key accepted, in bytes after unquoting. The IETF
// draft leaves the length to the server; 255 is generous for the UUIDs that
// clients (swkit's service worker among them) send, and it is what the store
// keeps.
const MaxKeyLen = 255

var (
	errKeyEmpty   = errors.New("the Idempotency-Key header is empty")
	errKeyLong    = errors.New("the Idempotency-Key is longer than 255 characters")
	errKeyChar    = errors.New("the Idempotency-Key has a character other than printable ASCII")
	errKeyQuote   = errors.New("the Idempotency-Key is a malformed quoted string")
	errKeyTooMany = errors.New("the request has more than one Idempotency-Key header")
)

// parseKey returns the key that the Idempotency-Key header values carry.
// ok is false when there is no header at all.
//
// Two forms are accepted:
//
//   - the draft's form (draft-ietf-httpapi-idempotency-key-header section 2),
//     a Structured Field String (RFC 8941 section 3.3.3): a double-quoted
//     string of %x20-7E in which only `"` and `\` are escaped, by a
//     backslash; the key is the string's content;
//   - a plain token of visible ASCII (%x21-7E, no space), taken as it is,
//     which is what many clients send.
//
// So `"abc"` and `abc` name the same key. Parameters after the quoted
// string (`"abc";p=1`) are not accepted.
func parseKey(values []string) (key string, ok bool, err error) {
	switch len(values) {
	case 0:
		return "", false, nil
	case 1:
	default:
		return "", true, errKeyTooMany
	}
	v := values[0]
	if strings.HasPrefix(v, `"`) {
		key, err = unquote(v)
	} else {
		key, err = plain(v)
	}
	if err != nil {
		return "", true, err
	}
	switch {
	case key == "":
		return "", true, errKeyEmpty
	case len(key) > MaxKeyLen:
		return "", true, errKeyLong
	}
	return key, true, nil
}

func plain(v string) (string, error) {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x21 || c > 0x7e {
			return "", errKeyChar
		}
	}
	return v, nil
}

// unquote decodes an RFC 8941 section 4.2.5 String.
func unquote(v string) (string, error) {
	var b strings.Builder
	for i := 1; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\':
			i++
			if i == len(v) || (v[i] != '"' && v[i] != '\\') {
				return "", errKeyQuote
			}
			b.WriteByte(v[i])
		case c == '"':
			if i != len(v)-1 {
				return "", errKeyQuote // parameters or junk after the string
			}
			return b.String(), nil
		case c < 0x20 || c > 0x7e:
			return "", errKeyChar
		default:
			b.WriteByte(c)
		}
	}
	return "", errKeyQuote
}

// requestHash returns the hex SHA-256 of what makes two requests under one
// key "the same request": the method, the scope (KeyScope), the Content-Type
// and the body. Each field is length-prefixed so that no two different
// requests encode alike.
func requestHash(method, scope, contentType string, body []byte) string {
	h := sha256.New()
	field(h, []byte("swkit idempotency v1"))
	field(h, []byte(method))
	field(h, []byte(scope))
	field(h, []byte(contentType))
	field(h, body)
	return hex.EncodeToString(h.Sum(nil))
}

func field(h hash.Hash, b []byte) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(b)))
	h.Write(n[:])
	h.Write(b)
}

// DefaultKeyScope is the KeyScope used when Options.KeyScope is nil: the
// method, the request target (path and query), and a SHA-256 of the
// caller's credentials, its Authorization and Cookie headers. A key reused
// on another route, with another query, or by another caller is a different
// request (422): one user's key never replays another user's stored
// response.
//
// The credentials must then be the same on every attempt. A replay sends
// the cookies the browser holds when it is replayed, so a site whose
// cookies change between attempts (a rotated session cookie, an analytics
// cookie rewritten on each page) would see a replay refused with 422 (and
// swkit's worker drops a refused request): give such a site a KeyScope
// with the signed-in user's id instead.
func DefaultKeyScope(r *http.Request) string {
	h := sha256.New()
	field(h, []byte(strings.Join(r.Header.Values("Authorization"), "\n")))
	field(h, []byte(strings.Join(r.Header.Values("Cookie"), "; ")))
	return r.Method + " " + r.URL.RequestURI() + " " + hex.EncodeToString(h.Sum(nil))
}
