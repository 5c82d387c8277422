package static

import (
	"net/http/httptest"
	"testing"
	"testing/fstest"
)

// TestInMemoryCacheControl: in-memory files are no-cache, except those with
// a fingerprinted name (a worker's content-addressed manifest), which are
// immutable; the worker itself never is, whatever its name.
func TestInMemoryCacheControl(t *testing.T) {
	h, err := New(fstest.MapFS{}, Options{
		SwDest: "sw.0123abcd.js",
		Files: map[string][]byte{
			"sw.0123abcd.js":                         []byte("worker"),
			"swkit.js":                               []byte("helper"),
			"swkit-manifest.3f9a1c2b0d4e5f60.js":     []byte("manifest"),
			"page.3f9a1c2b.html":                     []byte("<p>"),
			"sub/swkit-manifest.0123456789abcdef.js": []byte("manifest"),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{"/sw.0123abcd.js", "no-cache"},
		{"/swkit.js", "no-cache"},
		{"/swkit-manifest.3f9a1c2b0d4e5f60.js", "public, max-age=31536000, immutable"},
		{"/sub/swkit-manifest.0123456789abcdef.js", "public, max-age=31536000, immutable"},
		{"/page.3f9a1c2b.html", "no-cache"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", tc.path, nil))
			if got := w.Header().Get("Cache-Control"); w.Code != 200 || got != tc.want {
				t.Errorf("status %d, Cache-Control %q; want 200, %q", w.Code, got, tc.want)
			}
		})
	}
}
