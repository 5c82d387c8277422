package main

import (
	"errors"
	"fmt"
	"maps"
	"net/textproto"
	"slices"
	"strings"
)

// securityHeaders is the set --security-headers adds to every file response
// of swkit serve. Each is safe for a static site with a service worker; none
// needs to know the site's content (a full Content-Security-Policy does, so
// it is left to --header):
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
// X-Content-Type-Options: nosniff is always sent by the file server.
// Strict-Transport-Security is not in the set: it only means something over
// https, and a mistake pins browsers to https for its max-age; add it with
// --header once TLS is in place.
var securityHeaders = map[string]string{
	"Content-Security-Policy":    "frame-ancestors 'none'",
	"X-Frame-Options":            "DENY",
	"Referrer-Policy":            "strict-origin-when-cross-origin",
	"Cross-Origin-Opener-Policy": "same-origin",
	"Permissions-Policy":         "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}

// headerFlag collects repeated --header 'Name: value' flags.
type headerFlag map[string]string

func (h headerFlag) String() string {
	return strings.Join(slices.Sorted(maps.Keys(h)), ", ")
}

func (h headerFlag) Set(s string) error {
	name, value, ok := strings.Cut(s, ":")
	name, value = strings.TrimSpace(name), strings.TrimSpace(value)
	if !ok || name == "" || value == "" {
		return errors.New(`want "Name: value"`)
	}
	h[textproto.CanonicalMIMEHeaderKey(name)] = value
	return nil
}

// responseHeaders merges the security set (when on) with --header values,
// which win, so that a site can tighten one header of the set.
func responseHeaders(security bool, extra headerFlag) (map[string]string, error) {
	out := map[string]string{}
	if security {
		maps.Copy(out, securityHeaders)
	}
	for k, v := range extra {
		if strings.ContainsAny(v, "\r\n") {
			return nil, fmt.Errorf("--header %s: line breaks are not allowed", k)
		}
		out[k] = v
	}
	return out, nil
}
