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

// checkLiteralBody reports whether a regular expression's source can sit
// between the slashes of a JavaScript literal as it is (ECMA-262 §12.9.5).
// An unescaped "/" outside a class would end the literal early: the build
// then fails at best, and at worst ("/a/,f(),/b/") the rest runs as code in
// the worker. A line terminator, a lone backslash at the end or an
// unterminated class cannot be in a literal either, nor a leading "*". The config author fixes
// the pattern; nothing is rewritten behind their back.
func checkLiteralBody(source string) error {
	if strings.HasPrefix(source, "*") {
		// "/*" opens a comment, not a literal; "*" first repeats nothing.
		return errors.New(`a regular expression cannot start with "*"`)
	}
	inClass := false
	for i := 0; i < len(source); i++ {
		if _, size := lineTerminator(source[i:]); size > 0 {
			return errors.New(`a line break cannot be in a regular expression; write \n`)
		}
		switch c := source[i]; {
		case c == '\\':
			if i+1 == len(source) {
				return errors.New("the regular expression ends with a lone backslash")
			}
			if _, size := lineTerminator(source[i+1:]); size == 0 {
				i++
			}
		case inClass:
			inClass = c != ']'
		case c == '[':
			inClass = true
		case c == '/':
			return errors.New(`escape "/" as "\/" inside a regular expression`)
		}
	}
	if inClass {
		return errors.New("the regular expression has an unterminated character class")
	}
	return nil
}

// lineTerminator returns the escape of the JavaScript line terminator that s
// starts with and its length in bytes, or size 0.
func lineTerminator(s string) (escape string, size int) {
	for _, lt := range [...]struct{ raw, escape string }{
		{"\n", `\n`}, {"\r", `\r`}, {"\u2028", `\u2028`}, {"\u2029", `\u2029`},
	} {
		if strings.HasPrefix(s, lt.raw) {
			return lt.escape, len(lt.raw)
		}
	}
	return "", 0
}

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
