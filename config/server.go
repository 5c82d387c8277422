package config

import "maps"

// securityHeaders is the set server.securityHeaders adds. Each is safe for a
// static site with a service worker; none needs to know the site's content
// (a full Content-Security-Policy does, so it is left to server.headers):
//   - frame-ancestors 'none' and X-Frame-Options DENY (for browsers without
//     CSP level 2): no other site can frame the pages (clickjacking).
//   - Referrer-Policy strict-origin-when-cross-origin: other sites see the
//     origin, never the path and query, and nothing on a downgrade to http.
//   - Cross-Origin-Opener-Policy same-origin: a cross-origin window that opens
//     or is opened by a page gets no handle on it (XS-Leaks, Spectre).
//   - Permissions-Policy: powerful features a static site has no use for are
//     off for it and for anything it embeds. Notifications and push are not
//     Permissions-Policy features, so push keeps working.
//
// X-Content-Type-Options: nosniff is always sent. Strict-Transport-Security
// is not in the set: it only means something over https, and a mistake pins
// browsers to https for its max-age; add it to server.headers once TLS is in
// place.
var securityHeaders = map[string]string{
	"Content-Security-Policy":    "frame-ancestors 'none'",
	"X-Frame-Options":            "DENY",
	"Referrer-Policy":            "strict-origin-when-cross-origin",
	"Cross-Origin-Opener-Policy": "same-origin",
	"Permissions-Policy":         "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}

// SecurityHeaders returns the set of headers that server.securityHeaders
// adds to every response.
func SecurityHeaders() map[string]string { return maps.Clone(securityHeaders) }

// ResponseHeaders returns the headers to add to every response: the
// security set when SecurityHeaders is on, then Headers, which win, so that a
// site can tighten one header of the set.
func (s Server) ResponseHeaders() map[string]string {
	out := map[string]string{}
	if s.SecurityHeaders {
		maps.Copy(out, securityHeaders)
	}
	maps.Copy(out, s.Headers)
	return out
}

// CompressOn reports whether on-the-fly compression is on (the default).
func (s Server) CompressOn() bool { return s.Compress == nil || *s.Compress }
