package sitebuild

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/swkit/swkit/config"
)

// TestBuildChecksPrecachedPages: navigateFallback and offlinePage must name a
// file the worker precaches, looked up as the worker does (relative or
// absolute, directory index, clean URL, ignored parameters); otherwise the
// build fails naming the key and the URL.
func TestBuildChecksPrecachedPages(t *testing.T) {
	site := fstest.MapFS{
		"index.html":         {Data: []byte("<!doctype html><title>shell</title>")},
		"offline.html":       {Data: []byte("<!doctype html><title>offline</title>")},
		"docs/index.html":    {Data: []byte("<!doctype html><title>docs</title>")},
		"reports/month.html": {Data: []byte("<!doctype html><title>report</title>")},
		"big.html":           {Data: []byte(strings.Repeat("x", 200))},
	}
	tests := []struct {
		name    string
		cfg     config.Config
		wantKey string // "" when the build must succeed
		wantURL string
	}{
		{name: "relative", cfg: config.Config{NavigateFallback: "index.html", OfflinePage: "offline.html"}},
		{name: "absolute", cfg: config.Config{NavigateFallback: "/index.html", OfflinePage: "/offline.html"}},
		{name: "directory index", cfg: config.Config{NavigateFallback: "/docs/"}},
		{name: "clean URL", cfg: config.Config{OfflinePage: "/offline"}},
		{name: "ignored parameter and fragment", cfg: config.Config{NavigateFallback: "/index.html?utm_source=app#top"}},
		{name: "neither set", cfg: config.Config{}},
		{name: "missing file", cfg: config.Config{NavigateFallback: "/app.html"},
			wantKey: "navigateFallback", wantURL: "/app.html"},
		{name: "left out by globIgnores", cfg: config.Config{NavigateFallback: "/index.html", OfflinePage: "reports/month.html", GlobIgnores: []string{"reports/**"}},
			wantKey: "offlinePage", wantURL: "reports/month.html"},
		{name: "left out by globPatterns", cfg: config.Config{NavigateFallback: "/index.html", GlobPatterns: []string{"docs/**"}},
			wantKey: "navigateFallback", wantURL: "/index.html"},
		{name: "over the size limit", cfg: config.Config{OfflinePage: "/big.html", MaximumFileSizeToCacheInBytes: 100},
			wantKey: "offlinePage", wantURL: "/big.html"},
		{name: "parameter not ignored", cfg: config.Config{NavigateFallback: "/index.html?page=2"},
			wantKey: "navigateFallback", wantURL: "/index.html?page=2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config.Defaults(tt.cfg)
			if err := config.Validate(&cfg); err != nil {
				t.Fatal(err)
			}
			_, err := Build(site, cfg, Options{})
			if tt.wantKey == "" {
				if err != nil {
					t.Fatalf("Build: %v, want success", err)
				}
				return
			}
			var cerr *config.Error
			if !errors.As(err, &cerr) {
				t.Fatalf("Build: %v, want a *config.Error for %s", err, tt.wantKey)
			}
			if cerr.Key != tt.wantKey || !strings.Contains(cerr.Msg, `"`+tt.wantURL+`"`) {
				t.Errorf("Build: %v, want key %s naming %q", err, tt.wantKey, tt.wantURL)
			}
		})
	}
}
