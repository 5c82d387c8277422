// Package hosting gives a static host the caching rules of swkit serve: a
// headers file (Netlify, Cloudflare Pages) or a configuration snippet
// (nginx, Caddy) that sends the worker, HTML and the web app manifest
// no-cache, fingerprinted names immutable, the same types and the same
// headers of the site's own; and it precompresses a site's files into .br
// and .gz siblings, which those servers pick by Accept-Encoding.
package hosting

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/swkit/swkit/internal/manifest"
	"github.com/swkit/swkit/internal/static"
)

// Hosts swkit writes headers for.
const (
	Netlify    = "netlify"
	Cloudflare = "cloudflare"
	Nginx      = "nginx"
	Caddy      = "caddy"
)

// Hosts lists them, in the order the documentation gives them.
var Hosts = []string{Netlify, Cloudflare, Nginx, Caddy}

// Banners are the first lines of the files Generate writes; a file that
// starts with one is swkit's to replace.
var Banners = []string{headersBanner, nginxBanner, caddyBanner}

const (
	headersBanner = "# swkit headers — generated from swkit.json, do not edit"
	nginxBanner   = "# swkit nginx config — generated from swkit.json, do not edit"
	caddyBanner   = "# swkit Caddyfile snippet — generated from swkit.json, do not edit"
)

// DefaultFile is where a host's file goes: _headers in the site folder
// (the hosts read it from there and never serve it), a snippet in the
// current folder for a server's configuration.
func DefaultFile(host string) (name string, inSite bool) {
	switch host {
	case Nginx:
		return "swkit.nginx.conf", false
	case Caddy:
		return "swkit.Caddyfile", false
	}
	return "_headers", true
}

// Site is what the rules depend on.
type Site struct {
	// SwDest is the worker's slash path ("sw.js").
	SwDest string
	// Headers go on every response (server.headers and the security set).
	Headers map[string]string
	// ServiceWorkerAllowed is sent with the worker when set.
	ServiceWorkerAllowed string
	// Hashed is dontCacheBustURLsMatching, a regular expression on the
	// slash path; "" is swkit's default rule.
	Hashed string
	// Hidden are slash paths never served (build inputs).
	Hidden []string
	// Files are every file of the site, by slash path: _headers names
	// fingerprinted files, which its patterns cannot describe.
	Files []string
	// IsHashed is the rule of Hashed, as Go runs it.
	IsHashed func(name string) bool
}

// Warning is something to know about the file written.
type Warning = manifest.Warning

// Generate returns the file for host.
func Generate(host string, s Site) ([]byte, []Warning, error) {
	switch host {
	case Netlify, Cloudflare:
		return headersFile(host, s)
	case Nginx:
		return nginx(s), nil, nil
	case Caddy:
		return caddy(s), nil, nil
	}
	return nil, nil, fmt.Errorf("unknown host %q: want one of %s", host, strings.Join(Hosts, ", "))
}

// Cache-Control values, as package static sends them.
const (
	noCache   = "no-cache"
	immutable = "public, max-age=31536000, immutable"
)

// sortedHeaders are s.Headers sorted by name, with X-Content-Type-Options,
// which static always sends, first.
func sortedHeaders(s Site) [][2]string {
	out := [][2]string{{"X-Content-Type-Options", "nosniff"}}
	names := make([]string, 0, len(s.Headers))
	for k := range s.Headers {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		out = append(out, [2]string{k, s.Headers[k]})
	}
	return out
}

// extensions returns the extensions (without dots) of the static types
// that keep returns true for.
func extensions(keep func(static.Type) bool) []string {
	var out []string
	for _, t := range static.Types() {
		if keep(t) {
			out = append(out, strings.TrimPrefix(t.Ext, "."))
		}
	}
	return out
}

// extPattern is a regular expression for paths ending in one of exts.
func extPattern(exts []string) string {
	q := make([]string, len(exts))
	for i, e := range exts {
		q[i] = regexp.QuoteMeta(e)
	}
	return `\.(?:` + strings.Join(q, "|") + `)$`
}

// urlPath is the URL path of a site file.
func urlPath(name string) string { return "/" + name }

// hiddenPaths are the URL paths answered 404: the hidden files and their
// precompressed siblings.
func hiddenPaths(s Site) []string {
	var out []string
	for _, h := range s.Hidden {
		for _, suffix := range []string{"", ".gz", ".br"} {
			out = append(out, urlPath(h+suffix))
		}
	}
	return out
}

// uriPattern turns a dontCacheBustURLsMatching expression, which is
// matched against the slash path relative to the site ("css/app.css"),
// into one for the URL path ("/css/app.css"): an expression anchored at the
// start gets the leading slash.
func uriPattern(re string) string {
	if rest, ok := strings.CutPrefix(re, "^"); ok {
		return "^/" + rest
	}
	return re
}

// isDirIndex reports whether name is served for a folder URL as well.
func isDirIndex(name string) bool { return path.Base(name) == "index.html" }
