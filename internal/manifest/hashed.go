package manifest

import (
	"path"
	"strings"
)

// DefaultHashedName reports whether the file name at the end of the
// slash-separated path name carries a content hash that bundlers put there,
// so that the name alone identifies a version. That is a token right before
// the final extension, after a "." or "-", of 8 to 64 characters from
// [A-Za-z0-9_] that is either
//
//   - lowercase hex with at least one digit and one letter
//     ("app.3f9a1c2b.js", "index-deadbeef12.css": webpack, Parcel, Hugo), or
//   - exactly 8 letters and digits with at least one uppercase letter
//     ("index-BfK2x9Qa.js": Vite; "chunk-ABCD2345.js": esbuild).
//
// Words ("v1-settings.js", "jquery.min.js") and numbers ("chapter2.html",
// "photo-20240101.jpg") are not hashes.
func DefaultHashedName(name string) bool {
	base := path.Base(name)
	dot := strings.LastIndexByte(base, '.')
	if dot <= 0 || dot == len(base)-1 { // no extension
		return false
	}
	stem := base[:dot]
	sep := strings.LastIndexAny(stem, ".-")
	if sep <= 0 { // no separator, or nothing before it
		return false
	}
	return isHashToken(stem[sep+1:])
}

func isHashToken(t string) bool {
	if len(t) < 8 || len(t) > 64 {
		return false
	}
	var lowerHex, lower, upper, digit, other int
	for _, c := range []byte(t) {
		switch {
		case '0' <= c && c <= '9':
			digit++
		case 'a' <= c && c <= 'f':
			lowerHex++
		case 'g' <= c && c <= 'z':
			lower++
		case 'A' <= c && c <= 'Z':
			upper++
		case c == '_':
			other++
		default:
			return false
		}
	}
	if lower == 0 && upper == 0 && other == 0 && lowerHex > 0 && digit > 0 {
		return true
	}
	// Bundlers' short hashes (Vite and Rollup base64url, esbuild base32) are 8
	// characters; longer mixed tokens are more often words with a number.
	return len(t) == 8 && upper > 0 && digit > 0
}
