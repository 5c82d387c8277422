package swgen

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/swkit/swkit/config"
)

// jsRegExpLiteral splits a JavaScript regular-expression literal into body
// and flags with the grammar of ECMA-262 §12.9.5 (RegularExpressionLiteral):
// the body ends at the first "/" that is neither escaped nor inside a class,
// and no line terminator may appear anywhere. ok is false when lit is not
// exactly one such literal, which means the generated sw.js would either
// fail to parse or, worse, run the rest as code.
func jsRegExpLiteral(lit string) (body, flags string, ok bool) {
	if !strings.HasPrefix(lit, "/") {
		return "", "", false
	}
	rs := []rune(lit)
	inClass := false
	for i := 1; i < len(rs); i++ {
		switch c := rs[i]; {
		case c == '\n' || c == '\r' || c == '\u2028' || c == '\u2029':
			return "", "", false
		case c == '\\':
			i++
			if i == len(rs) || rs[i] == '\n' || rs[i] == '\r' || rs[i] == '\u2028' || rs[i] == '\u2029' {
				return "", "", false
			}
		case inClass:
			inClass = c != ']'
		case c == '[':
			inClass = true
		case c == '/':
			body, flags = string(rs[1:i]), string(rs[i+1:])
			if body == "" || strings.HasPrefix(body, "*") {
				return "", "", false // "//" is a comment, "/*" a block comment
			}
			for j, f := range flags {
				if !strings.ContainsRune("dgimsuyv", f) || strings.ContainsRune(flags[:j], f) {
					return "", "", false
				}
			}
			return body, flags, true
		}
	}
	return "", "", false
}

// FuzzCompilePattern: every urlPattern that config validation accepts
// compiles to exactly one well-formed JavaScript regular-expression literal
// (no code outside it), and a path or URL pattern's literal matches the
// pattern itself with its wildcards filled in.
func FuzzCompilePattern(f *testing.F) {
	for _, seed := range []string{
		"/api/*", "/api/**", "/img/*.png", "https://cdn.example.com/**", "http://x/a?b=*",
		`/\.png$/i`, `/^https:\/\/fonts\.(googleapis|gstatic)\.com/`, `/[/]x$/`, `/a\/b$/`,
		"/a/,alert(1),/x/i", "/api/v1/.*\\.json$/", "/a\nb$/", "/a\u2028(b)/", "/path with space/*",
		"/(", "/[/", `/\/`, "/**/*.js", "/a/b/", "//x/", "/*/",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, p string) {
		cfg := config.Config{RuntimeCaching: []config.RuntimeCaching{{URLPattern: p, Handler: "networkOnly"}}}
		if config.Validate(&cfg) != nil {
			return
		}
		m, err := compilePattern(p)
		if err != nil {
			return
		}
		body, flags, ok := jsRegExpLiteral(m.literal)
		if !ok {
			t.Fatalf("urlPattern %q compiles to %q: not one JavaScript regular-expression literal", p, m.literal)
		}
		if strings.ContainsAny(flags, "gy") {
			t.Fatalf("urlPattern %q keeps stateful flags %q", p, flags)
		}
		if _, _, isRegExp := config.SplitRegExp(p); isRegExp || !regexpSafe(p) {
			return
		}
		re, err := regexp.Compile(body)
		if err != nil {
			t.Fatalf("urlPattern %q: literal body %q is not a regular expression: %v", p, body, err)
		}
		filled := strings.ReplaceAll(strings.ReplaceAll(p, "**", "x/y"), "*", "z")
		if !re.MatchString(filled) {
			t.Fatalf("urlPattern %q: %s does not match %q", p, m.literal, filled)
		}
	})
}

// regexpSafe reports whether p is valid UTF-8 without line terminators, so
// that Go's regexp reads the literal's body as JavaScript would.
func regexpSafe(p string) bool {
	return strings.ToValidUTF8(p, "") == p && !strings.ContainsAny(p, "\n\r\u2028\u2029")
}

func TestJSRegExpLiteral(t *testing.T) {
	for _, tt := range []struct {
		lit, body, flags string
		ok               bool
	}{
		{`/a/`, "a", "", true},
		{`/a\/b/i`, `a\/b`, "i", true},
		{`/[/]/`, "[/]", "", true},
		{`/a/,alert(1),/x/i`, "", "", false},
		{"/a\nb/", "", "", false},
		{`/a/gg`, "", "", false},
		{`//`, "", "", false},
	} {
		body, flags, ok := jsRegExpLiteral(tt.lit)
		if fmt.Sprint(body, flags, ok) != fmt.Sprint(tt.body, tt.flags, tt.ok) {
			t.Errorf("jsRegExpLiteral(%q) = %q, %q, %v; want %q, %q, %v", tt.lit, body, flags, ok, tt.body, tt.flags, tt.ok)
		}
	}
}

// TestCompilePatternEscapes: regression cases FuzzCompilePattern found. A
// regular expression with an unescaped "/" became a literal that ended
// early, so the generated sw.js failed to parse or, for "/a/,alert(1),/x/i",
// ran the rest as code; a line terminator broke the literal; a source ending
// inside a class or after a lone backslash made a literal that swallowed the
// code after it. Regular expressions must now be literal-ready (an error
// says what to escape); path patterns escape line terminators themselves.
func TestCompilePatternEscapes(t *testing.T) {
	for _, tt := range []struct{ pattern, literal, err string }{
		{"/a/,alert(1),/x/i", "", `escape "/"`},
		{`/api/v1/.*\.json$/`, "", `escape "/"`},
		{`/api\/v1\/.*\.json$/`, `/api\/v1\/.*\.json$/`, ""},
		{`/[/]x$/`, `/[/]x$/`, ""},
		{`/a\/b$/`, `/a\/b$/`, ""},
		{"/a\u2028(b)/", "", "line break"},
		{"/a\nb$/", `/^\/a\nb\$\/$/`, ""},
		{"/[/", "", "unterminated character class"},
		{`/\/`, "", "lone backslash"},
		{"/*$/", "", `cannot start with "*"`},
	} {
		m, err := compilePattern(tt.pattern)
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("compilePattern(%q) = %q, %v; want an error saying %q", tt.pattern, m.literal, err, tt.err)
		case tt.err == "" && (err != nil || m.literal != tt.literal):
			t.Errorf("compilePattern(%q) = %q, %v; want %q", tt.pattern, m.literal, err, tt.literal)
		}
		if tt.err != "" {
			continue
		}
		cfg := config.Config{RuntimeCaching: []config.RuntimeCaching{{URLPattern: tt.pattern, Handler: "networkOnly"}}}
		if err := config.Validate(&cfg); err != nil {
			t.Fatal(err)
		}
		if _, err := Generate(config.Defaults(cfg), nil); err != nil {
			t.Errorf("Generate with urlPattern %q: %v", tt.pattern, err)
		}
	}
}
