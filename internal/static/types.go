package static

import (
	"path"
	"strings"

	"github.com/swkit/swkit/internal/manifest"
)

// typeInfo is what the handler needs to know about a file from its extension.
// The header values are prebuilt slices (len == cap, so an append by a
// middleware copies instead of writing into them).
type typeInfo struct {
	contentType []string
	// compressible: text-like content that gains from gzip or brotli. Only
	// these get Vary: Accept-Encoding, sibling lookups and on-the-fly gzip.
	compressible bool
	// revalidate: HTML and the web app manifest must always be revalidated,
	// even if their names look fingerprinted.
	revalidate bool
}

var octetStream = typeInfo{contentType: []string{"application/octet-stream"}}

// types maps lower-case extensions to types. It is a fixed table rather than
// mime.TypeByExtension, whose answers depend on the host's mime.types files:
// the same folder must be served the same way on every machine.
var types = map[string]typeInfo{}

func init() {
	add := func(ct string, compressible, revalidate bool, exts ...string) {
		for _, e := range exts {
			types[e] = typeInfo{contentType: []string{ct}, compressible: compressible, revalidate: revalidate}
		}
	}
	const utf8 = "; charset=utf-8"
	// Documents and code.
	add("text/html"+utf8, true, true, ".html", ".htm")
	add("application/manifest+json", true, true, ".webmanifest")
	add("text/css"+utf8, true, false, ".css")
	// RFC 9239: text/javascript is the one JavaScript type, modules included.
	add("text/javascript"+utf8, true, false, ".js", ".mjs", ".cjs")
	// RFC 8259 §11: JSON has no charset parameter; it is UTF-8.
	add("application/json", true, false, ".json", ".map")
	add("application/ld+json", true, false, ".jsonld")
	add("application/wasm", true, false, ".wasm")
	add("image/svg+xml", true, false, ".svg")
	add("application/xml", true, false, ".xml")
	add("application/rss+xml", true, false, ".rss")
	add("application/atom+xml", true, false, ".atom")
	add("text/plain"+utf8, true, false, ".txt")
	add("text/markdown"+utf8, true, false, ".md")
	add("text/csv"+utf8, true, false, ".csv")
	add("text/calendar"+utf8, true, false, ".ics")
	add("text/vtt"+utf8, true, false, ".vtt")
	// Fonts. TrueType and OpenType compress well; WOFF and WOFF2 already are.
	add("font/woff2", false, false, ".woff2")
	add("font/woff", false, false, ".woff")
	add("font/ttf", true, false, ".ttf")
	add("font/otf", true, false, ".otf")
	// Images, audio, video, archives: already compressed.
	add("image/avif", false, false, ".avif")
	add("image/webp", false, false, ".webp")
	add("image/png", false, false, ".png")
	add("image/jpeg", false, false, ".jpg", ".jpeg")
	add("image/gif", false, false, ".gif")
	add("image/x-icon", true, false, ".ico")
	add("image/bmp", false, false, ".bmp")
	add("video/mp4", false, false, ".mp4")
	add("video/webm", false, false, ".webm")
	add("audio/mpeg", false, false, ".mp3")
	add("audio/ogg", false, false, ".ogg", ".oga")
	add("audio/wav", false, false, ".wav")
	add("application/pdf", false, false, ".pdf")
	add("application/zip", false, false, ".zip")
	add("application/gzip", false, false, ".gz")
}

// appLinks is Apple's app-link file, which has no extension but must be
// sent as JSON.
const appLinks = wellKnown + "/apple-app-site-association"

// typeOf returns the type information for a file name by its extension.
func typeOf(name string) typeInfo {
	if name == appLinks {
		return types[".json"]
	}
	ext := path.Ext(name)
	if ext == "" {
		return octetStream
	}
	if ti, ok := types[ext]; ok {
		return ti
	}
	if ti, ok := types[strings.ToLower(ext)]; ok {
		return ti
	}
	return octetStream
}

// DefaultHashedName reports whether the base name of name carries a content
// fingerprint, and so may be cached as immutable. It is the manifest's rule
// (see manifest.DefaultHashedName): conservative, because a false positive pins
// a changing file in browsers for a year, while a missed fingerprint only costs
// a revalidation.
func DefaultHashedName(name string) bool {
	// One rule for both, so a file precached under its bare URL is also the one
	// served as immutable.
	return manifest.DefaultHashedName(name)
}
