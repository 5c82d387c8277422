package static

import (
	"maps"
	"slices"
)

// Type is what the handler sends for files of one extension: their
// Content-Type, and whether they are compressible (text-like: siblings are
// looked for, Vary: Accept-Encoding sent, gzip on the fly) and always
// revalidated (HTML, the web app manifest: never immutable).
type Type struct {
	Ext          string // lower case, with the dot: ".js"
	ContentType  string
	Compressible bool
	Revalidate   bool
}

// Types returns the handler's fixed extension table, sorted by extension,
// so that a static host can be configured to answer exactly as it does.
// Any other extension is served as application/octet-stream.
func Types() []Type {
	out := make([]Type, 0, len(types))
	for _, ext := range slices.Sorted(maps.Keys(types)) {
		ti := types[ext]
		out = append(out, Type{Ext: ext, ContentType: ti.contentType[0], Compressible: ti.compressible, Revalidate: ti.revalidate})
	}
	return out
}

// Compressible reports whether the handler treats the file name as
// compressible (see [Type]).
func Compressible(name string) bool { return typeOf(name).compressible }

// Revalidates reports whether the handler always sends the file name
// no-cache, whatever its name looks like (HTML, the web app manifest).
func Revalidates(name string) bool { return typeOf(name).revalidate }
