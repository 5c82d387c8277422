package swgen

import (
	"errors"
	"strings"

	"github.com/swkit/swkit/config"
)

// matcher is a compiled urlPattern: a JavaScript regular-expression literal
// and what it is tested against ("href" or "path", see runtime/sw/urlPattern.js).
type matcher struct {
	literal string
	on      string
}

// compilePattern turns a config urlPattern into a matcher at build time, so
// that the worker ships no pattern parser:
//   - "/source/flags" (see config.SplitRegExp): the literal itself, tested
//     against the full URL. The stateful flags g and y are dropped, since the
//     worker calls test() on one RegExp for every request.
//   - "/path/*/x/**": the pathname of same-origin URLs, * within one segment,
//     ** across segments.
//   - "https://host/path/**": the full URL, same wildcards.
func compilePattern(p string) (matcher, error) {
	if source, flags, ok := config.SplitRegExp(p); ok {
		flags = strings.NewReplacer("g", "", "y", "").Replace(flags)
		if err := checkLiteralBody(source); err != nil {
			return matcher{}, err
		}
		return matcher{literal: "/" + source + "/" + flags, on: "href"}, nil
	}
	p, err := config.MuxPattern(p)
	if err != nil {
		return matcher{}, err
	}
	switch {
	case strings.HasPrefix(p, "/"):
		return matcher{literal: "/^" + wildcards(p) + "$/", on: "path"}, nil
	case strings.HasPrefix(p, "https://"), strings.HasPrefix(p, "http://"):
		return matcher{literal: "/^" + wildcards(p) + "$/", on: "href"}, nil
	}
	return matcher{}, errNotPattern
}

// errNotPattern: a urlPattern of none of the three forms.
var errNotPattern = errors.New("want /regexp/flags, a path starting with /, or an absolute http(s) URL")

// checkLiteralBody is config.CheckLiteralBody.
func checkLiteralBody(source string) error { return config.CheckLiteralBody(source) }

// lineTerminator is config.LineTerminator.
func lineTerminator(s string) (string, int) { return config.LineTerminator(s) }

// wildcards translates * and ** into regular-expression source for a
// JavaScript literal, escaping everything else.
func wildcards(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '*' && i+1 < len(p) && p[i+1] == '*':
			b.WriteString(".*")
			i++
		case c == '*':
			b.WriteString("[^/]*")
		case c == '\n' || c == '\r' || strings.HasPrefix(p[i:], "\u2028") || strings.HasPrefix(p[i:], "\u2029"):
			esc, size := lineTerminator(p[i:])
			b.WriteString(esc) // a raw one would end the literal
			i += size - 1
		case strings.IndexByte(`\^$.|?+()[]{}/`, c) >= 0:
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
