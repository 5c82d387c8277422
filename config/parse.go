package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// Error is a problem in a config file, with the place a person must look.
// Parse and Load return it as *Error, so callers can use errors.As.
type Error struct {
	File string // the name given to Parse, or the path given to Load
	Line int    // 1-based; 0 when the problem has no single line
	// Key is the path of the value at fault, such as
	// "runtimeCaching[0].options.expiration.maxEntries". For an unknown key it
	// is the object that holds the key ("" at the top level); Msg names the key.
	Key string
	Msg string
	// Err is the underlying error, if any (a file that does not exist, say),
	// for errors.Is and errors.As. Its text is shown when Msg is empty.
	Err error
}

// Unwrap returns e.Err.
func (e *Error) Unwrap() error { return e.Err }

// Error formats e as "file:line: key: message", leaving out the parts that are
// empty.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":")
		b.WriteString(strconv.Itoa(e.Line))
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.message())
	return b.String()
}

// message is Msg, or Err's text when there is no Msg.
func (e *Error) message() string {
	if e.Msg == "" && e.Err != nil {
		return e.Err.Error()
	}
	return e.Msg
}

// Load reads and parses the config file at path. Errors name path as given.
// Defaults are not applied; see Defaults.
func Load(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, data)
}

// LoadFS is Load for the file name of fsys: a config embedded in the
// binary, say.
func LoadFS(fsys fs.FS, name string) (Config, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return Config{}, fmt.Errorf("read config: %w", err)
	}
	return Parse(name, data)
}

// Parse parses a swkit.json document; name is used in error messages only.
//
// Parse is strict: an unknown key at any depth, a duplicate key, a value of
// the wrong type or an invalid setting is an *Error naming the file, the line
// and the key. Handler names are normalised (Workbox's "CacheFirst" becomes
// "cacheFirst") and empty lists become nil; no other default is applied, so
// the result can be printed back as the user wrote it. Call Defaults before use.
func Parse(name string, data []byte) (Config, error) {
	w := newWalker(name, data)
	if len(bytes.TrimSpace(data)) == 0 {
		return Config{}, &Error{File: name, Line: 1, Msg: "empty file: want a JSON object such as {\"globPatterns\": [\"**/*\"]}"}
	}
	if err := w.document(reflect.TypeFor[Config]()); err != nil {
		return Config{}, err // invalid JSON: nothing more can be said
	}
	errs := w.errs
	if w.wrongTypes {
		return Config{}, join(errs)
	}
	var cfg Config
	if err := json.Unmarshal(data, &cfg); err != nil {
		// The walk checked syntax and types already; this is a backstop.
		return Config{}, &Error{File: name, Err: err}
	}
	clearEmpty(reflect.ValueOf(&cfg).Elem())
	// Errors carry the line of the offending key.
	bad := func(key, format string, args ...any) *Error {
		return w.errorf(w.lineOf(key), key, format, args...)
	}
	if err := validate(&cfg, bad); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return Config{}, join(errs)
	}
	return cfg, nil
}

// join returns the one error of errs, or all of them joined, in order, with
// those of errors.Join flattened.
func join(errs []error) error {
	var flat []error
	for _, err := range errs {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			flat = append(flat, j.Unwrap()...)
		} else {
			flat = append(flat, err)
		}
	}
	if len(flat) == 1 {
		return flat[0]
	}
	sort.SliceStable(flat, func(i, j int) bool { return lineOfErr(flat[i]) < lineOfErr(flat[j]) })
	return errors.Join(flat...)
}

func lineOfErr(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Line
	}
	return 0
}

// walker checks a JSON document against a Go type by walking its tokens, and
// remembers the line of every key path for later (semantic) errors.
type walker struct {
	file     string
	data     []byte
	dec      *json.Decoder
	newlines []int          // offsets of '\n' in data
	lines    map[string]int // key path -> line of its key (or first token)
	// errs are the problems found so far in a well-formed document: the
	// walk goes on after an unknown key or a wrong type, so that one run
	// reports them all. wrongTypes: some value could not be decoded.
	errs       []error
	wrongTypes bool
}

func newWalker(name string, data []byte) *walker {
	w := &walker{file: name, data: data, lines: map[string]int{}}
	for i, c := range data {
		if c == '\n' {
			w.newlines = append(w.newlines, i)
		}
	}
	w.dec = json.NewDecoder(bytes.NewReader(data))
	w.dec.UseNumber()
	return w
}

// lineAt returns the line holding the byte just before offset off.
func (w *walker) lineAt(off int64) int {
	return sort.SearchInts(w.newlines, int(off)) + 1
}

// line is the line of the token the decoder returned last. A token never
// spans lines (JSON strings cannot hold a raw newline), so its end will do.
func (w *walker) line() int { return w.lineAt(w.dec.InputOffset()) }

// lineOf returns the line recorded for key path p, or for its nearest
// recorded parent.
func (w *walker) lineOf(p string) int {
	for {
		if l, ok := w.lines[p]; ok {
			return l
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			return w.lines[""]
		}
		p = p[:i]
	}
}

func (w *walker) errorf(line int, key, format string, args ...any) *Error {
	return &Error{File: w.file, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)}
}

// token reads the next token, turning decoder failures into *Error.
func (w *walker) token() (json.Token, error) {
	tok, err := w.dec.Token()
	if err == nil {
		return tok, nil
	}
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn):
		return nil, w.errorf(w.lineAt(syn.Offset), "", "invalid JSON: %s", syn.Error())
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return nil, w.errorf(len(w.newlines)+1, "", "invalid JSON: unexpected end of file")
	default:
		return nil, w.errorf(w.line(), "", "invalid JSON: %s", err.Error())
	}
}

func (w *walker) document(t reflect.Type) error {
	tok, err := w.token()
	if err != nil {
		return err
	}
	w.lines[""] = w.line()
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return w.errorf(w.line(), "", "the top level must be a JSON object, got %s", kindOf(tok))
	}
	if err := w.object(t, ""); err != nil {
		return err
	}
	if _, err := w.dec.Token(); err != io.EOF {
		return w.errorf(w.line(), "", "invalid JSON: data after the top-level object")
	}
	return nil
}

// value reads one value for type t at key path p.
func (w *walker) value(t reflect.Type, p string) error {
	tok, err := w.token()
	if err != nil {
		return err
	}
	if _, ok := w.lines[p]; !ok {
		w.lines[p] = w.line()
	}
	return w.valueFrom(tok, t, p)
}

// valueFrom checks the value starting with tok (already read) against t.
func (w *walker) valueFrom(tok json.Token, t reflect.Type, p string) error {
	if f, ok := forms[t]; ok {
		d, _ := tok.(json.Delim)
		switch _, str := tok.(string); {
		case str && f.str:
			return nil
		case d == '[' && f.arr != nil:
			return w.valueFrom(tok, f.arr, p)
		case d == '{' && f.obj != nil:
			return w.valueFrom(tok, f.obj, p)
		}
		return w.wrongType(p, f.want, tok)
	}
	switch t.Kind() {
	case reflect.Pointer:
		if tok == nil {
			return nil
		}
		return w.valueFrom(tok, t.Elem(), p)
	case reflect.Struct:
		if d, ok := tok.(json.Delim); !ok || d != '{' {
			return w.wrongType(p, "an object", tok)
		}
		return w.object(t, p)
	case reflect.Map:
		if tok == nil {
			return nil
		}
		if d, ok := tok.(json.Delim); !ok || d != '{' {
			return w.wrongType(p, "an object", tok)
		}
		for w.dec.More() {
			kt, err := w.token()
			if err != nil {
				return err
			}
			k := kt.(string) // the decoder only returns strings in key position
			kp := p + "[" + strconv.Quote(k) + "]"
			w.lines[kp] = w.line()
			if err := w.value(t.Elem(), kp); err != nil {
				return err
			}
		}
		_, err := w.token() // '}'
		return err
	case reflect.Slice:
		if tok == nil {
			return nil
		}
		if d, ok := tok.(json.Delim); !ok || d != '[' {
			return w.wrongType(p, "an array", tok)
		}
		for i := 0; w.dec.More(); i++ {
			if err := w.value(t.Elem(), p+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
		_, err := w.token() // ']'
		return err
	case reflect.String:
		if _, ok := tok.(string); !ok {
			return w.wrongType(p, "a string", tok)
		}
	case reflect.Bool:
		if _, ok := tok.(bool); !ok {
			return w.wrongType(p, "true or false", tok)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := tok.(json.Number)
		if !ok {
			return w.wrongType(p, "a number", tok)
		}
		if _, err := strconv.ParseInt(string(n), 10, t.Bits()); err != nil {
			w.wrongTypes = true
			if errors.Is(err, strconv.ErrRange) {
				w.errs = append(w.errs, w.errorf(w.lineOf(p), p, "%s is out of range", n))
			} else {
				w.errs = append(w.errs, w.errorf(w.lineOf(p), p, "want a whole number, got %s", n))
			}
		}
	case reflect.Float32, reflect.Float64:
		n, ok := tok.(json.Number)
		if !ok {
			return w.wrongType(p, "a number", tok)
		}
		if _, err := strconv.ParseFloat(string(n), t.Bits()); err != nil {
			w.wrongTypes = true
			w.errs = append(w.errs, w.errorf(w.lineOf(p), p, "%s is out of range", n))
		}
	default:
		// Config only uses the kinds above; a new kind needs a case here.
		panic("config: unsupported field kind " + t.Kind().String())
	}
	return nil
}

// object checks the members of an object (its '{' already read) against the
// JSON names of struct t.
func (w *walker) object(t reflect.Type, p string) error {
	fields := jsonFields(t)
	seen := map[string]bool{}
	for w.dec.More() {
		kt, err := w.token()
		if err != nil {
			return err
		}
		k := kt.(string)
		line := w.line()
		ft, ok := fields[k]
		if !ok {
			w.errs = append(w.errs, &Error{File: w.file, Line: line, Key: p, Msg: unknownKey(k, p, fields)})
			if err := w.skip(); err != nil {
				return err
			}
			continue
		}
		kp := k
		if p != "" {
			kp = p + "." + k
		}
		if seen[k] {
			w.errs = append(w.errs, w.errorf(line, kp, "duplicate key"))
			w.wrongTypes = true // encoding/json would keep the last silently
		}
		seen[k] = true
		w.lines[kp] = line
		if err := w.value(ft, kp); err != nil {
			return err
		}
	}
	_, err := w.token() // '}'
	return err
}

// wrongType records that the value at p, starting with tok, is not of the
// kind wanted, and skips the rest of it.
func (w *walker) wrongType(p, want string, tok json.Token) error {
	w.errs = append(w.errs, w.errorf(w.lineOf(p), p, "want %s, got %s", want, kindOf(tok)))
	w.wrongTypes = true
	if d, ok := tok.(json.Delim); ok && (d == '{' || d == '[') {
		return w.skipRest(1)
	}
	return nil
}

// skip reads one whole value.
func (w *walker) skip() error {
	tok, err := w.token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); ok && (d == '{' || d == '[') {
		return w.skipRest(1)
	}
	return nil
}

// skipRest reads tokens until depth open objects and arrays are closed.
func (w *walker) skipRest(depth int) error {
	for depth > 0 {
		tok, err := w.token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}

// kindOf names the JSON kind of the value that starts with tok.
func kindOf(tok json.Token) string {
	switch v := tok.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number:
		return "number"
	case string:
		return "string"
	case json.Delim:
		if v == '[' {
			return "array"
		}
		return "object"
	}
	return fmt.Sprintf("%T", tok)
}

// jsonFields maps the JSON names of struct t's fields to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	m := map[string]reflect.Type{}
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = f.Type
	}
	if t == reflect.TypeFor[RuntimeCaching]() {
		m["urlPattern"] = reflect.TypeFor[urlPattern]() // a string or an object
	}
	return m
}

// suggest returns the known key closest to k, or "" when none is close.
func suggest(k string, fields map[string]reflect.Type) string {
	best, bestD := "", 0
	for name := range fields {
		d := editDistance(strings.ToLower(k), strings.ToLower(name))
		if best == "" || d < bestD || (d == bestD && name < best) {
			best, bestD = name, d
		}
	}
	if best == "" || bestD > len(k)/3+1 {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// clearEmpty sets empty slices and maps under v to nil: an empty list means
// the default, like a missing one, and printing the config back drops both.
func clearEmpty(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			clearEmpty(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			clearEmpty(v.Field(i))
		}
	case reflect.Slice:
		if v.Len() == 0 {
			v.SetZero()
			return
		}
		for i := range v.Len() {
			clearEmpty(v.Index(i))
		}
	case reflect.Map:
		if v.Len() == 0 {
			v.SetZero()
		}
	}
}
