package config

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestSchemaMatchesConfig keeps the shipped schema and the Go types in step:
// every JSON key of Config (at every depth) is in the schema and the schema has
// no key Config lacks, so an editor never accepts what swkit rejects.
func TestSchemaMatchesConfig(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(Schema(), &doc); err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	defs, _ := doc["$defs"].(map[string]any)
	resolve := func(node map[string]any) map[string]any {
		if ref, ok := node["$ref"].(string); ok {
			name := strings.TrimPrefix(ref, "#/$defs/")
			def, ok := defs[name].(map[string]any)
			if !ok {
				t.Fatalf("dangling $ref %q", ref)
			}
			return def
		}
		return node
	}
	var check func(path string, node map[string]any, typ reflect.Type)
	check = func(path string, node map[string]any, typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
			typ = typ.Elem()
			if items, ok := node["items"].(map[string]any); ok {
				node = resolve(items)
			}
		}
		node = resolve(node)
		// A key with several forms: check its object form.
		if alts, ok := node["oneOf"].([]any); ok {
			for _, a := range alts {
				if alt := resolve(a.(map[string]any)); alt["type"] == "object" {
					node = alt
				}
			}
		}
		if typ.Kind() != reflect.Struct {
			return
		}
		if node["additionalProperties"] != false {
			t.Errorf("%s: schema must set additionalProperties: false (swkit rejects unknown keys)", path)
		}
		props, _ := node["properties"].(map[string]any)
		var goKeys []string
		for f := range typ.Fields() {
			key, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if key == "" || key == "-" {
				continue
			}
			goKeys = append(goKeys, key)
			sub, ok := props[key].(map[string]any)
			if !ok {
				t.Errorf("%s.%s: in Config but not in the schema", path, key)
				continue
			}
			check(path+"."+key, sub, f.Type)
		}
		for key := range props {
			if !slices.Contains(goKeys, key) {
				t.Errorf("%s.%s: in the schema but not in Config", path, key)
			}
		}
	}
	check("swkit.json", doc, reflect.TypeFor[Config]())
}

// TestSchemaKeyAccepted: a config that names the schema, as editors like,
// parses.
func TestSchemaKeyAccepted(t *testing.T) {
	if _, err := Parse("swkit.json", []byte(`{"$schema": "./swkit.schema.json", "skipWaiting": true}`)); err != nil {
		t.Fatal(err)
	}
}
