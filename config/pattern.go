package config

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// regexpLiteral matches "/source/flags"; whether it is meant as a regular
// expression is decided by SplitRegExp.
var regexpLiteral = regexp.MustCompile(`^/(.+)/([^/]*)$`)

// SplitRegExp reports whether urlPattern is a JavaScript regular expression
// literal ("/\\.png$/i") rather than a path pattern ("/api/users", "/img/",
// "/notes/{id}"), and if so returns its source and flags. It is one when it
// has the form /source/flags, is no net/http ServeMux pattern, and source
// holds a regular-expression metacharacter other than "." and "*" (one of
// \ ^ $ ( ) [ ] { } | + ?) or ".*" (next-pwa's catch-all "/.*/i"), which
// path patterns never need. The flags are not checked here; Validate
// rejects any outside "gimsuy".
func SplitRegExp(urlPattern string) (source, flags string, ok bool) {
	m := regexpLiteral.FindStringSubmatch(urlPattern)
	if m == nil || isMuxPattern(urlPattern) {
		return "", "", false
	}
	if !strings.ContainsAny(m[1], `\^$()[]{}|+?`) && !strings.Contains(m[1], ".*") {
		return "", "", false
	}
	return m[1], m[2], true
}

// isMuxPattern reports whether p has a net/http ServeMux wildcard, a whole
// segment such as {id}, {path...} or {$}, and no other brace.
func isMuxPattern(p string) bool {
	if !strings.Contains(p, "{") {
		return false
	}
	_, err := MuxPattern(p)
	return err == nil
}

// MuxPattern translates the net/http ServeMux wildcards of a path pattern
// into swkit's: {name} is one segment (*), {name...} the rest of the path
// (**), and {$} ends it (nothing). A pattern ending in "/" matches
// everything below, as in a ServeMux. A pattern without braces is returned
// as it is. A brace that is not a whole-segment wildcard is an error.
func MuxPattern(p string) (string, error) {
	if !strings.ContainsAny(p, "{}") {
		return p, nil
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if !strings.ContainsAny(s, "{}") {
			continue
		}
		name, ok := strings.CutPrefix(s, "{")
		if name, ok = strings.CutSuffix(name, "}"); !ok || strings.ContainsAny(name, "{}") {
			return "", fmt.Errorf("segment %q: a wildcard is a whole segment, {name} or {name...}", s)
		}
		last := i == len(segs)-1
		switch rest, many := strings.CutSuffix(name, "..."); {
		case name == "$" && last:
			segs[i] = ""
			return strings.Join(segs, "/"), nil
		case name == "$":
			return "", errors.New("{$} can only end a pattern")
		case !isIdent(rest):
			return "", fmt.Errorf("segment %q: a wildcard's name is a Go identifier", s)
		case many && !last:
			return "", fmt.Errorf("{%s} can only end a pattern", name)
		case many:
			segs[i] = "**"
		default:
			segs[i] = "*"
		}
	}
	out := strings.Join(segs, "/")
	if strings.HasSuffix(out, "/") {
		out += "**" // a ServeMux pattern ending in "/" takes the whole subtree
	}
	return out, nil
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if c != '_' && !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// CheckLiteralBody reports whether a regular expression's source can sit
// between the slashes of a JavaScript literal as it is (ECMA-262 §12.9.5).
// An unescaped "/" outside a class would end the literal early: the build
// then fails at best, and at worst ("/a/,f(),/b/") the rest runs as code in
// the worker. A line terminator, a lone backslash at the end or an
// unterminated class cannot be in a literal either, nor a leading "*". The
// config author fixes the pattern; nothing is rewritten behind their back.
func CheckLiteralBody(source string) error {
	if strings.HasPrefix(source, "*") {
		// "/*" opens a comment, not a literal; "*" first repeats nothing.
		return errors.New(`a regular expression cannot start with "*"`)
	}
	inClass := false
	for i := 0; i < len(source); i++ {
		if _, size := LineTerminator(source[i:]); size > 0 {
			return errors.New(`a line break cannot be in a regular expression; write \n`)
		}
		switch c := source[i]; {
		case c == '\\':
			if i+1 == len(source) {
				return errors.New("the regular expression ends with a lone backslash")
			}
			if _, size := LineTerminator(source[i+1:]); size == 0 {
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

// LineTerminator returns the escape of the JavaScript line terminator that s
// starts with and its length in bytes, or size 0.
func LineTerminator(s string) (escape string, size int) {
	for _, lt := range [...]struct{ raw, escape string }{
		{"\n", `\n`}, {"\r", `\r`}, {"\u2028", `\u2028`}, {"\u2029", `\u2029`},
	} {
		if strings.HasPrefix(s, lt.raw) {
			return lt.escape, len(lt.raw)
		}
	}
	return "", 0
}
