package config

import (
	"cmp"
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

// regexpLiteral matches "/source/flags"; whether it is meant as a regular
// expression is decided by SplitRegExp.
var regexpLiteral = regexp.MustCompile(`^/(.+)/([^/]*)$`)

// SplitRegExp reports whether urlPattern is a JavaScript regular expression
// literal ("/\\.png$/i") rather than a path pattern ("/api/users", "/img/"),
// and if so returns its source and flags. It is one when it has the form
// /source/flags and source holds a regular-expression metacharacter other than
// "." and "*" (one of \ ^ $ ( ) [ ] { } | + ?), which path patterns never need.
// The flags are not checked here; Parse rejects any outside "gimsuy".
func SplitRegExp(urlPattern string) (source, flags string, ok bool) {
	m := regexpLiteral.FindStringSubmatch(urlPattern)
	if m == nil || !strings.ContainsAny(m[1], `\^$()[]{}|+?`) {
		return "", "", false
	}
	return m[1], m[2], true
}

// Validate checks a Config built in Go, rather than parsed, with the rules
// Parse applies to a file, and normalises handler names in place as Parse
// does. An error is an *Error with Key set and neither File nor Line.
func Validate(c *Config) error {
	return validate(c, func(key, format string, args ...any) error {
		return &Error{Key: key, Msg: fmt.Sprintf(format, args...)}
	})
}

// validate checks the meaning of a well-typed config, normalising handler
// names in place; bad makes the error for a key.
func validate(c *Config, bad func(key, format string, args ...any) error) error {
	for i, p := range c.GlobPatterns {
		if !doublestar.ValidatePattern(p) {
			return bad(index("globPatterns", i), "invalid glob pattern %q", p)
		}
	}
	for i, p := range c.GlobIgnores {
		if !doublestar.ValidatePattern(p) {
			return bad(index("globIgnores", i), "invalid glob pattern %q", p)
		}
	}
	if c.MaximumFileSizeToCacheInBytes < 0 {
		return bad("maximumFileSizeToCacheInBytes", "must not be negative")
	}
	if c.DontCacheBustURLsMatching != "" {
		if msg := checkRegexp(c.DontCacheBustURLsMatching); msg != "" {
			return bad("dontCacheBustURLsMatching", "%s", msg)
		}
	}
	if c.SwDest != "" {
		if msg := checkSwDest(c.SwDest); msg != "" {
			return bad("swDest", "%s", msg)
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
			if msg := checkRegexp(re); msg != "" {
				return bad(index(l.key, i), "%s", msg)
			}
		}
	}
	for i := range c.RuntimeCaching {
		if err := validateRoute(&c.RuntimeCaching[i], index("runtimeCaching", i), bad); err != nil {
			return err
		}
	}
	if c.Push != nil {
		if err := validatePush(c.Push, bad); err != nil {
			return err
		}
	}
	if c.Manifest != nil {
		if err := validateManifest(c.Manifest, bad); err != nil {
			return err
		}
	}
	return validateServer(&c.Server, bad)
}

// validateServer checks the server options.
func validateServer(s *Server, bad func(key, format string, args ...any) error) error {
	for _, name := range slices.Sorted(maps.Keys(s.Headers)) {
		if msg := checkHeader(name, s.Headers[name]); msg != "" {
			return bad("server.headers."+name, "%s", msg)
		}
	}
	if v := s.ServiceWorkerAllowed; v != "" && !ValidHeaderValue(v) {
		return bad("server.serviceWorkerAllowed", "%q holds a control character", v)
	}
	return nil
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
func validatePush(p *Push, bad func(key, format string, args ...any) error) error {
	if p.Endpoint != "" {
		if msg := checkPushEndpoint(p.Endpoint); msg != "" {
			return bad("push.endpoint", "%s", msg)
		}
	}
	for _, f := range []struct{ key, value string }{{"push.icon", p.Icon}, {"push.badge", p.Badge}} {
		if f.value == "" {
			continue
		}
		u, err := url.Parse(f.value)
		switch {
		case err != nil:
			return bad(f.key, "%q is not a URL", f.value)
		case u.Scheme != "" && u.Scheme != "https" && u.Scheme != "http" && u.Scheme != "data":
			return bad(f.key, "scheme %q not allowed: use a relative, http(s) or data: URL", u.Scheme)
		}
	}
	return nil
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

func validateRoute(r *RuntimeCaching, key string, bad func(key, format string, args ...any) error) error {
	switch {
	case r.URLPattern == "":
		return bad(key+".urlPattern", "required")
	case r.Handler == "":
		return bad(key+".handler", "required: one of cacheFirst, networkFirst, staleWhileRevalidate, networkOnly, cacheOnly")
	}
	if _, flags, ok := SplitRegExp(r.URLPattern); ok {
		for i, f := range flags {
			if !strings.ContainsRune("gimsuy", f) {
				return bad(key+".urlPattern", "unknown regular expression flag %q (JavaScript flags are g, i, m, s, u, y)", f)
			}
			if strings.ContainsRune(flags[:i], f) {
				return bad(key+".urlPattern", "regular expression flag %q given twice", f)
			}
		}
	}
	h, ok := handlers[r.Handler]
	if !ok {
		return bad(key+".handler", "unknown handler %q: want one of cacheFirst, networkFirst, staleWhileRevalidate, networkOnly, cacheOnly", r.Handler)
	}
	r.Handler = h
	if r.Method != "" && !isMethod(r.Method) {
		return bad(key+".method", "%q is not an uppercase HTTP method such as GET or POST", r.Method)
	}
	o := &r.Options
	okey := key + ".options"
	switch {
	case o.NetworkTimeoutSeconds < 0:
		return bad(okey+".networkTimeoutSeconds", "must not be negative")
	case o.NetworkTimeoutSeconds > 0 && h != NetworkFirst:
		// As Workbox: only networkFirst races the network against a timer.
		return bad(okey+".networkTimeoutSeconds", "only allowed with handler networkFirst, not %s", h)
	}
	if e := o.Expiration; e != nil {
		if e.MaxEntries < 0 {
			return bad(okey+".expiration.maxEntries", "must not be negative")
		}
		if e.MaxAgeSeconds < 0 {
			return bad(okey+".expiration.maxAgeSeconds", "must not be negative")
		}
	}
	if cr := o.CacheableResponse; cr != nil {
		for i, s := range cr.Statuses {
			// 0 is an opaque (cross-origin no-cors) response.
			if s != 0 && (s < 100 || s > 599) {
				return bad(index(okey+".cacheableResponse.statuses", i), "%d is not an HTTP status (0 for opaque responses, or 100 to 599)", s)
			}
		}
	}
	if o.BroadcastUpdate != nil && h != StaleWhileRevalidate {
		return bad(okey+".broadcastUpdate", "only staleWhileRevalidate revalidates, not %s", h)
	}
	if bs := o.BackgroundSync; bs != nil {
		switch {
		case h != NetworkOnly:
			// A cache strategy would answer a failed request from its
			// cache or fail with something other than a network error;
			// only networkOnly says plainly that the network failed.
			return bad(okey+".backgroundSync", "only with networkOnly, not %s", h)
		case r.Method == "" || r.Method == "GET" || r.Method == "HEAD":
			method := cmp.Or(r.Method, DefaultMethod)
			return bad(okey+".backgroundSync", "a %s request is not worth replaying later (nobody reads the answer); set method to POST, PUT, PATCH or DELETE", method)
		case bs.MaxRetentionTime < 0:
			return bad(okey+".backgroundSync.maxRetentionTime", "must not be negative")
		}
	}
	return nil
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

// checkRegexp returns why re is not a regular expression that both Go and
// JavaScript read the same way, or "". It catches the Go-only syntax people
// reach for; it does not prove that JavaScript accepts re.
func checkRegexp(re string) string {
	if _, err := regexp.Compile(re); err != nil {
		return "invalid regular expression: " + err.Error()
	}
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
			if strings.HasPrefix(g, "P<") {
				return "(?P<name>...) is Go-only; write (?<name>...)"
			}
			if j := strings.IndexAny(g, ":)"); j > 0 && strings.Trim(g[:j], "imsU-") == "" {
				return fmt.Sprintf("inline flags (?%s) are Go-only; JavaScript sets flags on the whole expression", g[:j])
			}
		}
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
