package config

import (
	"errors"
	"testing"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string // the whole Error(), "" for none
	}{
		{"zero", Config{}, ""},
		{"bad glob", Config{GlobPatterns: []string{"**/*", "[a"}}, `globPatterns[1]: invalid glob pattern "[a"`},
		{"go-only regexp", Config{NavigateFallbackDenylist: []string{`^/api\z`}}, `navigateFallbackDenylist[0]: \z is Go-only; use ^ or $`},
		{"bad swDest", Config{SwDest: "../sw.js"}, `swDest: "../sw.js" must be a relative file path without "..", "." or empty segments`},
		{"unknown handler", Config{RuntimeCaching: []RuntimeCaching{{URLPattern: "/api/*", Handler: "fastest"}}},
			`runtimeCaching[0].handler: unknown handler "fastest": want one of cacheFirst, networkFirst, staleWhileRevalidate, networkOnly, cacheOnly`},
		{"negative size", Config{MaximumFileSizeToCacheInBytes: -1}, `maximumFileSizeToCacheInBytes: must not be negative`},
		{"broadcast on cacheFirst", Config{RuntimeCaching: []RuntimeCaching{{URLPattern: "/a", Handler: "cacheFirst",
			Options: RuntimeOptions{BroadcastUpdate: &BroadcastUpdate{}}}}},
			`runtimeCaching[0].options.broadcastUpdate: only staleWhileRevalidate revalidates, not cacheFirst`},
		{"sync on a cache strategy", Config{RuntimeCaching: []RuntimeCaching{{URLPattern: "/api/*", Method: "POST", Handler: "networkFirst",
			Options: RuntimeOptions{BackgroundSync: &BackgroundSync{Name: "q"}}}}},
			`runtimeCaching[0].options.backgroundSync: only with networkOnly, not networkFirst`},
		{"sync on GET", Config{RuntimeCaching: []RuntimeCaching{{URLPattern: "/api/*", Handler: "networkOnly",
			Options: RuntimeOptions{BackgroundSync: &BackgroundSync{Name: "q"}}}}},
			`runtimeCaching[0].options.backgroundSync: a GET request is not worth replaying later (nobody reads the answer); set method to POST, PUT, PATCH or DELETE`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(&tt.cfg)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Validate = %v, want an *Error", err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("Validate:\n got %s\nwant %s", got, tt.want)
			}
			if e.File != "" || e.Line != 0 {
				t.Errorf("File, Line = %q, %d; want none", e.File, e.Line)
			}
		})
	}
}

// TestValidateNormalises checks that Validate, like Parse, turns Workbox's
// handler names into swkit's.
func TestValidateNormalises(t *testing.T) {
	c := Config{RuntimeCaching: []RuntimeCaching{{URLPattern: "/img/**", Handler: "CacheFirst"}}}
	if err := Validate(&c); err != nil {
		t.Fatal(err)
	}
	if got := c.RuntimeCaching[0].Handler; got != CacheFirst {
		t.Errorf("Handler = %q, want %q", got, CacheFirst)
	}
}
