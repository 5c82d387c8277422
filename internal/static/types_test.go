package static

import "testing"

func TestDefaultHashedName(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"app.3f2a9c1b.js", true},
		{"assets/app-3f2a9c1b.css", true},
		{"app.3F2A9C1B.js", true},
		{"app.3f2a9c1b0d4e5f60718293a4b5c6d7e8.js", true},
		{"index-BqRbTq0K.js", true},
		{"chunk.a1B2c3D4.mjs", true},
		{"app.js", false},
		{"app.min.js", false},
		{"3f2a9c1b.js", false},         // no separator: could be any name
		{"app.3f2a9c1.js", false},      // 7 hex digits
		{"report-20240101.pdf", false}, // digits only: a date
		{"app-deadbeef.js", false},     // letters only
		{"app-MyWidget.js", false},     // a word, no digit
		{"app-Widget2xy.js", false},    // 9 characters
		{"app-abcdefg1.js", false},     // no upper case
		{"app.3f2a9c1b.js.map", false}, // the extension before .map is "js"
		{"dir.3f2a9c1b/app.js", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DefaultHashedName(tt.name); got != tt.want {
				t.Errorf("DefaultHashedName(%q) = %v, want %v", tt.name, got, tt.want)
			}
		})
	}
}

func TestTypeOf(t *testing.T) {
	tests := []struct {
		name, want   string
		compressible bool
	}{
		{"a.webmanifest", "application/manifest+json", true},
		{"a.mjs", "text/javascript; charset=utf-8", true},
		{"a.JS", "text/javascript; charset=utf-8", true},
		{"a.wasm", "application/wasm", true},
		{"a.woff2", "font/woff2", false},
		{"a.avif", "image/avif", false},
		{"Makefile", "application/octet-stream", false},
		{"a.unknown", "application/octet-stream", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ti := typeOf(tt.name)
			if ti.contentType[0] != tt.want || ti.compressible != tt.compressible {
				t.Errorf("typeOf(%q) = %q %v, want %q %v", tt.name, ti.contentType[0], ti.compressible, tt.want, tt.compressible)
			}
		})
	}
}
