package swkit

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/swkit/swkit/internal/buildcache"
)

// logoPNG is a size x size opaque image of colour c.
func logoPNG(t *testing.T, size int, c color.NRGBA) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for y := range size {
		for x := range size {
			img.SetNRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// appSite is a folder with a page that links the manifest and a source icon.
func appSite(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeOutputs(t, dir, map[string]string{
		"index.html": `<!doctype html><html><head><link rel="manifest" href="/manifest.webmanifest"></head><body>app</body></html>`,
		"logo.png":   string(logoPNG(t, 512, color.NRGBA{R: 255, A: 255})),
	})
	return dir
}

func appConfig() Config {
	return Config{Manifest: &Manifest{Name: "App", Icon: "logo.png", ThemeColor: "#123456"}}
}

var appFiles = []string{"apple-touch-icon.png", "icon-192.png", "icon-512.png", "icon-maskable-512.png", "manifest.webmanifest"}

// WriteDir writes the manifest and icons, precaches them, and a rebuild
// with nothing changed writes nothing; a new icon gives new icons.
func TestWriteDirWebApp(t *testing.T) {
	defer func(w time.Duration) { buildcache.RacyWindow = w }(buildcache.RacyWindow)
	buildcache.RacyWindow = 0
	dir := appSite(t)
	opts := DirOptions{Cache: filepath.Join(t.TempDir(), "cache.bin")}
	res, err := WriteDir(dir, appConfig(), opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range res.Warnings {
		t.Errorf("warning: %s", w)
	}
	var urls []string
	for _, e := range res.Entries {
		urls = append(urls, e.URL)
	}
	for _, name := range appFiles {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data, res.App[name]) {
			t.Errorf("%s on disk differs from Result.App", name)
		}
		if !slices.Contains(urls, name) {
			t.Errorf("%s is not precached: %v", name, urls)
		}
	}
	before, _ := os.ReadFile(filepath.Join(dir, "icon-512.png"))

	// The first build changed the folder's stat: the second walks it, the
	// third finds no change without a walk (as TestWriteDirUnchanged).
	if _, err := WriteDir(dir, appConfig(), opts); err != nil {
		t.Fatal(err)
	}
	again, err := WriteDir(dir, appConfig(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Unchanged || again.Files != res.Files || again.Bytes != res.Bytes {
		t.Errorf("rebuild: Unchanged=%v files %d bytes %d, want true, %d, %d", again.Unchanged, again.Files, again.Bytes, res.Files, res.Bytes)
	}

	writeOutputs(t, dir, map[string]string{"logo.png": string(logoPNG(t, 512, color.NRGBA{B: 255, A: 255}))})
	third, err := WriteDir(dir, appConfig(), opts)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "icon-512.png"))
	if third.Unchanged || bytes.Equal(before, after) {
		t.Errorf("a new source icon left icon-512.png as it was (Unchanged=%v)", third.Unchanged)
	}
}

// A manifest or icon that a person made is never overwritten, by WriteDir
// or in memory by New.
func TestWebAppNotOurs(t *testing.T) {
	for _, name := range []string{"manifest.webmanifest", "icon-192.png"} {
		t.Run(name, func(t *testing.T) {
			dir := appSite(t)
			own := `{"name": "mine"}`
			if strings.HasSuffix(name, ".png") {
				own = string(logoPNG(t, 192, color.NRGBA{G: 255, A: 255}))
			}
			writeOutputs(t, dir, map[string]string{name: own})
			_, err := WriteDir(dir, appConfig(), DirOptions{NoCache: true})
			if !errors.Is(err, ErrNotOurs) {
				t.Errorf("WriteDir: err = %v, want ErrNotOurs", err)
			}
			if got, _ := os.ReadFile(filepath.Join(dir, name)); string(got) != own {
				t.Errorf("%s was overwritten", name)
			}
			if _, err := NewDir(dir, appConfig(), DirOptions{NoCache: true}); !errors.Is(err, ErrNotOurs) {
				t.Errorf("NewDir: err = %v, want ErrNotOurs", err)
			}
		})
	}
}

// New serves the manifest and icons from memory with their types.
func TestNewServesWebApp(t *testing.T) {
	h, err := NewDir(appSite(t), appConfig(), DirOptions{NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	for path, want := range map[string]string{
		"/manifest.webmanifest": "application/manifest+json",
		"/icon-512.png":         "image/png",
		"/apple-touch-icon.png": "image/png",
	} {
		rec := serve(h, path)
		if rec.Code != 200 || rec.Header().Get("Content-Type") != want || rec.Header().Get("Cache-Control") != "no-cache" {
			t.Errorf("%s: %d %q %q, want 200 %q no-cache", path, rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Cache-Control"), want)
		}
	}
}

// The build warns when the start page does not link the manifest.
func TestWebAppWarnsUnlinked(t *testing.T) {
	dir := appSite(t)
	writeOutputs(t, dir, map[string]string{"index.html": "<!doctype html><title>x</title>"})
	res, err := BuildDir(dir, appConfig(), DirOptions{NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0].String(), `index.html: no <link rel="manifest"`) {
		t.Errorf("warnings = %v, want one about the missing link", res.Warnings)
	}
}
