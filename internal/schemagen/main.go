// Command schemagen writes config/swkit.schema.json, the JSON Schema of
// swkit.json, from the config.Config type: its JSON keys and types by
// reflection, each key's description from the field's doc comment in
// config/config.go, and the constraints a schema can state from the field's
// `schema` tag. A test keeps the committed file equal to its output.
//
//	go generate ./config
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"log"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/swkit/swkit/config"
)

func main() {
	out := flag.String("o", "swkit.schema.json", "file to write")
	src := flag.String("src", ".", "folder of package config's source")
	flag.Parse()
	data, err := generate(*src)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		log.Fatal(err)
	}
}

// generate returns the schema, reading doc comments from the Go files of
// package config in dir.
func generate(dir string) ([]byte, error) {
	docs, err := fieldDocs(dir)
	if err != nil {
		return nil, err
	}
	g := &generator{docs: docs, defs: &object{}}
	root := g.structSchema(reflect.TypeFor[config.Config]())
	doc := &object{}
	doc.set("$schema", "https://json-schema.org/draft/2020-12/schema")
	doc.set("$id", "https://swkit.dev/swkit.schema.json")
	doc.set("title", "swkit.json")
	doc.set("description", "Options of a site's service worker and of the server in front of it, as swkit reads them. Names follow Workbox's wherever the meaning is the same.")
	for _, kv := range root.keys {
		if kv.k != "description" {
			doc.set(kv.k, kv.v)
		}
	}
	doc.set("$defs", g.defs)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

type generator struct {
	docs map[string]string // "Type.Field" or "Type" -> doc text
	defs *object
}

// structSchema is the schema of struct type t: an object that takes exactly
// its JSON fields.
func (g *generator) structSchema(t reflect.Type) *object {
	o := &object{}
	o.set("type", "object")
	o.set("additionalProperties", false)
	if d := g.docs[t.Name()]; d != "" {
		o.set("description", d)
	}
	props := &object{}
	var required []string
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if !strings.Contains(opts, "omit") {
			required = append(required, name)
		}
		p := g.valueSchema(f.Type)
		if t == reflect.TypeFor[config.RuntimeCaching]() && name == "urlPattern" {
			p = g.urlPatternSchema()
		}
		if err := constrain(p, f.Tag.Get("schema")); err != nil {
			panic(fmt.Sprintf("%s.%s: %v", t.Name(), f.Name, err))
		}
		if d := g.docs[t.Name()+"."+f.Name]; d != "" {
			p.set("description", d)
		}
		props.set(name, p)
	}
	if len(required) > 0 {
		o.set("required", required)
	}
	o.set("properties", props)
	return o
}

// valueSchema is the schema of a field of type t; named struct types go to
// $defs once and are referred to.
func (g *generator) valueSchema(t reflect.Type) *object {
	o := &object{}
	switch t {
	case reflect.TypeFor[config.ManifestEntry]():
		// A plain URL, or an object whose revision may be null (Workbox).
		entry := g.valueSchema(reflect.TypeFor[manifestEntry]())
		o.set("oneOf", []any{typed("string"), entry})
		return o
	case reflect.TypeFor[config.TemplatedURL]():
		list := typed("array")
		list.set("items", typed("string"))
		o.set("oneOf", []any{typed("string"), list})
		return o
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.valueSchema(t.Elem())
	case reflect.Struct:
		name := lowerFirst(t.Name())
		if _, ok := g.defs.get(name); !ok {
			g.defs.set(name, nil) // reserve the place: declaration order
			g.defs.set(name, g.structSchema(t))
		}
		o.set("$ref", "#/$defs/"+name)
	case reflect.Slice:
		o.set("type", "array")
		o.set("items", g.valueSchema(t.Elem()))
	case reflect.Map:
		o.set("type", "object")
		o.set("additionalProperties", g.valueSchema(t.Elem()))
	case reflect.String:
		o.set("type", "string")
	case reflect.Bool:
		o.set("type", "boolean")
	case reflect.Int, reflect.Int64:
		o.set("type", "integer")
	case reflect.Float64:
		o.set("type", "number")
	default:
		panic("schemagen: no schema for kind " + t.Kind().String())
	}
	return o
}

// manifestEntry is config.ManifestEntry's object form in the schema, where
// a null revision is allowed (named so that its $defs entry is too).
type manifestEntry struct {
	URL       string  `json:"url"`
	Revision  *string `json:"revision,omitempty"`
	Integrity string  `json:"integrity,omitempty"`
}

// urlPatternSchema is a route's urlPattern: a string, or an object that
// selects by destination (config.RuntimeCaching.Destination).
func (g *generator) urlPatternSchema() *object {
	list := typed("array")
	list.set("items", typed("string"))
	dest := &object{}
	dest.set("oneOf", []any{typed("string"), list})
	dest.set("description", g.docs["RuntimeCaching.Destination"])
	url := typed("string")
	url.set("description", "a urlPattern string that the request's URL must match too")
	props := &object{}
	props.set("destination", dest)
	props.set("url", url)
	obj := typed("object")
	obj.set("additionalProperties", false)
	obj.set("required", []string{"destination"})
	obj.set("properties", props)
	o := &object{}
	o.set("oneOf", []any{typed("string"), obj})
	return o
}

// typed is the schema {"type": t}.
func typed(t string) *object {
	o := &object{}
	o.set("type", t)
	return o
}

// constrain applies a `schema` tag ("minimum=0,maximum=599",
// "pattern=\\.js$", "enum=a|b") to p; for an array, to its items.
func constrain(p *object, tag string) error {
	if tag == "" {
		return nil
	}
	target := p
	if items, ok := p.get("items"); ok {
		target = items.(*object)
	}
	key, value, _ := strings.Cut(tag, "=")
	switch key {
	case "pattern":
		if _, err := regexp.Compile(strings.ReplaceAll(value, `\x60`, "`")); err != nil {
			return err
		}
		target.set("pattern", value)
		return nil
	case "enum":
		target.del("type")
		target.set("enum", strings.Split(value, "|"))
		return nil
	}
	for _, c := range strings.Split(tag, ",") {
		k, v, _ := strings.Cut(c, "=")
		n, err := strconv.Atoi(v)
		if err != nil || (k != "minimum" && k != "maximum") {
			return fmt.Errorf("bad schema tag %q", c)
		}
		target.set(k, n)
	}
	return nil
}

// fieldDocs reads the doc comments of the struct types in dir's Go files
// (tests left out), keyed "Type" and "Type.Field", as plain text with Go
// field names replaced by their JSON keys.
func fieldDocs(dir string) (map[string]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	docs := map[string]string{}
	jsonNames := map[string]string{}
	fset := token.NewFileSet()
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					continue
				}
				docs[ts.Name.Name] = gd.Doc.Text()
				for _, field := range st.Fields.List {
					for _, n := range field.Names {
						docs[ts.Name.Name+"."+n.Name] = field.Doc.Text()
						if field.Tag != nil {
							tag, _ := strconv.Unquote(field.Tag.Value)
							// "$schema" is no word to put in prose.
							if name, _, _ := strings.Cut(reflect.StructTag(tag).Get("json"), ","); name != "" && name != "-" && name != "$schema" {
								jsonNames[n.Name] = name
							}
						}
					}
				}
			}
		}
	}
	for k, d := range docs {
		docs[k] = describe(d, jsonNames)
	}
	return docs, nil
}

// goWord matches an exported Go identifier.
var goWord = regexp.MustCompile(`\b[A-Z][A-Za-z0-9]*\b`)

// describe turns a doc comment into a schema description: one paragraph,
// Go field names as JSON keys ("globPatterns selects the files...").
func describe(doc string, jsonNames map[string]string) string {
	doc = strings.Join(strings.Fields(doc), " ")
	return goWord.ReplaceAllStringFunc(doc, func(w string) string {
		if j, ok := jsonNames[w]; ok {
			return j
		}
		return w
	})
}

func lowerFirst(s string) string {
	r := []rune(s)
	r[0] = unicode.ToLower(r[0])
	return string(r)
}

// object is a JSON object that keeps its keys in insertion order.
type object struct{ keys []kv }

type kv struct {
	k string
	v any
}

func (o *object) get(k string) (any, bool) {
	for _, e := range o.keys {
		if e.k == k {
			return e.v, true
		}
	}
	return nil, false
}

func (o *object) set(k string, v any) {
	for i, e := range o.keys {
		if e.k == k {
			o.keys[i].v = v
			return
		}
	}
	o.keys = append(o.keys, kv{k, v})
}

func (o *object) del(k string) {
	for i, e := range o.keys {
		if e.k == k {
			o.keys = append(o.keys[:i], o.keys[i+1:]...)
			return
		}
	}
}

func (o *object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(e.k)
		b.Write(k)
		b.WriteByte(':')
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(e.v); err != nil {
			return nil, err
		}
		b.Truncate(b.Len() - 1) // Encode's newline
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
