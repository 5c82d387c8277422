package webapp

import (
	"bytes"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"maps"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/swkit/swkit/config"
)

// sourcePNG is a w x h image: an opaque red square in the middle half,
// transparent around it.
func sourcePNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := h / 4; y < h*3/4; y++ {
		for x := w / 4; x < w*3/4; x++ {
			img.SetNRGBA(x, y, color.NRGBA{R: 200, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGenerate(t *testing.T) {
	fsys := fstest.MapFS{"img/logo.png": {Data: sourcePNG(t, 600, 600)}}
	m := config.Manifest{Name: "Cats", ShortName: "Cats", Icon: "img/logo.png", BackgroundColor: "#00ff00"}
	files, warns, err := Generate(fsys, m, "sw.js")
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 0 {
		t.Errorf("warnings for a 600x600 icon: %v", warns)
	}
	sizes := map[string]int{Icon192: 192, Icon512: 512, IconMaskable: 512, AppleIcon: 180}
	for name, size := range sizes {
		data := files[name]
		if !IsOurs(data) {
			t.Errorf("%s: IsOurs = false", name)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if b := img.Bounds(); b.Dx() != size || b.Dy() != size {
			t.Errorf("%s is %v, want %dx%d", name, b, size, size)
		}
	}
	// Opaque icons have the background in their corners; the plain ones
	// keep the source's transparency.
	corner := func(name string) color.NRGBA {
		img, _ := png.Decode(bytes.NewReader(files[name]))
		return color.NRGBAModel.Convert(img.At(0, 0)).(color.NRGBA)
	}
	if c := corner(IconMaskable); c != (color.NRGBA{G: 255, A: 255}) {
		t.Errorf("maskable corner = %v, want the background colour", c)
	}
	if c := corner(Icon512); c.A != 0 {
		t.Errorf("icon-512 corner = %v, want transparent", c)
	}
	var doc struct {
		Name    string `json:"name"`
		Start   string `json:"start_url"`
		Display string `json:"display"`
		Icons   []struct{ Src, Sizes, Purpose string }
	}
	mf := files[ManifestName]
	if !bytes.HasPrefix(mf, []byte(Banner+"\n")) {
		t.Errorf("manifest does not start with the banner line:\n%s", mf)
	}
	if err := json.Unmarshal(mf, &doc); err != nil {
		t.Fatalf("manifest is not JSON: %v\n%s", err, mf)
	}
	if doc.Name != "Cats" || doc.Start != "./" || doc.Display != "standalone" || len(doc.Icons) != 3 || doc.Icons[2].Purpose != "maskable" {
		t.Errorf("manifest = %+v", doc)
	}
	again, _, _ := Generate(fsys, m, "sw.js")
	for name := range files {
		if !bytes.Equal(files[name], again[name]) {
			t.Errorf("%s differs between two builds", name)
		}
	}
}

func TestGenerateWarnings(t *testing.T) {
	fsys := fstest.MapFS{"small.png": {Data: sourcePNG(t, 100, 50)}}
	_, warns, err := Generate(fsys, config.Manifest{Name: "x", Icon: "small.png", Display: "browser", StartURL: "app/", Scope: "/admin/"}, "sw.js")
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, w := range warns {
		all = append(all, w.Path+": "+w.Message)
	}
	got := strings.Join(all, "\n")
	for _, want := range []string{"not square", "blurred", "do not offer to install", "start_url /app/ is outside scope /admin/"} {
		if !strings.Contains(got, want) {
			t.Errorf("warnings lack %q:\n%s", want, got)
		}
	}
}

func TestGenerateErrors(t *testing.T) {
	fsys := fstest.MapFS{"logo.svg": {Data: []byte("<svg/>")}}
	for _, icon := range []string{"missing.png", "logo.svg"} {
		_, _, err := Generate(fsys, config.Manifest{Name: "x", Icon: icon}, "sw.js")
		var ce *config.Error
		if !errors.As(err, &ce) || ce.Key != "manifest.icon" {
			t.Errorf("icon %s: err = %v, want a *config.Error for manifest.icon", icon, err)
		}
	}
}

func TestCheckStartPage(t *testing.T) {
	pages := map[string]string{
		"index.html":     `<html><head><link rel="manifest" href="/manifest.webmanifest"></head></html>`,
		"app/index.html": `<html><head></head></html>`,
		"rel/index.html": `<html><head><link href='../manifest.webmanifest' rel=manifest></head></html>`,
		"old/index.html": `<html><head><link rel="manifest" href="/site.json"></head></html>`,
	}
	read := func(name string) ([]byte, error) {
		if p, ok := pages[name]; ok {
			return []byte(p), nil
		}
		return nil, fs.ErrNotExist
	}
	for _, tc := range []struct {
		start, want string
	}{
		{"", ""},
		{"./", ""},
		{"/index.html", ""},
		{"app/", "app/index.html: no <link"},
		{"/missing/", "opens missing/index.html, which the site does not have"},
		{"rel/", ""},
		{"old/", `old/index.html: <link rel="manifest" href="/site.json"> is not the generated manifest`},
	} {
		warns := CheckStartPage(config.Manifest{StartURL: tc.start}, "sw.js", "index.html", read)
		got := ""
		if len(warns) > 0 {
			got = warns[0].Path + ": " + warns[0].Message
		}
		if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("start_url %q: warning %q, want %q", tc.start, got, tc.want)
		}
	}
}

func TestIsOurs(t *testing.T) {
	if IsOurs(sourcePNG(t, 4, 4)) {
		t.Error("a plain PNG is ours")
	}
	if IsOurs([]byte("not a png")) {
		t.Error("text is ours")
	}
}

// TestGenerateRemembers: a second Generate of the same image and section
// gives the same files, from memory, and what a caller does to the first
// result's map does not reach the second.
func TestGenerateRemembers(t *testing.T) {
	fsys := fstest.MapFS{"logo.png": {Data: sourcePNG(t, 600, 600)}}
	m := config.Manifest{Name: "x", Icon: "logo.png"}
	first, _, err := Generate(fsys, m, "sw.js")
	if err != nil {
		t.Fatal(err)
	}
	want := maps.Clone(first)
	delete(first, ManifestName)
	start := time.Now()
	second, _, err := Generate(fsys, m, "sw.js")
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	if !maps.EqualFunc(second, want, bytes.Equal) {
		t.Errorf("the second Generate gave %d files, the first %d", len(second), len(want))
	}
	t.Logf("second Generate: %v", took)
	m.ThemeColor = "#000000"
	third, _, err := Generate(fsys, m, "sw.js")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(third[ManifestName], want[ManifestName]) {
		t.Error("a changed section gave the remembered manifest")
	}
}
