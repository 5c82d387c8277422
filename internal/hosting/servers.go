package hosting

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/swkit/swkit/internal/static"
)

// The default fingerprint rule (manifest.DefaultHashedName) as regular
// expressions on the URL path: the last segment is stem[.-]token.ext, the
// token either 8 to 64 lowercase hex digits with a digit and a letter, or
// exactly 8 letters, digits and underscores with an uppercase letter and a
// digit. The token holds neither "." nor "-", so it is always the piece
// right before the extension.
const (
	hashedTail = `\.[^./]+$`
	hexToken   = `[0-9a-f]`
	wordToken  = `[A-Za-z0-9_]`
)

// hashedPCRE is the default rule for nginx, whose PCRE has lookahead.
const hashedPCRE = `/[^/]+[.-](?:(?=` + hexToken + `*[0-9])(?=` + hexToken + `*[a-f])` + hexToken + `{8,64}|(?=` +
	wordToken + `*[A-Z])(?=` + wordToken + `*[0-9])` + wordToken + `{8})` + hashedTail

// hashedRE2 is the default rule for Caddy, whose RE2 has no lookahead: the
// token's length, and its digit and its letter, are separate tests on the
// same token, all of which must pass (either group).
var hashedRE2 = [][]string{
	{`/[^/]+[.-]` + hexToken + `{8,64}` + hashedTail, `[.-]` + hexToken + `*[0-9]` + hexToken + `*` + hashedTail, `[.-]` + hexToken + `*[a-f]` + hexToken + `*` + hashedTail},
	// {8,8}, not {8}: Caddy would take "{8}" in an expression for a placeholder.
	{`/[^/]+[.-]` + wordToken + `{8,8}` + hashedTail, `[.-]` + wordToken + `*[A-Z]` + wordToken + `*` + hashedTail, `[.-]` + wordToken + `*[0-9]` + wordToken + `*` + hashedTail},
}

// typeGroups are the static types grouped by Content-Type, sorted.
func typeGroups() (cts []string, exts map[string][]string) {
	exts = map[string][]string{}
	for _, t := range static.Types() {
		exts[t.ContentType] = append(exts[t.ContentType], strings.TrimPrefix(t.Ext, "."))
	}
	return slices.Sorted(maps.Keys(exts)), exts
}

// nginx is a snippet for a server block whose root is the site.
func nginx(s Site) []byte {
	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	q := nginxQuote
	w("%s", nginxBanner)
	w("# Include it in the server block whose root is the site folder:")
	w("#   server { listen 443 ssl; root /srv/site; include /etc/nginx/swkit.nginx.conf; }")
	w("# It needs the brotli_static module (Debian: libnginx-mod-http-brotli-static).")
	w("# nginx drops server-level add_header in a location with its own add_header:")
	w("# repeat these there, or add none.")
	w("")
	w("# The types of swkit serve, the same on every machine.")
	w("types {")
	cts, exts := typeGroups()
	var charsetTypes []string
	for _, ct := range cts {
		base, charset, _ := strings.Cut(ct, ";")
		if charset != "" {
			charsetTypes = append(charsetTypes, base)
		}
		w("    %s %s;", base, strings.Join(exts[ct], " "))
	}
	w("}")
	w("default_type application/octet-stream;")
	w("charset utf-8;")
	w("charset_types %s;", strings.Join(charsetTypes, " "))
	w("")
	w("# Precompressed siblings (swkit build --precompress), by Accept-Encoding.")
	w("gzip_static on;")
	w("brotli_static on;")
	w("")
	w("# Dotfiles and build inputs are never served.")
	w("location ~ /\\. { return 404; }")
	for _, p := range hiddenPaths(s) {
		w("location = %s { return 404; }", p)
	}
	w("")
	w("# no-cache (revalidate by ETag) by default; a year, immutable, for")
	w("# fingerprinted names; never for HTML, the manifest and the worker.")
	w("set $swkit_cache_control %q;", noCache)
	hashed := hashedPCRE
	if s.Hashed != "" {
		hashed = uriPattern(s.Hashed)
	}
	w("if ($uri ~ %s) { set $swkit_cache_control %q; }", q(hashed), immutable)
	revalidate := extensions(func(t static.Type) bool { return t.Revalidate })
	w("if ($uri ~* %s) { set $swkit_cache_control %q; }", q(extPattern(revalidate)), noCache)
	w("set $swkit_worker_allowed \"\";")
	worker := "set $swkit_cache_control \"no-cache\";"
	if s.ServiceWorkerAllowed != "" {
		worker += " set $swkit_worker_allowed " + q(s.ServiceWorkerAllowed) + ";"
	}
	w("if ($uri = %s) { %s }", q(urlPath(s.SwDest)), worker)
	w("set $swkit_vary \"\";")
	compressible := extensions(func(t static.Type) bool { return t.Compressible })
	w("if ($uri ~* %s) { set $swkit_vary \"Accept-Encoding\"; }", q(extPattern(compressible)))
	w("add_header Cache-Control $swkit_cache_control;")
	w("add_header Vary $swkit_vary;")
	w("add_header Service-Worker-Allowed $swkit_worker_allowed;")
	for _, h := range sortedHeaders(s) {
		w("add_header %s %s always;", h[0], q(h[1]))
	}
	return b.Bytes()
}

// caddy is a snippet for a site block whose root is the site.
func caddy(s Site) []byte {
	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	q := caddyQuote
	w("%s", caddyBanner)
	w("# Import it in the site block whose root is the site folder:")
	w("#   example.com {")
	w("#       root * /srv/site")
	w("#       import /etc/caddy/swkit.Caddyfile")
	w("#   }")
	w("# It serves the files itself (file_server, with precompressed siblings).")
	w("")
	hidden := []string{`/\.`}
	for _, p := range hiddenPaths(s) {
		hidden = append(hidden, "^"+regexpQuote(p)+"$")
	}
	w("@swkit_hidden path_regexp swkit_hidden %s", q(strings.Join(hidden, "|")))
	if s.Hashed != "" {
		w("@swkit_hashed path_regexp swkit_hashed %s", q(uriPattern(s.Hashed)))
	} else {
		var any []string
		for _, all := range hashedRE2 {
			var each []string
			for _, re := range all {
				// A CEL string literal, escaped as Go's.
				each = append(each, "{path}.matches("+strconv.Quote(re)+")")
			}
			any = append(any, "("+strings.Join(each, " && ")+")")
		}
		w("@swkit_hashed expression `%s`", strings.Join(any, " || "))
	}
	glob := func(exts []string) string {
		var out []string
		for _, e := range exts {
			out = append(out, "*."+e)
		}
		return strings.Join(out, " ")
	}
	revalidate := extensions(func(t static.Type) bool { return t.Revalidate })
	// "*/" is a folder, answered with its index.html.
	w("@swkit_revalidate path %s */ %s", glob(revalidate), urlPath(s.SwDest))
	compressible := extensions(func(t static.Type) bool { return t.Compressible })
	w("@swkit_compressible path %s */", glob(compressible))
	cts, exts := typeGroups()
	var all []string
	for i, ct := range cts {
		extra := ""
		if strings.HasPrefix(ct, "text/html") {
			extra = " */"
		}
		w("@swkit_type%d path %s%s", i, glob(exts[ct]), extra)
		all = append(all, exts[ct]...)
	}
	w("@swkit_untyped not path %s */", glob(all))
	if s.ServiceWorkerAllowed != "" {
		w("@swkit_worker path %s", urlPath(s.SwDest))
	}
	w("")
	w("route {")
	w("\trespond @swkit_hidden 404")
	for _, h := range sortedHeaders(s) {
		w("\theader %s %s", h[0], q(h[1]))
	}
	w("\theader Cache-Control %q", noCache)
	w("\theader @swkit_hashed Cache-Control %q", immutable)
	w("\theader @swkit_revalidate Cache-Control %q", noCache)
	if s.ServiceWorkerAllowed != "" {
		w("\theader @swkit_worker Service-Worker-Allowed %s", q(s.ServiceWorkerAllowed))
	}
	// "?": only where file_server, serving a sibling, did not set it.
	w("\theader @swkit_compressible ?Vary Accept-Encoding")
	for i, ct := range cts {
		w("\theader @swkit_type%d Content-Type %q", i, ct)
	}
	w("\theader @swkit_untyped Content-Type application/octet-stream")
	w("\tfile_server {")
	w("\t\tprecompressed br gzip")
	w("\t}")
	w("}")
	return b.Bytes()
}

// nginxQuote quotes s for nginx, which unescapes \\ and \" in quotes.
func nginxQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// caddyQuote quotes s for a Caddyfile: a backquoted token is taken as it
// is, backslashes and all.
func caddyQuote(s string) string {
	if !strings.Contains(s, "`") {
		return "`" + s + "`"
	}
	return strconv.Quote(s)
}

// regexpQuote quotes the metacharacters of a path for a regular expression.
func regexpQuote(p string) string {
	var b strings.Builder
	for _, c := range p {
		if strings.ContainsRune(`\.+*?()|[]{}^$`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}
