// Package migrate turns a Workbox config file into swkit.json: a
// workbox-cli or workbox-build generateSW config, or the Workbox options
// inside a vite-plugin-pwa, workbox-webpack-plugin or next-pwa config. The
// file is evaluated, not parsed by hand: esbuild turns ES modules and
// TypeScript into CommonJS, and goja, a JavaScript engine in pure Go, runs
// it with stand-ins for the packages it requires. Function urlPatterns are
// read with goja's parser.
package migrate

import (
	_ "embed"
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/dop251/goja"
	"github.com/evanw/esbuild/pkg/api"

	"github.com/swkit/swkit/config"
)

//go:embed prelude.js
var prelude string

// Note is an option that was not translated as it was, and why; or a
// default that a wrapper adds, applied.
type Note struct {
	Key     string // the option, as the source names it ("runtimeCaching[2].options.plugins")
	Message string
}

func (n Note) String() string { return n.Key + ": " + n.Message }

// Result is a translated config.
type Result struct {
	Config config.Config
	// From names what the options were found in: "workbox generateSW",
	// "vite-plugin-pwa", "@vite-pwa/nuxt", "@vite-pwa/vitepress",
	// "workbox-webpack-plugin", "next-pwa".
	From  string
	Notes []Note
}

// ErrNoWorkbox is returned for a file in which no Workbox options were
// found.
var ErrNoWorkbox = errors.New("no Workbox options found: want a generateSW config (module.exports = {...}), or a vite, webpack or next config using vite-plugin-pwa, workbox-webpack-plugin or next-pwa")

// Translate evaluates the config file named name, with contents src, and
// translates its Workbox options.
func Translate(name string, src []byte) (*Result, error) {
	code, err := commonJS(name, src)
	if err != nil {
		return nil, err
	}
	vm := goja.New()
	if _, err := vm.RunScript("prelude.js", prelude); err != nil {
		return nil, fmt.Errorf("migrate prelude: %w", err)
	}
	module := vm.NewObject()
	exports := vm.NewObject()
	module.Set("exports", exports)
	vm.Set("module", module)
	vm.Set("exports", exports)
	if _, err := vm.RunScript(name, code); err != nil {
		return nil, fmt.Errorf("evaluate %s: %w", name, err)
	}
	root := module.Get("exports")
	if o, ok := root.(*goja.Object); ok {
		if d := o.Get("default"); d != nil && !goja.IsUndefined(d) {
			root = d
		}
	}
	if fn, ok := goja.AssertFunction(root); ok {
		// vite's defineConfig(({mode}) => ({...})).
		env := vm.NewObject()
		env.Set("mode", "production")
		env.Set("command", "build")
		if root, err = fn(goja.Undefined(), env); err != nil {
			return nil, fmt.Errorf("evaluate %s: calling its exported function: %w", name, err)
		}
	}
	t := &translator{vm: vm}
	from, opts := t.find(root, 0)
	if opts == nil {
		// A script that calls workbox-build exports nothing.
		from, opts = t.find(vm.Get("__swkitCalls"), 1)
	}
	if opts == nil {
		return nil, ErrNoWorkbox
	}
	return t.translate(from, opts)
}

// commonJS turns an ES module or TypeScript config into a CommonJS script.
func commonJS(name string, src []byte) (string, error) {
	loader := api.LoaderJS
	switch path.Ext(name) {
	case ".ts", ".mts", ".cts":
		loader = api.LoaderTS
	}
	res := api.Transform(string(src), api.TransformOptions{
		Loader: loader, Format: api.FormatCommonJS, Target: api.ES2017, Sourcefile: name, LogLevel: api.LogLevelSilent,
	})
	if len(res.Errors) > 0 {
		e := res.Errors[0]
		if e.Location != nil {
			return "", fmt.Errorf("%s:%d:%d: %s", name, e.Location.Line, e.Location.Column+1, e.Text)
		}
		return "", fmt.Errorf("%s: %s", name, e.Text)
	}
	return string(res.Code), nil
}

type translator struct {
	vm          *goja.Runtime
	notes       []Note
	offlinePage string // a route's precacheFallback
}

func (t *translator) note(key, format string, args ...any) {
	t.notes = append(t.notes, Note{Key: key, Message: fmt.Sprintf(format, args...)})
}

// workboxKeys mark an object as a generateSW config.
var workboxKeys = []string{"globDirectory", "globPatterns", "runtimeCaching", "swDest", "navigateFallback", "skipWaiting"}

// find looks for the Workbox options in v: the marked options of a
// plugin stand-in, or an object with generateSW's keys.
func (t *translator) find(v goja.Value, depth int) (string, *goja.Object) {
	o, ok := v.(*goja.Object)
	if !ok || depth > 6 || o.ClassName() == "Function" || o.ClassName() == "RegExp" {
		return "", nil
	}
	if f := o.Get("__swkitFound"); f != nil && !goja.IsUndefined(f) {
		opts, _ := o.Get("options").(*goja.Object)
		if opts == nil {
			opts = t.vm.NewObject()
		}
		return f.String(), opts
	}
	if depth == 0 && slices.ContainsFunc(workboxKeys, func(k string) bool { return o.Get(k) != nil }) {
		return "workbox generateSW", o
	}
	for _, k := range o.Keys() {
		if from, found := t.find(o.Get(k), depth+1); found != nil {
			return from, found
		}
	}
	return "", nil
}

// translate turns the options found into swkit's config.
func (t *translator) translate(from string, opts *goja.Object) (*Result, error) {
	var cfg config.Config
	wb := opts
	prefix := ""
	switch from {
	case "injectManifest":
		return nil, errors.New("an InjectManifest config: build your worker source with swkit build --inject SRC (swSrc) instead")
	case "vite-plugin-pwa", "@vite-pwa/nuxt", "@vite-pwa/vitepress":
		prefix = "workbox."
		if s := str(opts.Get("strategies")); s == "injectManifest" {
			return nil, fmt.Errorf("%s with strategies: 'injectManifest': build your worker source with swkit build --inject SRC (swSrc) instead", from)
		}
		for _, k := range opts.Keys() {
			switch k {
			case "workbox":
			case "outDir":
				t.note(k, "the site folder is swkit build's argument: swkit build %s", str(opts.Get(k)))
			case "manifest":
				t.manifest(opts.Get(k), &cfg)
			case "registerType", "injectRegister", "devOptions", "includeAssets", "includeManifestIcons", "manifestFilename", "scope", "base", "filename", "strategies", "srcDir", "selfDestroying", "disable", "minify", "injectManifest", "useCredentials", "pwaAssets", "mode",
				"client", "registerWebManifestInRouteRules", "writePlugin", "experimental":
				t.wrapperOption(k)
			default:
				t.note(k, "a %s option swkit has no use for: dropped", from)
			}
		}
		if w, ok := opts.Get("workbox").(*goja.Object); ok {
			wb = w
		} else {
			wb = t.vm.NewObject()
		}
		// vite-plugin-pwa's own defaults for generateSW, which a user of it
		// gets without writing them.
		defaults := []struct {
			key   string
			value any
		}{
			{"globPatterns", []any{"**/*.{js,css,html}"}},
			{"navigateFallback", "index.html"},
			{"cleanupOutdatedCaches", true},
			{"dontCacheBustURLsMatching", t.regexp(`[.-][a-f0-9]{8}\.`)},
		}
		for _, d := range defaults {
			if v := wb.Get(d.key); v == nil || goja.IsUndefined(v) {
				wb.Set(d.key, d.value)
				t.note(prefix+d.key, "not set: applied vite-plugin-pwa's default, as the browser would see it")
			}
		}
		// registerType 'autoUpdate' forces both on, whatever workbox says.
		if str(opts.Get("registerType")) == "autoUpdate" {
			for _, k := range []string{"skipWaiting", "clientsClaim"} {
				if v := wb.Get(k); v == nil || !v.ToBoolean() {
					wb.Set(k, true)
					t.note(prefix+k, "set to true: registerType 'autoUpdate' forces it in %s", from)
				}
			}
		}
		if s := str(opts.Get("selfDestroying")); s == "true" {
			cfg.KillSwitch = true
			t.note("selfDestroying", "translated to killSwitch")
		}
	case "next-pwa":
		// next-pwa takes Workbox's options beside its own.
		wb = t.vm.NewObject()
		for _, k := range opts.Keys() {
			switch k {
			case "dest":
				t.note(k, "the site folder is swkit build's argument: swkit build %s", str(opts.Get(k)))
			case "runtimeCaching", "navigateFallback", "navigateFallbackDenylist", "navigateFallbackAllowlist", "skipWaiting", "clientsClaim",
				"cacheId", "cleanupOutdatedCaches", "additionalManifestEntries", "importScripts", "ignoreURLParametersMatching", "navigationPreload",
				"maximumFileSizeToCacheInBytes", "dontCacheBustURLsMatching", "modifyURLPrefix", "manifestTransforms":
				wb.Set(k, opts.Get(k))
			case "workboxOptions":
				if w, ok := opts.Get(k).(*goja.Object); ok {
					for _, wk := range w.Keys() {
						wb.Set(wk, w.Get(wk))
					}
				}
			case "publicExcludes", "buildExcludes":
				t.note(k, "list the files with globPatterns and globIgnores")
			default:
				t.wrapperOption(k)
			}
		}
		// next-pwa turns these on unless told otherwise.
		for _, k := range []string{"skipWaiting", "clientsClaim"} {
			if v := opts.Get(k); v == nil || goja.IsUndefined(v) {
				wb.Set(k, true)
				t.note(k, "not set: applied next-pwa's default (true)")
			}
		}
		if w := wb.Get("runtimeCaching"); w == nil || goja.IsUndefined(w) {
			t.note("runtimeCaching", "not set: next-pwa then uses its own default routes (next-pwa/cache), which are not translated; add the routes you need")
		}
	}
	if err := t.options(wb, prefix, &cfg); err != nil {
		return nil, err
	}
	return &Result{Config: cfg, From: from, Notes: t.notes}, nil
}

// manifestKeys are the web app manifest's members that swkit.json's
// manifest section has.
var manifestKeys = map[string]func(m *config.Manifest) *string{
	"name":             func(m *config.Manifest) *string { return &m.Name },
	"short_name":       func(m *config.Manifest) *string { return &m.ShortName },
	"description":      func(m *config.Manifest) *string { return &m.Description },
	"start_url":        func(m *config.Manifest) *string { return &m.StartURL },
	"scope":            func(m *config.Manifest) *string { return &m.Scope },
	"display":          func(m *config.Manifest) *string { return &m.Display },
	"theme_color":      func(m *config.Manifest) *string { return &m.ThemeColor },
	"background_color": func(m *config.Manifest) *string { return &m.BackgroundColor },
}

// manifest translates a wrapper's web app manifest into swkit.json's
// manifest section, whose icons swkit build makes from one source image:
// the largest raster icon listed. Without one, the manifest stays a file
// of the site.
func (t *translator) manifest(v goja.Value, cfg *config.Config) {
	o, ok := v.(*goja.Object)
	if !ok {
		t.note("manifest", "no web app manifest (%s): dropped", str(v))
		return
	}
	var m config.Manifest
	icon, size := "", 0
	for _, k := range o.Keys() {
		if field, ok := manifestKeys[k]; ok {
			*field(&m) = str(o.Get(k))
			continue
		}
		if k != "icons" {
			t.note("manifest."+k, "not in swkit.json's manifest section: dropped")
			continue
		}
		icons, _ := o.Get(k).Export().([]any)
		for _, ic := range icons {
			im, _ := ic.(map[string]any)
			src, _ := im["src"].(string)
			sizes, _ := im["sizes"].(string)
			switch strings.ToLower(path.Ext(src)) {
			case ".png", ".jpg", ".jpeg", ".gif", ".webp":
			default:
				continue
			}
			if strings.Contains(src, "//") { // on another host: not a file of the site
				continue
			}
			for _, sz := range strings.Fields(sizes) {
				w, _, _ := strings.Cut(sz, "x")
				if n, err := strconv.Atoi(w); err == nil && n > size {
					icon, size = src, n
				}
			}
		}
	}
	// What swkit.json's checks would refuse is dropped with a note, so
	// that the translation stays a config that builds.
	for _, c := range []struct {
		key string
		v   *string
	}{{"theme_color", &m.ThemeColor}, {"background_color", &m.BackgroundColor}} {
		if _, ok := config.ParseHexColor(*c.v); *c.v != "" && !ok {
			t.note("manifest."+c.key, "%q: swkit.json's manifest takes hex colours (swkit paints them into the icons): dropped; write it as #rrggbb", *c.v)
			*c.v = ""
		}
	}
	switch m.Display {
	case "", "fullscreen", "standalone", "minimal-ui", "browser":
	default:
		t.note("manifest.display", "%q: swkit.json's manifest takes fullscreen, standalone, minimal-ui or browser: dropped (standalone)", m.Display)
		m.Display = ""
	}
	switch {
	case icon == "":
		t.note("manifest", "no PNG, JPEG, GIF or WebP icon of the site with its sizes to make the icons from: keep the manifest and its icons as files of the site, or set manifest.icon")
		return
	case m.Name == "" && m.ShortName == "":
		t.note("manifest", "no name or short_name, which installing needs: keep the manifest as a file of the site, or write the manifest section by hand")
		return
	}
	m.Icon = strings.TrimPrefix(icon, "/")
	cfg.Manifest = &m
	t.note("manifest", "translated: swkit build writes manifest.webmanifest and the icons, made from %s (%dpx; 512 or more gives sharp icons); link it from your pages as docs/config.md shows, and remove the wrapper from your build so that it no longer writes its own", m.Icon, size)
}

// wrapperOption notes an option of the wrapper that swkit handles
// another way.
func (t *translator) wrapperOption(k string) {
	switch k {
	case "registerType", "injectRegister", "register", "reloadOnOnline":
		t.note(k, "registration is the page helper's: import { register } from '/swkit.js' (reloadOnUpdate for autoUpdate)")
	case "manifest", "includeManifestIcons", "manifestFilename":
		t.note(k, "keep the web app manifest and its icons as files of the site; they are precached with it")
	case "includeAssets":
		t.note(k, "add these files to globPatterns")
	case "client":
		t.note(k, "the page helper is the client: register() emits installs and updates as events, and its updateInterval (milliseconds) replaces periodicSyncForUpdates (seconds)")
	case "devOptions", "disable":
		t.note(k, "a development setting: use swkit dev; dropped")
	case "experimental":
		t.note(k, "a wrapper setting with no swkit equivalent: dropped; navigateFallbackAllowlist limits the fallback to the pages you list")
	case "scope", "base":
		t.note(k, "the worker's scope is its folder; for a wider one set server.serviceWorkerAllowed and register(url, {scope})")
	case "filename", "sw":
		t.note(k, "set swDest to the worker's path inside the site folder")
	default:
		t.note(k, "not translated: no swkit equivalent")
	}
}

func (t *translator) regexp(source string) goja.Value {
	v, _ := t.vm.RunString("new RegExp(" + jsString(source) + ")")
	return v
}

func jsString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// str is v as a string, "" for undefined and null.
func str(v goja.Value) string {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return ""
	}
	return v.String()
}
