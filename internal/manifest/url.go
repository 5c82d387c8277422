package manifest

import "strings"

// encodePath turns a slash-separated file path into the relative URL a
// browser requests for it: each segment percent-encoded, the slashes kept.
//
// The worker resolves each URL with new URL(url, location) and compares the
// result with request.url, and a browser's URL parser never decodes %XX, so an
// entry matches a page's request only if both are encoded alike. encodePath
// therefore escapes what the WHATWG URL parser escapes in a path (the path
// percent-encode set: controls, space, " # < > ? ` { } and every non-ASCII
// byte, as UTF-8), plus "%" and "\" which would otherwise change the URL's
// meaning, and leaves the rest: "a+b.js", "it's.png" and "(1).txt" stay
// readable and are valid URLs. Invalid UTF-8 is escaped byte by byte, as a
// server would read it back.
//
// A first segment with a colon ("c:d.txt") would read as a URL scheme, so
// that URL starts with "./" (RFC 3986, section 4.2).
func encodePath(p string) string {
	if first, _, _ := strings.Cut(p, "/"); strings.Contains(first, ":") {
		return "./" + encodeSegments(p)
	}
	return encodeSegments(p)
}

func encodeSegments(p string) string {
	n := 0
	for i := 0; i < len(p); i++ {
		if shouldEscape(p[i]) {
			n++
		}
	}
	if n == 0 {
		return p
	}
	const hexDigits = "0123456789ABCDEF"
	b := make([]byte, 0, len(p)+2*n)
	for i := 0; i < len(p); i++ {
		c := p[i]
		if shouldEscape(c) {
			b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
		} else {
			b = append(b, c)
		}
	}
	return string(b)
}

// shouldEscape reports whether byte c is escaped in a URL path segment.
func shouldEscape(c byte) bool { return escaped[c] }

// escaped is shouldEscape as a table: it runs for every byte of every path.
var escaped = func() (t [256]bool) {
	for c := range 256 {
		// controls, space, DEL, non-ASCII
		t[c] = c <= ' ' || c >= 0x7f || strings.IndexByte("\"#<>?`{}%\\", byte(c)) >= 0
	}
	return t
}()
