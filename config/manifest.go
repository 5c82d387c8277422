package config

import (
	"net/url"
	"strings"
)

// Manifest makes the site installable: the build writes a web app manifest
// (manifest.webmanifest) and the icons browsers want, resized from one
// source image, beside the worker, and precaches them. Member names are the
// Web App Manifest's own (short_name, start_url, ...), so a manifest moves
// over as it is; icon is swkit's: the one source image.
type Manifest struct {
	// Name is the app's name, shown on install and in the app list. Name
	// or ShortName is required.
	Name string `json:"name,omitempty"`
	// ShortName is shown where space is short (the home screen). Default:
	// Name.
	ShortName string `json:"short_name,omitempty"`
	// Description says what the app does.
	Description string `json:"description,omitempty"`
	// StartURL is the page the installed app opens, relative to the
	// manifest (which sits beside the worker). Default: "./", the worker's
	// folder.
	StartURL string `json:"start_url,omitempty"`
	// Scope is the set of URLs the installed app treats as its own,
	// relative to the manifest. Default: the folder of StartURL.
	Scope string `json:"scope,omitempty"`
	// Display is how the installed app is shown: fullscreen, standalone,
	// minimal-ui or browser. Default: standalone. Caveat: browsers do not
	// offer to install a site whose display is browser.
	Display string `json:"display,omitempty" schema:"enum=fullscreen|standalone|minimal-ui|browser"`
	// ThemeColor colours the window's title bar, as a hex colour
	// ("#1e88e5").
	ThemeColor string `json:"theme_color,omitempty" schema:"pattern=^#([0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$"`
	// BackgroundColor is the splash screen's colour while the app starts,
	// as a hex colour; it is also painted behind the maskable and Apple
	// icons, which must be opaque. Default: ThemeColor, else white.
	BackgroundColor string `json:"background_color,omitempty" schema:"pattern=^#([0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$"`
	// Icon is the source image, a PNG, JPEG, GIF or WebP file of the site
	// (a slash path relative to the site folder), square and at least
	// 512x512 pixels for sharp icons. The build writes icon-192.png,
	// icon-512.png, icon-maskable-512.png (the image inside the safe zone,
	// on BackgroundColor) and apple-touch-icon.png (180x180, opaque).
	// Required.
	Icon string `json:"icon"`
}

// Display modes of Manifest.Display.
var displayModes = map[string]bool{"fullscreen": true, "standalone": true, "minimal-ui": true, "browser": true}

// validateManifest checks the manifest section, reporting every problem.
func validateManifest(m *Manifest, bad badFunc) {
	if m.Name == "" && m.ShortName == "" {
		bad("manifest.name", "set name or short_name: browsers install only an app with a name")
	}
	switch {
	case m.Icon == "":
		bad("manifest.icon", "required: name a square PNG or JPEG of the site, 512x512 or larger")
	case strings.HasPrefix(m.Icon, "/") || strings.Contains(m.Icon, `\`):
		bad("manifest.icon", "%q: want a slash path relative to the site folder, such as \"img/logo.png\"", m.Icon)
	}
	if m.Display != "" && !displayModes[m.Display] {
		bad("manifest.display", "unknown display %q: want one of fullscreen, standalone, minimal-ui, browser", m.Display)
	}
	for _, c := range []struct{ key, v string }{
		{"manifest.theme_color", m.ThemeColor},
		{"manifest.background_color", m.BackgroundColor},
	} {
		if c.v != "" {
			if _, ok := ParseHexColor(c.v); !ok {
				bad(c.key, "%q: want a hex colour such as \"#1e88e5\" (swkit paints it into the icons)", c.v)
			}
		}
	}
	for _, u := range []struct{ key, v string }{
		{"manifest.start_url", m.StartURL},
		{"manifest.scope", m.Scope},
	} {
		if u.v == "" {
			continue
		}
		p, err := url.Parse(u.v)
		if err != nil || p.Scheme != "" || p.Host != "" {
			bad(u.key, "%q: want a URL on the site, relative to the manifest (\"./\", \"app/\") or a path (\"/app/\")", u.v)
		}
	}
}

// ParseHexColor parses "#rgb", "#rgba", "#rrggbb" or "#rrggbbaa" into red,
// green, blue and alpha.
func ParseHexColor(s string) ([4]uint8, bool) {
	h, ok := strings.CutPrefix(s, "#")
	if !ok {
		return [4]uint8{}, false
	}
	digit := func(c byte) (uint8, bool) {
		switch {
		case '0' <= c && c <= '9':
			return c - '0', true
		case 'a' <= c && c <= 'f':
			return c - 'a' + 10, true
		case 'A' <= c && c <= 'F':
			return c - 'A' + 10, true
		}
		return 0, false
	}
	out := [4]uint8{0, 0, 0, 255}
	switch len(h) {
	case 3, 4:
		for i := range len(h) {
			d, ok := digit(h[i])
			if !ok {
				return [4]uint8{}, false
			}
			out[i] = d * 17
		}
	case 6, 8:
		for i := 0; i < len(h); i += 2 {
			hi, ok1 := digit(h[i])
			lo, ok2 := digit(h[i+1])
			if !ok1 || !ok2 {
				return [4]uint8{}, false
			}
			out[i/2] = hi<<4 | lo
		}
	default:
		return [4]uint8{}, false
	}
	return out, true
}
