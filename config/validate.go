package config

import (
	"cmp"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/textproto"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/dlclark/regexp2"
)

// Handler names, as the generated worker knows them.
const (
	CacheFirst           = "cacheFirst"
	NetworkFirst         = "networkFirst"
	StaleWhileRevalidate = "staleWhileRevalidate"
	NetworkOnly          = "networkOnly"
	CacheOnly            = "cacheOnly"
)

// handlers maps every accepted spelling to the normal one.
var handlers = map[string]string{
	CacheFirst: CacheFirst, "CacheFirst": CacheFirst,
	NetworkFirst: NetworkFirst, "NetworkFirst": NetworkFirst,
	StaleWhileRevalidate: StaleWhileRevalidate, "StaleWhileRevalidate": StaleWhileRevalidate,
	NetworkOnly: NetworkOnly, "NetworkOnly": NetworkOnly,
	CacheOnly: CacheOnly, "CacheOnly": CacheOnly,
}

// NormalHandler returns the normal spelling of a handler name ("CacheFirst" ->
// "cacheFirst") and whether the name is a known handler at all.
func NormalHandler(name string) (string, bool) {
	h, ok := handlers[name]
	return h, ok
}

// Validate checks a Config built in Go, rather than parsed, with the rules
// Parse applies to a file, and normalises handler names in place as Parse
// does. It reports every invalid option, not only the first: one *Error, or
// several joined (errors.Join; errors.As finds the first), each with Key set
// and neither File nor Line.
func Validate(c *Config) error {
	return validate(c, func(key, format string, args ...any) *Error {
		return &Error{Key: key, Msg: fmt.Sprintf(format, args...)}
	})
}

// badFunc records that the value at key is invalid.
type badFunc func(key, format string, args ...any)

// validate checks the meaning of a well-typed config, normalising handler
// names in place; mk makes the error for a key. Every problem is reported.
func validate(c *Config, mk func(key, format string, args ...any) *Error) error {
	var errs []error
	bad := func(key, format string, args ...any) { errs = append(errs, mk(key, format, args...)) }
	for i, p := range c.GlobPatterns {
		if !doublestar.ValidatePattern(p) {
			bad(index("globPatterns", i), "invalid glob pattern %q", p)
		}
	}
	for i, p := range c.GlobIgnores {
		if !doublestar.ValidatePattern(p) {
			bad(index("globIgnores", i), "invalid glob pattern %q", p)
		}
	}
	if c.MaximumFileSizeToCacheInBytes < 0 {
		bad("maximumFileSizeToCacheInBytes", "must not be negative")
	}
	if c.DontCacheBustURLsMatching != "" {
		// It runs in Go, at build time and in the server.
		if _, err := regexp.Compile(c.DontCacheBustURLsMatching); err != nil {
			bad("dontCacheBustURLsMatching", "not a regular expression that Go can run (it decides at build time): %v", err)
		} else if msg := checkRegexp(c.DontCacheBustURLsMatching, ""); msg != "" {
			bad("dontCacheBustURLsMatching", "%s", msg)
		}
	}
	if c.SwDest != "" {
		if msg := checkSwDest(c.SwDest); msg != "" {
			bad("swDest", "%s", msg)
		}
	}
	lists := []struct {
		key string
		res []string
	}{
		{"ignoreURLParametersMatching", c.IgnoreURLParametersMatching},
		{"navigateFallbackAllowlist", c.NavigateFallbackAllowlist},
		{"navigateFallbackDenylist", c.NavigateFallbackDenylist},
	}
	for _, l := range lists {
		for i, re := range l.res {
			if msg := checkRegexp(re, ""); msg != "" {
				bad(index(l.key, i), "%s", msg)
			}
		}
	}
	validateManifestOptions(c, bad)
	for i := range c.RuntimeCaching {
		validateRoute(&c.RuntimeCaching[i], index("runtimeCaching", i), bad)
	}
	if c.Push != nil {
		validatePush(c.Push, bad)
	}
	if c.Manifest != nil {
		validateManifest(c.Manifest, bad)
	}
	validateServer(&c.Server, bad)
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return errors.Join(errs...)
}

// validateManifestOptions checks the options that add to or change the
// precache manifest.
func validateManifestOptions(c *Config, bad badFunc) {
	for i, e := range c.AdditionalManifestEntries {
		key := index("additionalManifestEntries", i)
		if msg := checkURL(e.URL); msg != "" {
			bad(key+".url", "%s", msg)
		}
		if e.Integrity != "" && !validIntegrity(e.Integrity) {
			bad(key+".integrity", "%q is not a Subresource Integrity digest such as \"sha256-<base64>\"", e.Integrity)
		}
	}
	for _, u := range slices.Sorted(maps.Keys(c.TemplatedURLs)) {
		key := "templatedURLs[" + strconv.Quote(u) + "]"
		if msg := checkURL(u); msg != "" {
			bad(key, "%s", msg)
		}
		t := c.TemplatedURLs[u]
		if len(t.Files) == 0 && t.Revision == "" {
			bad(key, "name the files it is built from ([\"templates/*.html\"]) or give a revision string")
		}
		for i, g := range t.Files {
			if !doublestar.ValidatePattern(g) {
				bad(index(key, i), "invalid glob pattern %q", g)
			}
		}
	}
	for _, prefix := range slices.Sorted(maps.Keys(c.ModifyURLPrefix)) {
		if msg := checkURLPrefix(c.ModifyURLPrefix[prefix]); msg != "" {
			bad("modifyURLPrefix["+strconv.Quote(prefix)+"]", "%s", msg)
		}
	}
	for i, u := range c.ImportScripts {
		if msg := checkURL(u); msg != "" {
			bad(index("importScripts", i), "%s", msg)
		}
	}
}

// checkURL returns why u cannot be a URL the worker fetches, or "".
func checkURL(u string) string {
	if u == "" {
		return "required: a URL relative to the worker, or absolute"
	}
	if !ValidHeaderValue(u) || strings.ContainsAny(u, " \t") {
		return fmt.Sprintf("%q holds a space or control character: percent-encode it", u)
	}
	p, err := url.Parse(u)
	if err != nil {
		return fmt.Sprintf("%q is not a URL: %v", u, errors.Unwrap(err))
	}
	if p.Scheme != "" && p.Scheme != "https" && p.Scheme != "http" {
		return fmt.Sprintf("%q: the worker can only fetch http(s) URLs", u)
	}
	return ""
}

// checkURLPrefix returns why v cannot replace a URL prefix, or "".
func checkURLPrefix(v string) string {
	if v == "" {
		return ""
	}
	return checkURL(v)
}

// validIntegrity reports whether s is an SRI digest the worker can pass to
// fetch(): sha256, sha384 or sha512, then "-" and base64.
func validIntegrity(s string) bool {
	alg, b64, ok := strings.Cut(s, "-")
	if !ok || (alg != "sha256" && alg != "sha384" && alg != "sha512") || b64 == "" {
		return false
	}
	_, err := base64.StdEncoding.DecodeString(b64)
	return err == nil
}

// validateServer checks the server options.
func validateServer(s *Server, bad badFunc) {
	for _, name := range slices.Sorted(maps.Keys(s.Headers)) {
		if msg := checkHeader(name, s.Headers[name]); msg != "" {
			bad("server.headers."+name, "%s", msg)
		}
	}
	if v := s.ServiceWorkerAllowed; v != "" {
		if msg := checkScope(v); msg != "" {
			bad("server.serviceWorkerAllowed", "%s", msg)
		}
	}
}

// checkScope returns why v cannot be a Service-Worker-Allowed value, or "".
// The browser resolves it against the worker's URL, so "static" would allow
// only a folder beside the worker, which is never what was meant.
func checkScope(v string) string {
	if !ValidHeaderValue(v) {
		return fmt.Sprintf("%q holds a control character", v)
	}
	u, err := url.Parse(v)
	switch {
	case err != nil:
		return fmt.Sprintf("%q is not a URL path", v)
	case u.Scheme != "" || u.Host != "":
		if u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
			return fmt.Sprintf("%q: want a path such as \"/\" or \"/app/\"", v)
		}
	case !strings.HasPrefix(v, "/"):
		return fmt.Sprintf("%q is resolved against the worker's URL, not the site's root: write a path from the root, such as \"/%s\"", v, strings.TrimPrefix(v, "./"))
	}
	return ""
}

// ManagedHeaders are the response headers the server sets itself, which
// server.headers may not name.
var ManagedHeaders = []string{
	"Accept-Ranges", "Allow", "Cache-Control", "Content-Encoding",
	"Content-Length", "Content-Range", "Content-Type", "Etag",
	"Last-Modified", "Location", "Service-Worker-Allowed",
	"Transfer-Encoding", "X-Content-Type-Options",
}

// CheckHeader returns an *Error when the header cannot be one of
// server.headers: a name that is not an RFC 9110 token, a value with a
// control character (which could inject a header), or a header the server
// manages.
func CheckHeader(name, value string) error {
	if msg := checkHeader(name, value); msg != "" {
		return &Error{Key: "server.headers." + name, Msg: msg}
	}
	return nil
}

func checkHeader(name, value string) string {
	switch {
	case !validHeaderName(name):
		return fmt.Sprintf("%q is not a header name", name)
	case !ValidHeaderValue(value):
		return "the value holds a control character or line break"
	case slices.Contains(ManagedHeaders, textproto.CanonicalMIMEHeaderKey(name)):
		return "set by the server itself"
	}
	return ""
}

// validHeaderName reports whether s is an RFC 9110 §5.1 field name (a token).
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			continue
		}
		if strings.IndexByte("!#$%&'*+-.^_`|~", c) < 0 {
			return false
		}
	}
	return true
}

// ValidHeaderValue reports whether s is a field value without control
// characters other than tab (RFC 9110 §5.5), so that no header can be
// injected through it.
func ValidHeaderValue(s string) bool {
	for _, c := range []byte(s) {
		if c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// validatePush checks the push options.
func validatePush(p *Push, bad badFunc) {
	if p.Endpoint != "" {
		if msg := checkPushEndpoint(p.Endpoint); msg != "" {
			bad("push.endpoint", "%s", msg)
		}
	}
	for _, f := range []struct{ key, value string }{{"push.icon", p.Icon}, {"push.badge", p.Badge}} {
		if f.value == "" {
			continue
		}
		u, err := url.Parse(f.value)
		switch {
		case err != nil:
			bad(f.key, "%q is not a URL", f.value)
		case u.Scheme != "" && u.Scheme != "https" && u.Scheme != "http" && u.Scheme != "data":
			bad(f.key, "scheme %q not allowed: use a relative, http(s) or data: URL", u.Scheme)
		}
	}
}

// checkPushEndpoint returns why e cannot be the push API's URL prefix, or "".
// The worker appends "public-key" and "subscriptions" to it, so it must end
// in "/"; a page's subscription carries no secret, but the worker must not
// send it over plain http to another host.
func checkPushEndpoint(e string) string {
	u, err := url.Parse(e)
	switch {
	case err != nil:
		return fmt.Sprintf("%q is not a URL", e)
	case !strings.HasSuffix(u.Path, "/") || u.RawQuery != "" || u.Fragment != "":
		return fmt.Sprintf("%q must end in / (the worker appends public-key and subscriptions)", e)
	case u.Scheme == "" && u.Host == "" && strings.HasPrefix(e, "/") && !strings.HasPrefix(e, "//"):
		return ""
	case u.Scheme == "https" && u.Host != "":
		return ""
	}
	return fmt.Sprintf("%q must be a path on the site (\"/swkit/push/\") or an https URL", e)
}

func validateRoute(r *RuntimeCaching, key string, bad badFunc) {
	switch {
	case r.URLPattern == "" && len(r.Destination) == 0:
		bad(key+".urlPattern", "required")
	case r.URLPattern != "":
		if msg := checkURLPattern(r.URLPattern); msg != "" {
			bad(key+".urlPattern", "%s", msg)
		}
	}
	for i, d := range r.Destination {
		if !slices.Contains(destinations, d) {
			bad(index(key+".urlPattern.destination", i), "unknown destination %q: want one of %s", d, strings.Join(destinations[1:], ", "))
		}
	}
	h, ok := handlers[r.Handler]
	switch {
	case r.Handler == "":
		bad(key+".handler", "required: one of cacheFirst, networkFirst, staleWhileRevalidate, networkOnly, cacheOnly")
	case !ok:
		bad(key+".handler", "unknown handler %q: want one of cacheFirst, networkFirst, staleWhileRevalidate, networkOnly, cacheOnly", r.Handler)
	default:
		r.Handler = h
	}
	if r.Method != "" && !isMethod(r.Method) {
		bad(key+".method", "%q is not an uppercase HTTP method such as GET or POST", r.Method)
	}
	o := &r.Options
	okey := key + ".options"
	switch {
	case o.NetworkTimeoutSeconds < 0:
		bad(okey+".networkTimeoutSeconds", "must not be negative")
	case o.NetworkTimeoutSeconds > 0 && ok && h != NetworkFirst:
		// As Workbox: only networkFirst races the network against a timer.
		bad(okey+".networkTimeoutSeconds", "only allowed with handler networkFirst, not %s", h)
	}
	if e := o.Expiration; e != nil {
		if e.MaxEntries < 0 {
			bad(okey+".expiration.maxEntries", "must not be negative")
		}
		if e.MaxAgeSeconds < 0 {
			bad(okey+".expiration.maxAgeSeconds", "must not be negative")
		}
	}
	if cr := o.CacheableResponse; cr != nil {
		for i, s := range cr.Statuses {
			// 0 is an opaque (cross-origin no-cors) response.
			if s != 0 && (s < 100 || s > 599) {
				bad(index(okey+".cacheableResponse.statuses", i), "%d is not an HTTP status (0 for opaque responses, or 100 to 599)", s)
			}
		}
	}
	if o.BroadcastUpdate != nil && ok && h != StaleWhileRevalidate {
		bad(okey+".broadcastUpdate", "only staleWhileRevalidate revalidates, not %s", h)
	}
	if o.MatchOptions != nil && ok && h == NetworkOnly {
		bad(okey+".matchOptions", "networkOnly never reads a cache")
	}
	if f := o.FetchOptions; f != nil {
		if f.ReferrerPolicy != "" && !slices.Contains(referrerPolicies, f.ReferrerPolicy) {
			bad(okey+".fetchOptions.referrerPolicy", "unknown policy %q: want one of %s", f.ReferrerPolicy, strings.Join(referrerPolicies, ", "))
		}
		for _, e := range []struct{ name, value, allowed string }{
			{"credentials", f.Credentials, "omit|same-origin|include"},
			{"mode", f.Mode, "cors|no-cors|same-origin"},
			{"cache", f.Cache, "default|no-store|reload|no-cache|force-cache|only-if-cached"},
			{"redirect", f.Redirect, "follow|error|manual"},
		} {
			if e.value != "" && !slices.Contains(strings.Split(e.allowed, "|"), e.value) {
				bad(okey+".fetchOptions."+e.name, "unknown value %q: want one of %s", e.value, strings.ReplaceAll(e.allowed, "|", ", "))
			}
		}
	}
	if bs := o.BackgroundSync; bs != nil {
		switch {
		case ok && h != NetworkOnly:
			// A cache strategy would answer a failed request from its
			// cache or fail with something other than a network error;
			// only networkOnly says plainly that the network failed.
			bad(okey+".backgroundSync", "only with networkOnly, not %s", h)
		case r.Method == "" || r.Method == "GET" || r.Method == "HEAD":
			method := cmp.Or(r.Method, DefaultMethod)
			bad(okey+".backgroundSync", "a %s request is not worth replaying later (nobody reads the answer); set method to POST, PUT, PATCH or DELETE", method)
		case bs.MaxRetentionTime < 0:
			bad(okey+".backgroundSync.maxRetentionTime", "must not be negative")
		}
	}
}

// destinations are the values of Request.destination (Fetch standard), ""
// first: requests made by fetch() and XMLHttpRequest.
var destinations = []string{"", "audio", "audioworklet", "document", "embed", "font", "frame", "iframe",
	"image", "json", "manifest", "object", "paintworklet", "report", "script", "serviceworker",
	"sharedworker", "style", "track", "video", "webidentity", "worker", "xslt"}

// referrerPolicies are the values of Referrer-Policy.
var referrerPolicies = []string{"no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin",
	"same-origin", "strict-origin", "strict-origin-when-cross-origin", "unsafe-url"}

// checkURLPattern returns why p is no urlPattern the worker can run, or "".
func checkURLPattern(p string) string {
	if source, flags, ok := SplitRegExp(p); ok {
		for i, f := range flags {
			if !strings.ContainsRune("gimsuyd", f) {
				return fmt.Sprintf("unknown regular expression flag %q (JavaScript flags are g, i, m, s, u, y)", f)
			}
			if strings.ContainsRune(flags[:i], f) {
				return fmt.Sprintf("regular expression flag %q given twice", f)
			}
		}
		if err := CheckLiteralBody(source); err != nil {
			return fmt.Sprintf("%q: %v", p, err)
		}
		return checkRegexp(source, flags)
	}
	method, rest, hasMethod := strings.Cut(p, " ")
	switch {
	case hasMethod && isMethod(method) && strings.HasPrefix(rest, "/"):
		return fmt.Sprintf("%q: put the method in the route's method key and write the path alone (%q)", p, rest)
	case strings.HasPrefix(p, "/"), strings.HasPrefix(p, "https://"), strings.HasPrefix(p, "http://"):
	default:
		return fmt.Sprintf("%q: want /regexp/flags, a path starting with /, or an absolute http(s) URL", p)
	}
	if _, err := MuxPattern(p); err != nil {
		return fmt.Sprintf("%q: %v", p, err)
	}
	return ""
}

func index(key string, i int) string { return key + "[" + strconv.Itoa(i) + "]" }

// isMethod reports whether m is an HTTP method token (RFC 9110, section 9.1)
// without lowercase letters: methods are case-sensitive and the standard ones
// are uppercase, so "get" is almost surely a mistake.
func isMethod(m string) bool {
	if m == "" {
		return false
	}
	for _, c := range []byte(m) {
		switch {
		case 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0: // tchar, RFC 9110, section 5.6.2
		default:
			return false
		}
	}
	return true
}

// checkSwDest returns why name cannot be the worker's file name, or "".
func checkSwDest(name string) string {
	switch {
	case strings.ContainsRune(name, '\\'):
		return "use / to separate folders, not \\"
	case !fs.ValidPath(name) || name == ".":
		return fmt.Sprintf("%q must be a relative file path without \"..\", \".\" or empty segments", name)
	case !strings.HasSuffix(name, ".js") || name == ".js":
		return fmt.Sprintf("%q must end in .js", name)
	}
	for seg := range strings.SplitSeq(name, "/") {
		if strings.HasPrefix(seg, ".") {
			// Dotfiles are never served or precached.
			return fmt.Sprintf("%q must not start a file or folder name with a dot", name)
		}
	}
	return ""
}

// checkRegexp returns why re, with JavaScript flags, is not a regular
// expression that the worker can run, or "". It compiles re with
// JavaScript's syntax (lookarounds, named groups and backreferences are
// fine) and refuses the syntax of other engines that JavaScript reads
// differently, which people bring from Go, Python or .NET.
func checkRegexp(re, flags string) string {
	inClass := false
	for i := 0; i < len(re); i++ {
		c := re[i]
		rest := re[i+1:]
		switch {
		case c == '\\' && rest != "":
			switch rest[0] {
			case 'A', 'z':
				return fmt.Sprintf(`\%c is Go-only; use ^ or $`, rest[0])
			case 'Q', 'E':
				return `\Q...\E quoting is Go-only; escape each character with \`
			case 'p', 'P':
				if len(rest) < 2 || rest[1] != '{' {
					return fmt.Sprintf(`\%cL without braces is Go-only; write \%c{L}`, rest[0], rest[0])
				}
			}
			i++
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
			if strings.HasPrefix(rest, "[:") {
				return "POSIX classes such as [[:alpha:]] are Go-only; use [a-zA-Z] or \\d, \\w, \\s"
			}
			// A ']' right after '[' or '[^' is a literal in Go, so skip it.
			if strings.HasPrefix(rest, "^") {
				i++
				rest = rest[1:]
			}
			if strings.HasPrefix(rest, "]") {
				i++
			}
		case c == '(' && strings.HasPrefix(rest, "?"):
			g := rest[1:]
			switch {
			case strings.HasPrefix(g, "P<"):
				return "(?P<name>...) is Go-only; write (?<name>...)"
			case strings.HasPrefix(g, ">"), strings.HasPrefix(g, "'"), strings.HasPrefix(g, "#"), strings.HasPrefix(g, "("):
				return fmt.Sprintf("(?%c... is not JavaScript (it is .NET's or PCRE's)", g[0])
			}
			if j := strings.IndexAny(g, ":)"); j > 0 && strings.Trim(g[:j], "imsU-") == "" {
				return fmt.Sprintf("inline flags (?%s) are Go-only; JavaScript sets flags on the whole expression", g[:j])
			}
		}
	}
	opts := regexp2.RegexOptions(regexp2.ECMAScript)
	if strings.ContainsRune(flags, 'u') {
		opts |= regexp2.Unicode
	}
	if _, err := regexp2.Compile(re, opts); err != nil {
		return "invalid regular expression: " + strings.TrimPrefix(err.Error(), "error parsing regexp: ")
	}
	return ""
}

// Checked returns c validated, with handler names normalised and defaults
// applied (Defaults), leaving the caller's c and what it points to as they
// are. An invalid option is an *Error naming its key.
func Checked(c Config) (Config, error) {
	c.RuntimeCaching = slices.Clone(c.RuntimeCaching)
	if err := Validate(&c); err != nil {
		return Config{}, err
	}
	return Defaults(c), nil
}
