package hosting

import (
	"bytes"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/swkit/swkit/internal/static"
)

// cloudflareMaxRules is Cloudflare Pages' limit on the rules of _headers.
const cloudflareMaxRules = 100

// headersFile is _headers, the format Netlify and Cloudflare Pages share:
// a path pattern ("*" matches anything, slashes included) and its
// headers, indented. Every matching rule applies, and both hosts join two
// values of one header, so Cache-Control is set only by rules that do not
// overlap; everything else keeps the hosts' default, "public, max-age=0,
// must-revalidate", which is what no-cache means.
func headersFile(host string, s Site) ([]byte, []Warning, error) {
	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	rules := 0
	rule := func(pattern string, headers ...[2]string) {
		rules++
		w("%s", pattern)
		for _, h := range headers {
			w("  %s: %s", h[0], h[1])
		}
	}
	w("%s", headersBanner)
	w("# %s reads it from the site folder and never serves it.", map[string]string{Netlify: "Netlify", Cloudflare: "Cloudflare Pages"}[host])
	rule("/*", sortedHeaders(s)...)
	worker := [][2]string{{"Cache-Control", noCache}}
	if s.ServiceWorkerAllowed != "" {
		worker = append(worker, [2]string{"Service-Worker-Allowed", s.ServiceWorkerAllowed})
	}
	rule(urlPath(s.SwDest), worker...)
	for _, name := range s.Files {
		if static.Revalidates(name) && !isDirIndex(name) && !strings.HasSuffix(name, ".html") && !strings.HasSuffix(name, ".htm") {
			rule(urlPath(name), [2]string{"Cache-Control", noCache}) // the web app manifest
		}
	}
	for _, p := range hashedPatterns(s) {
		rule(p, [2]string{"Cache-Control", immutable})
	}
	var warns []Warning
	if host == Cloudflare && rules > cloudflareMaxRules {
		warns = append(warns, Warning{Path: "_headers", Message: fmt.Sprintf(
			"%d rules, over Cloudflare Pages' limit of %d: it ignores the rest; put fingerprinted files in folders of their own (assets/)", rules, cloudflareMaxRules)})
	}
	return b.Bytes(), warns, nil
}

// hashedPatterns are the patterns of the fingerprinted files: a folder
// whose files all are ("/assets/*") or else each file.
func hashedPatterns(s Site) []string {
	hashed := func(name string) bool {
		return name != s.SwDest && !static.Revalidates(name) && s.IsHashed(name)
	}
	// allHashed[dir]: every file under dir is fingerprinted.
	allHashed := map[string]bool{}
	for _, name := range s.Files {
		h := hashed(name)
		for dir := path.Dir(name); dir != "."; dir = path.Dir(dir) {
			if v, ok := allHashed[dir]; !ok || v {
				allHashed[dir] = h
			}
		}
	}
	var out []string
	seen := map[string]bool{}
	for _, name := range s.Files {
		if !hashed(name) {
			continue
		}
		top := ""
		for dir := path.Dir(name); dir != "."; dir = path.Dir(dir) {
			if allHashed[dir] {
				top = dir
			}
		}
		p := urlPath(name)
		if top != "" {
			p = urlPath(top) + "/*"
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}
