package manifest

import "testing"

func TestDefaultHashedName(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"app.3f9a1c2b.js", true},
		{"index-deadbeef12.css", true},
		{"assets/index-BfK2x9Qa.js", true},     // Vite
		{"chunk-ABCD2345.js", true},            // esbuild
		{"main.0123456789abcdef0123.js", true}, // webpack [contenthash:20]
		{"css/site.min.5f2b9c0e.css", true},
		{"img/logo.a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9.png", true}, // 64 hex
		{"x/y/font-Ab_9cdEf.woff2", true},
		{"chapter2.html", false},
		{"v1-settings.js", false},
		{"jquery.min.js", false},
		{"main.js", false},
		{"react-dom-production.js", false},  // a word
		{"photo-20240101.jpg", false},       // digits only
		{"deadbeef.js", false},              // no separator before the token
		{"app.DEADBEEF.js", false},          // letters only
		{"app.deadbee.js", false},           // 7 characters
		{"app.3f9a1c2b", false},             // the token is the extension
		{"app-3f9a1c2b.", false},            // no extension at all
		{"app.3F9a1c2b4e5d.js", false},      // mixed tokens count only at 8 characters
		{"app.3f9a1c2g.js", false},          // lowercase, not hex, no uppercase
		{"app.3f9a-1c2b.js", false},         // token "1c2b" too short
		{"readme.Lorem_Ipsum_2.txt", false}, // a long mixed token is more often words
		{".3f9a1c2b.js", false},             // nothing before the separator
		{"app.0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0.js", false}, // 65
		{"", false},
		{"dir.3f9a1c2b/app.js", false}, // only the base name counts
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DefaultHashedName(tt.name); got != tt.want {
				t.Errorf("DefaultHashedName(%q) = %v, want %v", tt.name, got, tt.want)
			}
		})
	}
}
