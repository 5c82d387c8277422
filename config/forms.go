package config

import (
	"bytes"
	"encoding/json"
	"reflect"
)

// Some keys of swkit.json take more than one JSON form, as in Workbox: a
// route's urlPattern is a string or an object, an additional manifest entry
// an object or a plain URL, a templated URL's value a list of globs or a
// revision. Their Go types decode every form (UnmarshalJSON) and write the
// shortest back (MarshalJSON); the strict walk of Parse picks the shape to
// check by the first token of the value (forms).

// form is what a value of a type with several JSON forms may be: a string,
// or the array or object shape given, each nil when not allowed.
type form struct {
	str      bool
	arr, obj reflect.Type
	want     string // what the key takes, for a wrong-type error
}

// forms maps the config types with several JSON forms to their shapes. The
// shapes are plain types without UnmarshalJSON.
var forms = map[reflect.Type]form{
	reflect.TypeFor[ManifestEntry](): {str: true, obj: reflect.TypeFor[manifestEntryObject](), want: "a URL string or an object"},
	reflect.TypeFor[TemplatedURL]():  {str: true, arr: reflect.TypeFor[[]string](), want: "a revision string or an array of glob patterns"},
	reflect.TypeFor[urlPattern]():    {str: true, obj: reflect.TypeFor[urlMatch](), want: `a string or an object such as {"destination": "image"}`},
	reflect.TypeFor[stringList]():    {str: true, arr: reflect.TypeFor[[]string](), want: "a string or an array of strings"},
}

// manifestEntryObject is ManifestEntry's object form, with revision null
// allowed as Workbox writes it.
type manifestEntryObject struct {
	URL       string  `json:"url"`
	Revision  *string `json:"revision"`
	Integrity string  `json:"integrity"`
}

// UnmarshalJSON reads a URL string or an object.
func (e *ManifestEntry) UnmarshalJSON(b []byte) error {
	if isString(b) {
		*e = ManifestEntry{}
		return json.Unmarshal(b, &e.URL)
	}
	var o manifestEntryObject
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*e = ManifestEntry{URL: o.URL, Integrity: o.Integrity}
	if o.Revision != nil {
		e.Revision = *o.Revision
	}
	return nil
}

// UnmarshalJSON reads a revision string or an array of glob patterns.
func (t *TemplatedURL) UnmarshalJSON(b []byte) error {
	*t = TemplatedURL{}
	if isString(b) {
		return json.Unmarshal(b, &t.Revision)
	}
	return json.Unmarshal(b, &t.Files)
}

// MarshalJSON writes the glob patterns, or the revision when there are none.
func (t TemplatedURL) MarshalJSON() ([]byte, error) {
	if len(t.Files) == 0 {
		return json.Marshal(t.Revision)
	}
	return json.Marshal(t.Files)
}

// urlPattern is a route's urlPattern as swkit.json writes it: a string, or
// an object (urlMatch) that RuntimeCaching spreads over URLPattern and
// Destination.
type urlPattern struct {
	str string
	obj *urlMatch
}

// urlMatch is urlPattern's object form.
type urlMatch struct {
	// Destination is the request destinations the route takes ("image",
	// "document" for page navigations, ...): one, or a list.
	Destination stringList `json:"destination"`
	// URL is a urlPattern string that the request's URL must match too.
	URL string `json:"url,omitempty"`
}

func (p *urlPattern) UnmarshalJSON(b []byte) error {
	if isString(b) {
		*p = urlPattern{}
		return json.Unmarshal(b, &p.str)
	}
	p.obj = &urlMatch{}
	return json.Unmarshal(b, p.obj)
}

// stringList is a list of strings that swkit.json may write as one string.
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	if isString(b) {
		var s string
		err := json.Unmarshal(b, &s)
		*l = stringList{s}
		return err
	}
	return json.Unmarshal(b, (*[]string)(l))
}

func (l stringList) MarshalJSON() ([]byte, error) {
	if len(l) == 1 {
		return json.Marshal(l[0])
	}
	return json.Marshal([]string(l))
}

// plainRoute is RuntimeCaching without its JSON methods.
type plainRoute RuntimeCaching

// routeJSON is RuntimeCaching as swkit.json writes it: urlPattern in
// either form (shadowing the string field).
type routeJSON struct {
	plainRoute
	URLPattern urlPattern `json:"urlPattern"`
}

// UnmarshalJSON reads urlPattern in either form.
func (r *RuntimeCaching) UnmarshalJSON(b []byte) error {
	var j routeJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*r = RuntimeCaching(j.plainRoute)
	r.URLPattern = j.URLPattern.str
	if m := j.URLPattern.obj; m != nil {
		r.URLPattern, r.Destination = m.URL, m.Destination
	}
	return nil
}

// MarshalJSON writes urlPattern as a string, or as an object when the route
// selects by destination.
func (r RuntimeCaching) MarshalJSON() ([]byte, error) {
	type out struct {
		URLPattern any `json:"urlPattern"` // first, as people write it
		plainRoute
	}
	o := out{plainRoute: plainRoute(r), URLPattern: r.URLPattern}
	if len(r.Destination) > 0 {
		o.URLPattern = urlMatch{Destination: stringList(r.Destination), URL: r.URLPattern}
	}
	return json.Marshal(o)
}

// isString reports whether the JSON value b is a string.
func isString(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && b[0] == '"'
}
