package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/swkit/swkit/config"
)

// TestMigrate: swkit migrate writes a swkit.json that config check accepts,
// prints one line per option it could not translate, and does not
// overwrite a file without --force.
func TestMigrate(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "vite.config.js")
	os.WriteFile(src, []byte(`import { VitePWA } from 'vite-plugin-pwa';
export default { plugins: [VitePWA({ registerType: 'autoUpdate', workbox: {
  mode: 'production',
  runtimeCaching: [{ urlPattern: ({ request }) => request.destination === 'image', handler: 'CacheFirst',
    options: { cacheName: 'images', plugins: [{}] } }],
} })] };
`), 0o644)
	out := filepath.Join(dir, "swkit.json")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"migrate", "--out", out, src}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	cfg, err := config.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if r := cfg.RuntimeCaching; len(r) != 1 || strings.Join(r[0].Destination, ",") != "image" || cfg.NavigateFallback != "index.html" {
		t.Errorf("config %+v", cfg)
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	for _, want := range []string{
		"workbox.mode: a build setting with no meaning for swkit: dropped",
		`workbox.runtimeCaching[0].options.plugins: Workbox plugins are code`,
		"workbox.navigateFallback: not set: applied vite-plugin-pwa's default",
	} {
		found := false
		for _, l := range lines {
			found = found || strings.Contains(l, want)
		}
		if !found {
			t.Errorf("no line with %q in:\n%s", want, stderr.String())
		}
	}
	if code := run(context.Background(), []string{"migrate", "--out", out, src}, &stdout, &stderr); code != 1 {
		t.Errorf("second run over the file: exit %d, want 1", code)
	}
}
