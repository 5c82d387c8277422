package migrate

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/parser"
	"github.com/dop251/goja/token"
)

// match is a function urlPattern translated: a urlPattern string and
// request destinations, either may be empty.
type match struct {
	pattern     string
	destination []string
	sameOrigin  bool
}

// fromFunction translates the source of a urlPattern function of one of
// the forms real configs use, read with goja's parser:
//
//	({url}) => url.pathname.startsWith('/api/')          "/api/**"
//	({url}) => url.pathname.endsWith('.png')             "/**.png"
//	({url}) => url.origin === 'https://fonts.example'    "https://fonts.example/**"
//	({request}) => request.destination === 'image'       {"destination": "image"}
//	({request}) => request.mode === 'navigate'           {"destination": "document"}
//	['style', 'script'].includes(request.destination)    {"destination": ["style", "script"]}
//
// combined with && (a destination and a URL, sameOrigin or url.origin ===
// self.location.origin) or || (destinations; origins). why says what is not
// translatable, or is "".
func fromFunction(src string) (m match, why string) {
	// goja's Function.prototype.toString drops the closing parenthesis of
	// an arrow function whose body ends with a parenthesised expression.
	if n := strings.Count(src, "(") - strings.Count(src, ")"); n > 0 {
		src += strings.Repeat(")", n)
	}
	prog, err := parser.ParseFile(nil, "", "("+src+")", 0)
	if err != nil || len(prog.Body) != 1 {
		return m, "a function urlPattern that could not be read"
	}
	es, ok := prog.Body[0].(*ast.ExpressionStatement)
	if !ok {
		return m, "a function urlPattern that could not be read"
	}
	var params *ast.ParameterList
	var body ast.Expression
	switch f := es.Expression.(type) {
	case *ast.ArrowFunctionLiteral:
		params = f.ParameterList
		switch b := f.Body.(type) {
		case *ast.ExpressionBody:
			body = b.Expression
		case *ast.BlockStatement:
			body = returned(b)
		}
	case *ast.FunctionLiteral:
		params, body = f.ParameterList, returned(f.Body)
	}
	if body == nil || params == nil {
		return m, fmt.Sprintf("function urlPattern %s: only a single expression or return can be translated", short(src))
	}
	r := reader{names: paramNames(params)}
	m, ok = r.expr(body)
	if !ok {
		return match{}, fmt.Sprintf("function urlPattern %s is not one of the forms swkit migrate reads (url.pathname.startsWith, url.origin ===, request.destination ===): write its urlPattern by hand", short(src))
	}
	if m.sameOrigin && m.pattern == "" {
		m.pattern = "/**"
	}
	return m, ""
}

func short(src string) string {
	src = strings.Join(strings.Fields(src), " ")
	if len(src) > 80 {
		src = src[:77] + "..."
	}
	return "`" + src + "`"
}

func returned(b *ast.BlockStatement) ast.Expression {
	if b == nil || len(b.List) != 1 {
		return nil
	}
	if r, ok := b.List[0].(*ast.ReturnStatement); ok {
		return r.Argument
	}
	return nil
}

// paramNames maps the names the function gives to the route context's
// url, request and sameOrigin: destructured ({url, request}) or through
// one parameter (ctx => ctx.url...).
func paramNames(p *ast.ParameterList) map[string]string {
	names := map[string]string{}
	if len(p.List) == 0 {
		return names
	}
	switch t := p.List[0].Target.(type) {
	case *ast.ObjectPattern:
		for _, prop := range t.Properties {
			switch pr := prop.(type) {
			case *ast.PropertyShort:
				names[string(pr.Name.Name)] = string(pr.Name.Name)
			case *ast.PropertyKeyed:
				k, ok1 := pr.Key.(*ast.StringLiteral)
				v, ok2 := pr.Value.(*ast.Identifier)
				if ok1 && ok2 {
					names[string(v.Name)] = string(k.Value)
				}
			}
		}
	case *ast.Identifier:
		names[string(t.Name)] = "context"
	}
	return names
}

type reader struct{ names map[string]string }

// ref names what e refers to: "url", "request", "sameOrigin", "url.pathname",
// "request.destination", "self.location.origin"...
func (r reader) ref(e ast.Expression) string {
	switch x := e.(type) {
	case *ast.Identifier:
		n := string(x.Name)
		if v, ok := r.names[n]; ok {
			return v
		}
		return n
	case *ast.DotExpression:
		left := r.ref(x.Left)
		if left == "" {
			return ""
		}
		if left == "context" {
			return string(x.Identifier.Name)
		}
		return left + "." + string(x.Identifier.Name)
	}
	return ""
}

func stringLit(e ast.Expression) (string, bool) {
	s, ok := e.(*ast.StringLiteral)
	if !ok {
		return "", false
	}
	return string(s.Value), true
}

func (r reader) expr(e ast.Expression) (match, bool) {
	switch x := e.(type) {
	case *ast.BinaryExpression:
		switch x.Operator {
		case token.LOGICAL_AND:
			a, ok1 := r.expr(x.Left)
			b, ok2 := r.expr(x.Right)
			return and(a, b, ok1 && ok2)
		case token.LOGICAL_OR:
			a, ok1 := r.expr(x.Left)
			b, ok2 := r.expr(x.Right)
			return or(a, b, ok1 && ok2)
		case token.STRICT_EQUAL, token.EQUAL:
			left, right := x.Left, x.Right
			if _, ok := stringLit(left); ok {
				left, right = right, left
			}
			ref := r.ref(left)
			if s, ok := stringLit(right); ok {
				return r.equals(ref, s)
			}
			if o := r.ref(right); ref == "url.origin" && (o == "self.location.origin" || o == "location.origin") {
				return match{sameOrigin: true}, true
			}
		}
	case *ast.Identifier:
		if r.ref(x) == "sameOrigin" {
			return match{sameOrigin: true}, true
		}
	case *ast.CallExpression:
		return r.call(x)
	}
	return match{}, false
}

func (r reader) equals(ref, s string) (match, bool) {
	switch ref {
	case "request.destination":
		return match{destination: []string{s}}, true
	case "request.mode":
		if s == "navigate" {
			return match{destination: []string{"document"}}, true
		}
	case "url.origin":
		return match{pattern: strings.TrimSuffix(s, "/") + "/**"}, true
	case "url.pathname":
		return match{pattern: s}, true
	case "url.hostname", "url.host":
		return match{pattern: "/^https?:\\/\\/" + regexp.QuoteMeta(s) + "\\//"}, true
	}
	return match{}, false
}

func (r reader) call(c *ast.CallExpression) (match, bool) {
	callee, ok := c.Callee.(*ast.DotExpression)
	if !ok || len(c.ArgumentList) != 1 {
		return match{}, false
	}
	method := string(callee.Identifier.Name)
	target := r.ref(callee.Left)
	arg, isString := stringLit(c.ArgumentList[0])
	switch {
	case target == "url.pathname" && isString && method == "startsWith" && strings.HasPrefix(arg, "/"):
		return match{pattern: arg + "**"}, true
	case target == "url.pathname" && isString && method == "endsWith":
		return match{pattern: "/**" + arg}, true
	case target == "url.pathname" && isString && method == "includes":
		return match{pattern: "/" + escapeRegexp(arg) + "/"}, true
	case target == "url.href" && isString && method == "startsWith":
		return match{pattern: arg + "**"}, true
	case method == "includes" && r.ref(c.ArgumentList[0]) == "request.destination":
		list, ok := callee.Left.(*ast.ArrayLiteral)
		if !ok {
			return match{}, false
		}
		var dests []string
		for _, e := range list.Value {
			s, ok := stringLit(e)
			if !ok {
				return match{}, false
			}
			dests = append(dests, s)
		}
		return match{destination: dests}, true
	}
	return match{}, false
}

// escapeRegexp escapes s for a regular expression between slashes.
func escapeRegexp(s string) string {
	return strings.ReplaceAll(regexp.QuoteMeta(s), "/", `\/`)
}

func and(a, b match, ok bool) (match, bool) {
	if !ok {
		return match{}, false
	}
	out := match{sameOrigin: a.sameOrigin || b.sameOrigin}
	switch {
	case a.pattern != "" && b.pattern != "":
		return match{}, false
	case len(a.destination) > 0 && len(b.destination) > 0:
		return match{}, false
	}
	out.pattern = a.pattern + b.pattern
	out.destination = append(a.destination, b.destination...)
	return out, true
}

func or(a, b match, ok bool) (match, bool) {
	if !ok || a.sameOrigin || b.sameOrigin {
		return match{}, false
	}
	switch {
	case a.pattern == "" && b.pattern == "":
		return match{destination: slices.Concat(a.destination, b.destination)}, true
	case len(a.destination) == 0 && len(b.destination) == 0:
		// Two URL patterns: one regular expression, when both are origins.
		ra, ok1 := originRegexp(a.pattern)
		rb, ok2 := originRegexp(b.pattern)
		if ok1 && ok2 {
			return match{pattern: "/" + ra + "|" + rb + "/"}, true
		}
	}
	return match{}, false
}

// originRegexp is an "https://host/**" pattern as a regular expression.
func originRegexp(p string) (string, bool) {
	origin, ok := strings.CutSuffix(p, "/**")
	if !ok || !strings.Contains(origin, "://") {
		return "", false
	}
	return "^" + escapeRegexp(origin+"/"), true
}
