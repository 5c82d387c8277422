// Package webapp makes a site installable: from the manifest section of
// swkit.json it generates the web app manifest and the icons browsers want,
// resized from one source image, and tells what would stop a browser from
// offering to install the site.
package webapp

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // source icons may be GIF
	_ "image/jpeg"
	"image/png"
	"io/fs"
	"maps"
	"math"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp" // source icons may be WebP

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/manifest"
)

// The files Generate writes, beside the worker.
const (
	ManifestName = "manifest.webmanifest"
	Icon192      = "icon-192.png"
	Icon512      = "icon-512.png"
	IconMaskable = "icon-maskable-512.png"
	AppleIcon    = "apple-touch-icon.png"
)

// Banner is the first line of the generated manifest. JSON has no comments,
// so it is a member that browsers ignore; it lets swkit tell its own
// manifest from one a person wrote, which it never overwrites.
const Banner = `{"//": "swkit web app manifest — generated from swkit.json, do not edit",`

// pngMarker is the PNG text chunk (keyword Software, PNG 1.2 §4.2.3.1) that
// marks swkit's icons, which have no first line to carry a banner.
const pngMarker = "Software\x00swkit icon — generated from swkit.json, do not edit"

// Names returns the slash paths of the files Generate writes for a worker
// at swDest.
func Names(swDest string) []string {
	dir := path.Dir(swDest)
	var out []string
	for _, n := range []string{ManifestName, Icon192, Icon512, IconMaskable, AppleIcon} {
		out = append(out, path.Join(dir, n))
	}
	return out
}

// MinIconSize is the source size below which the icons come out blurred.
const MinIconSize = 512

// icon is one icon Generate writes.
type icon struct {
	name     string
	size     int
	purpose  string // "" (any) or "maskable"
	opaque   bool   // painted on the background colour
	scale    float64
	manifest bool // listed in the manifest
}

var icons = []icon{
	{name: Icon192, size: 192, scale: 1, manifest: true},
	{name: Icon512, size: 512, scale: 1, manifest: true},
	// The maskable safe zone is a centred circle of 40% radius (Web App
	// Manifest, "icon masks"): a square image inscribed in it keeps every
	// corner whatever mask the platform applies.
	{name: IconMaskable, size: 512, purpose: "maskable", opaque: true, scale: 0.8 / math.Sqrt2, manifest: true},
	// iOS shows transparency as black and rounds the corners itself.
	{name: AppleIcon, size: 180, opaque: true, scale: 1},
}

// Generate returns the manifest and icons for m, by slash path beside the
// worker at swDest, reading the source icon from fsys, with warnings about
// what would make them look bad or keep browsers from installing the site.
// m must have passed config validation.
func Generate(fsys fs.FS, m config.Manifest, swDest string) (map[string][]byte, []manifest.Warning, error) {
	dir := path.Dir(swDest)
	src, err := fs.ReadFile(fsys, m.Icon)
	if err != nil {
		return nil, nil, &config.Error{Key: "manifest.icon", Msg: fmt.Sprintf("read %s: name an image of the site", m.Icon), Err: err}
	}
	key := generateKey(src, m, swDest)
	if out, warns, ok := recent.get(key); ok {
		return out, warns, nil
	}
	img, _, err := image.Decode(bytes.NewReader(src))
	if err != nil {
		return nil, nil, &config.Error{Key: "manifest.icon", Msg: fmt.Sprintf("%s is not a PNG, JPEG, GIF or WebP image (SVG must be converted to PNG first)", m.Icon), Err: err}
	}
	var warns []manifest.Warning
	b := img.Bounds()
	if b.Dx() != b.Dy() {
		warns = append(warns, manifest.Warning{Path: m.Icon, Message: fmt.Sprintf("the icon is %dx%d, not square: it is centred on a transparent square", b.Dx(), b.Dy())})
	}
	if min(b.Dx(), b.Dy()) < MinIconSize {
		warns = append(warns, manifest.Warning{Path: m.Icon, Message: fmt.Sprintf("the icon is %dx%d: scaled up to 512x512 it looks blurred; use one of %dx%d or more", b.Dx(), b.Dy(), MinIconSize, MinIconSize)})
	}
	bg := background(m)
	out := map[string][]byte{}
	for _, ic := range icons {
		data, err := render(img, ic, bg)
		if err != nil {
			return nil, nil, fmt.Errorf("icon %s: %w", ic.name, err)
		}
		out[path.Join(dir, ic.name)] = data
	}
	mf, err := manifestJSON(m)
	if err != nil {
		return nil, nil, err
	}
	out[path.Join(dir, ManifestName)] = mf
	if m.Display == "browser" {
		warns = append(warns, manifest.Warning{Path: "manifest.display", Message: `"browser": browsers do not offer to install the site; use standalone or minimal-ui`})
	}
	if w, ok := scopeWarning(m, dir); ok {
		warns = append(warns, w)
	}
	recent.put(key, out, warns)
	return out, warns, nil
}

// generateKey identifies what Generate makes: the source image, the
// manifest section and where the worker is.
func generateKey(src []byte, m config.Manifest, swDest string) [sha256.Size]byte {
	h := sha256.New()
	h.Write(src)
	j, _ := json.Marshal(m) // plain strings: cannot fail
	fmt.Fprintf(h, "\x00%s\x00%s", j, swDest)
	return [sha256.Size]byte(h.Sum(nil))
}

// generated keeps the last few results of Generate: resizing and
// compressing the icons is most of a small site's build, and swkit dev
// and every swkit.New of the same site would repeat it for the same image.
type generated struct {
	mu      sync.Mutex
	entries []generatedEntry // most recent last
}

type generatedEntry struct {
	key   [sha256.Size]byte
	files map[string][]byte
	warns []manifest.Warning
}

// recentMax bounds the results kept: a few sites' icons, about 10 KiB each.
const recentMax = 4

var recent generated

func (g *generated) get(key [sha256.Size]byte) (map[string][]byte, []manifest.Warning, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, e := range g.entries {
		if e.key == key {
			// Copies: a caller may add to either; the bytes are never
			// written to.
			return maps.Clone(e.files), slices.Clone(e.warns), true
		}
	}
	return nil, nil, false
}

func (g *generated) put(key [sha256.Size]byte, files map[string][]byte, warns []manifest.Warning) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.entries) == recentMax {
		g.entries = slices.Delete(g.entries, 0, 1)
	}
	g.entries = append(g.entries, generatedEntry{key, maps.Clone(files), slices.Clone(warns)})
}

// scopeWarning warns when start_url lies outside scope: browsers then
// drop the scope as an error of the manifest (Web App Manifest, "processing
// the scope member") and the installed app's scope becomes start_url's
// folder.
func scopeWarning(m config.Manifest, dir string) (manifest.Warning, bool) {
	if m.Scope == "" {
		return manifest.Warning{}, false
	}
	base := &url.URL{Scheme: "https", Host: "site.invalid", Path: "/" + path.Join(dir, ManifestName)}
	start, err1 := base.Parse(cmp.Or(m.StartURL, "./"))
	scope, err2 := base.Parse(m.Scope)
	if err1 != nil || err2 != nil || strings.HasPrefix(start.Path, scope.Path) {
		return manifest.Warning{}, false
	}
	return manifest.Warning{Path: "manifest.scope", Message: fmt.Sprintf("start_url %s is outside scope %s: browsers ignore the scope as an error of the manifest; make the scope a folder that holds start_url", start.Path, scope.Path)}, true
}

// background is the colour behind opaque icons.
func background(m config.Manifest) color.NRGBA {
	for _, c := range []string{m.BackgroundColor, m.ThemeColor} {
		if rgba, ok := config.ParseHexColor(c); ok {
			// Opaque icons must stay opaque: alpha is dropped.
			return color.NRGBA{R: rgba[0], G: rgba[1], B: rgba[2], A: 255}
		}
	}
	return color.NRGBA{R: 255, G: 255, B: 255, A: 255}
}

// render draws img for ic: scaled to fit a square of ic.scale of the icon,
// centred, on bg when the icon is opaque.
func render(img image.Image, ic icon, bg color.NRGBA) ([]byte, error) {
	dst := image.NewNRGBA(image.Rect(0, 0, ic.size, ic.size))
	if ic.opaque {
		draw.Draw(dst, dst.Bounds(), image.NewUniform(bg), image.Point{}, draw.Src)
	}
	sb := img.Bounds()
	box := float64(ic.size) * ic.scale
	k := box / float64(max(sb.Dx(), sb.Dy()))
	w, h := int(math.Round(float64(sb.Dx())*k)), int(math.Round(float64(sb.Dy())*k))
	x, y := (ic.size-w)/2, (ic.size-h)/2
	// Catmull-Rom: sharp downscaling without the ringing of Lanczos.
	draw.CatmullRom.Scale(dst, image.Rect(x, y, x+w, y+h), img, sb, draw.Over, nil)
	return encodePNG(dst)
}

// encodePNG encodes img with swkit's text chunk right after the header.
// Go's encoder is deterministic, so the same source gives the same bytes.
func encodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	const ihdrEnd = 8 + 8 + 13 + 4 // signature, IHDR length+type, data, CRC
	out := make([]byte, 0, len(data)+12+len(pngMarker))
	out = append(out, data[:ihdrEnd]...)
	out = appendChunk(out, "tEXt", []byte(pngMarker))
	return append(out, data[ihdrEnd:]...), nil
}

// IsOurs reports whether data is a PNG icon that swkit generated: its first
// chunk after the header is swkit's text chunk.
func IsOurs(data []byte) bool {
	const ihdrEnd = 8 + 8 + 13 + 4
	want := appendChunk(nil, "tEXt", []byte(pngMarker))
	return len(data) >= ihdrEnd+len(want) && bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) &&
		bytes.Equal(data[ihdrEnd:ihdrEnd+len(want)], want)
}

// manifestJSON is the web app manifest for m, starting with Banner.
func manifestJSON(m config.Manifest) ([]byte, error) {
	type iconEntry struct {
		Src     string `json:"src"`
		Sizes   string `json:"sizes"`
		Type    string `json:"type"`
		Purpose string `json:"purpose,omitempty"`
	}
	doc := struct {
		Name            string      `json:"name,omitempty"`
		ShortName       string      `json:"short_name,omitempty"`
		Description     string      `json:"description,omitempty"`
		StartURL        string      `json:"start_url"`
		Scope           string      `json:"scope,omitempty"`
		Display         string      `json:"display"`
		ThemeColor      string      `json:"theme_color,omitempty"`
		BackgroundColor string      `json:"background_color,omitempty"`
		Icons           []iconEntry `json:"icons"`
	}{
		Name: m.Name, ShortName: m.ShortName, Description: m.Description,
		StartURL: m.StartURL, Scope: m.Scope, Display: m.Display,
		ThemeColor: m.ThemeColor, BackgroundColor: m.BackgroundColor,
	}
	if doc.StartURL == "" {
		doc.StartURL = "./"
	}
	if doc.Display == "" {
		doc.Display = "standalone"
	}
	if doc.BackgroundColor == "" {
		doc.BackgroundColor = m.ThemeColor
	}
	for _, ic := range icons {
		if ic.manifest {
			doc.Icons = append(doc.Icons, iconEntry{Src: ic.name, Sizes: fmt.Sprintf("%dx%d", ic.size, ic.size), Type: "image/png", Purpose: ic.purpose})
		}
	}
	body, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("web app manifest: %w", err)
	}
	// The banner member goes first, on its own line: "{\n  ..." becomes
	// Banner + "\n  ...".
	return append([]byte(Banner), bytes.TrimPrefix(body, []byte("{"))...), nil
}

// linkTag, relManifest and hrefAttr find <link rel="manifest" href="...">
// in an HTML page, whatever the attributes' order.
var (
	linkTag     = regexp.MustCompile(`(?is)<link\s[^>]*>`)
	relManifest = regexp.MustCompile(`(?i)\srel\s*=\s*["']?manifest["'\s/>]`)
	hrefAttr    = regexp.MustCompile(`(?i)\shref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))`)
)

// manifestLink returns the href of the page's <link rel="manifest">.
func manifestLink(page []byte) (href string, found bool) {
	for _, tag := range linkTag.FindAll(page, -1) {
		if !relManifest.Match(tag) {
			continue
		}
		if m := hrefAttr.FindSubmatch(tag); m != nil {
			return string(bytes.Join(m[1:], nil)), true
		}
		return "", true
	}
	return "", false
}

// CheckStartPage warns when the page that start_url opens is not a file of
// the site or does not link the manifest: browsers then have no manifest
// to install from. read reads a file of the site.
func CheckStartPage(m config.Manifest, swDest, directoryIndex string, read func(name string) ([]byte, error)) []manifest.Warning {
	dir := path.Dir(swDest)
	start := m.StartURL
	if start == "" {
		start = "./"
	}
	u, _, _ := strings.Cut(start, "#")
	u, _, _ = strings.Cut(u, "?")
	var page string
	if strings.HasPrefix(u, "/") {
		page = strings.TrimPrefix(u, "/")
	} else {
		page = path.Join(dir, u)
		if strings.HasSuffix(u, "/") || u == "." || u == "" {
			page += "/"
		}
	}
	if page == "" || page == "." || strings.HasSuffix(page, "/") {
		page = path.Join(page, directoryIndex)
	}
	href := "/" + path.Join(dir, ManifestName)
	if dir == "." {
		href = "/" + ManifestName
	}
	data, err := read(page)
	if errors.Is(err, fs.ErrNotExist) {
		return []manifest.Warning{{Path: "manifest.start_url", Message: fmt.Sprintf("%q opens %s, which the site does not have: the installed app would start on an error", start, page)}}
	}
	if err != nil {
		return nil
	}
	link, found := manifestLink(data)
	if !found {
		return []manifest.Warning{{Path: page, Message: fmt.Sprintf(`no <link rel="manifest" href="%s"> in its <head>: browsers will not offer to install the site`, href)}}
	}
	// The link resolves against the page's own URL.
	pageURL := &url.URL{Scheme: "https", Host: "site.invalid", Path: "/" + page}
	if u, err := pageURL.Parse(link); err != nil || u.Host != pageURL.Host || u.Path != href {
		return []manifest.Warning{{Path: page, Message: fmt.Sprintf(`<link rel="manifest" href="%s"> is not the generated manifest: browsers install from what it names; link %s`, link, href)}}
	}
	return nil
}
