package config

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseGood(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name string
		json string
		want Config
	}{
		{"empty object", `{}`, Config{}},
		{"whitespace around", "\n\t{ }\n\n", Config{}},
		{"empty lists are unset", `{"globPatterns": [], "runtimeCaching": []}`, Config{}},
		{"nulls for optional values", `{"globPatterns": null, "cleanupOutdatedCaches": null}`, Config{}},
		{"cleanup off", `{"cleanupOutdatedCaches": false}`, Config{CleanupOutdatedCaches: &no}},
		{"cleanup on", `{"cleanupOutdatedCaches": true}`, Config{CleanupOutdatedCaches: &yes}},
		{"workbox handler names", `{"runtimeCaching": [
			{"urlPattern": "/a", "handler": "CacheFirst"},
			{"urlPattern": "/b", "handler": "NetworkFirst", "options": {"networkTimeoutSeconds": 3}},
			{"urlPattern": "/c", "handler": "StaleWhileRevalidate"},
			{"urlPattern": "/d", "handler": "NetworkOnly"},
			{"urlPattern": "/e", "handler": "CacheOnly"}]}`,
			Config{RuntimeCaching: []RuntimeCaching{
				{URLPattern: "/a", Handler: CacheFirst},
				{URLPattern: "/b", Handler: NetworkFirst, Options: RuntimeOptions{NetworkTimeoutSeconds: 3}},
				{URLPattern: "/c", Handler: StaleWhileRevalidate},
				{URLPattern: "/d", Handler: NetworkOnly},
				{URLPattern: "/e", Handler: CacheOnly},
			}}},
		{"path pattern that looks like /x/y", `{"runtimeCaching": [{"urlPattern": "/api/users", "handler": "networkOnly"}]}`,
			Config{RuntimeCaching: []RuntimeCaching{{URLPattern: "/api/users", Handler: NetworkOnly}}}},
		{"regexp with flags", `{"runtimeCaching": [{"urlPattern": "/\\.png$/iu", "handler": "cacheFirst"}]}`,
			Config{RuntimeCaching: []RuntimeCaching{{URLPattern: `/\.png$/iu`, Handler: CacheFirst}}}},
		{"method token", `{"runtimeCaching": [{"urlPattern": "/x", "handler": "networkOnly", "method": "M-SEARCH"}]}`,
			Config{RuntimeCaching: []RuntimeCaching{{URLPattern: "/x", Handler: NetworkOnly, Method: "M-SEARCH"}}}},
		{"swDest in a folder", `{"swDest": "js/worker.js"}`, Config{SwDest: "js/worker.js"}},
		{"named group, JavaScript syntax", `{"navigateFallbackDenylist": ["^/(?<section>admin|api)/"]}`,
			Config{NavigateFallbackDenylist: []string{"^/(?<section>admin|api)/"}}},
		{"bracket after class start", `{"ignoreURLParametersMatching": ["^[](?i)]x"]}`,
			Config{IgnoreURLParametersMatching: []string{"^[](?i)]x"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse("swkit.json", []byte(tt.json))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	route := func(s string) string { return `{"runtimeCaching": [` + s + `]}` }
	tests := []struct {
		name string
		json string
		want string // the whole Error()
		key  string
		line int
	}{
		{"empty file", "", `swkit.json:1: empty file: want a JSON object such as {"globPatterns": ["**/*"]}`, "", 1},
		{"blank file", " \n \n", `swkit.json:1: empty file: want a JSON object such as {"globPatterns": ["**/*"]}`, "", 1},
		{"array at top", "\n[1]", `swkit.json:2: the top level must be a JSON object, got array`, "", 2},
		{"string at top", `"x"`, `swkit.json:1: the top level must be a JSON object, got string`, "", 1},
		{"null at top", `null`, `swkit.json:1: the top level must be a JSON object, got null`, "", 1},
		{"unknown key with suggestion", "{\n  \"globDirectory\": \"dist\",\n\n  \"globPattern\": []\n}",
			"swkit.json:2: unknown key \"globDirectory\": the site folder is the build's argument (swkit build DIR), so drop this key\n" +
				`swkit.json:4: unknown key "globPattern" (did you mean "globPatterns"?)`, "", 2},
		{"every error at once", "{\n \"mode\": \"production\",\n \"swDest\": \"sw\",\n \"navigateFallbackBlacklist\": [\"^/api\"],\n \"navigateFallbackDenylist\": [\"(\"]\n}",
			"swkit.json:2: unknown key \"mode\": a Workbox build setting with no meaning for swkit (the worker is always minified): drop it\n" +
				"swkit.json:3: swDest: \"sw\" must end in .js\n" +
				"swkit.json:4: unknown key \"navigateFallbackBlacklist\": renamed navigateFallbackDenylist (same meaning)\n" +
				"swkit.json:5: navigateFallbackDenylist[0]: invalid regular expression: missing closing ) in `(`", "", 2},
		{"whitelist", `{"navigateFallbackWhitelist": ["^/app"]}`,
			`swkit.json:1: unknown key "navigateFallbackWhitelist": renamed navigateFallbackAllowlist (same meaning)`, "", 1},
		{"typo", "{\n\n\n  \"globPattern\": [\"**/*\"]\n}",
			`swkit.json:4: unknown key "globPattern" (did you mean "globPatterns"?)`, "", 4},
		{"wrong case", `{"SkipWaiting": true}`,
			`swkit.json:1: unknown key "SkipWaiting" (did you mean "skipWaiting"?)`, "", 1},
		{"unknown nested key", "{\"runtimeCaching\": [\n {\"urlPattern\": \"/x\", \"handler\": \"cacheFirst\",\n  \"options\": {\"expiration\": {\n   \"maxEntry\": 3}}}]}",
			`swkit.json:4: runtimeCaching[0].options.expiration: unknown key "maxEntry" (did you mean "maxEntries"?)`,
			"runtimeCaching[0].options.expiration", 4},
		{"unknown key in options", route(`{"urlPattern": "/x", "handler": "cacheFirst", "options": {"plugins": []}}`),
			`swkit.json:1: runtimeCaching[0].options: unknown key "plugins": Workbox plugins are code: write your own worker with swkit build --inject (docs/config.md, "Workbox plugins"); cacheableResponse, expiration, broadcastUpdate, backgroundSync and rangeRequests are options here`, "runtimeCaching[0].options", 1},
		{"duplicate key", "{\"swDest\": \"a.js\",\n\"swDest\": \"b.js\"}", `swkit.json:2: swDest: duplicate key`, "swDest", 2},
		{"wrong type number", "{\"runtimeCaching\": [\n {\"urlPattern\": \"/x\",\n  \"handler\": \"cacheFirst\",\n  \"options\": {\n   \"expiration\": {\n\n    \"maxEntries\": \"10\"}}}]}",
			`swkit.json:7: runtimeCaching[0].options.expiration.maxEntries: want a number, got string`,
			"runtimeCaching[0].options.expiration.maxEntries", 7},
		{"fraction for integer", `{"maximumFileSizeToCacheInBytes": 1.5}`,
			`swkit.json:1: maximumFileSizeToCacheInBytes: want a whole number, got 1.5`, "maximumFileSizeToCacheInBytes", 1},
		{"integer overflow", `{"maximumFileSizeToCacheInBytes": 99999999999999999999}`,
			`swkit.json:1: maximumFileSizeToCacheInBytes: 99999999999999999999 is out of range`, "maximumFileSizeToCacheInBytes", 1},
		{"float overflow", route(`{"urlPattern": "/x", "handler": "networkFirst", "options": {"networkTimeoutSeconds": 1e999}}`),
			`swkit.json:1: runtimeCaching[0].options.networkTimeoutSeconds: 1e999 is out of range`, "runtimeCaching[0].options.networkTimeoutSeconds", 1},
		{"string for list", `{"globPatterns": "**/*"}`, `swkit.json:1: globPatterns: want an array, got string`, "globPatterns", 1},
		{"number in list", "{\"globPatterns\": [\n\"a\",\n2]}", `swkit.json:3: globPatterns[1]: want a string, got number`, "globPatterns[1]", 3},
		{"string for bool", `{"skipWaiting": "yes"}`, `swkit.json:1: skipWaiting: want true or false, got string`, "skipWaiting", 1},
		{"null for string", `{"swDest": null}`, `swkit.json:1: swDest: want a string, got null`, "swDest", 1},
		{"array for object", route(`{"urlPattern": "/x", "handler": "cacheFirst", "options": []}`),
			`swkit.json:1: runtimeCaching[0].options: want an object, got array`, "runtimeCaching[0].options", 1},
		{"number for map value", route(`{"urlPattern": "/x", "handler": "cacheFirst", "options": {"cacheableResponse": {"headers": {"X-A": 1}}}}`),
			`swkit.json:1: runtimeCaching[0].options.cacheableResponse.headers["X-A"]: want a string, got number`,
			`runtimeCaching[0].options.cacheableResponse.headers["X-A"]`, 1},
		{"syntax error", "{\n\"swDest\": \"a.js\",\n}", `swkit.json:3: invalid JSON: invalid character '}' looking for beginning of object key string`, "", 3},
		{"truncated", "{\"globPatterns\": [\"a\"", `swkit.json:1: invalid JSON: unexpected end of file`, "", 1},
		{"trailing data", "{}\n{}", `swkit.json:2: invalid JSON: data after the top-level object`, "", 2},
		{"unknown handler", "{\"runtimeCaching\": [{\n\"urlPattern\": \"/x\",\n\"handler\": \"fastest\"}]}",
			`swkit.json:3: runtimeCaching[0].handler: unknown handler "fastest": want one of cacheFirst, networkFirst, staleWhileRevalidate, networkOnly, cacheOnly`,
			"runtimeCaching[0].handler", 3},
		{"missing handler", "{\"runtimeCaching\": [\n{\"urlPattern\": \"/x\"}]}",
			`swkit.json:2: runtimeCaching[0].handler: required: one of cacheFirst, networkFirst, staleWhileRevalidate, networkOnly, cacheOnly`,
			"runtimeCaching[0].handler", 2},
		{"missing urlPattern", "{\"runtimeCaching\": [{\"urlPattern\": \"/x\", \"handler\": \"cacheFirst\"},\n\n {\"handler\": \"cacheFirst\"}]}",
			`swkit.json:3: runtimeCaching[1].urlPattern: required`, "runtimeCaching[1].urlPattern", 3},
		{"bad regexp flag", route(`{"urlPattern": "/\\.png$/ix", "handler": "cacheFirst"}`),
			`swkit.json:1: runtimeCaching[0].urlPattern: unknown regular expression flag 'x' (JavaScript flags are g, i, m, s, u, y)`,
			"runtimeCaching[0].urlPattern", 1},
		{"repeated regexp flag", route(`{"urlPattern": "/\\.png$/ii", "handler": "cacheFirst"}`),
			`swkit.json:1: runtimeCaching[0].urlPattern: regular expression flag 'i' given twice`, "runtimeCaching[0].urlPattern", 1},
		{"lowercase method", route(`{"urlPattern": "/x", "handler": "networkOnly", "method": "post"}`),
			`swkit.json:1: runtimeCaching[0].method: "post" is not an uppercase HTTP method such as GET or POST`, "runtimeCaching[0].method", 1},
		{"method with space", route(`{"urlPattern": "/x", "handler": "networkOnly", "method": "GET "}`),
			`swkit.json:1: runtimeCaching[0].method: "GET " is not an uppercase HTTP method such as GET or POST`, "runtimeCaching[0].method", 1},
		{"negative maxEntries", route(`{"urlPattern": "/x", "handler": "cacheFirst", "options": {"expiration": {"maxEntries": -1}}}`),
			`swkit.json:1: runtimeCaching[0].options.expiration.maxEntries: must not be negative`, "runtimeCaching[0].options.expiration.maxEntries", 1},
		{"negative maxAgeSeconds", route(`{"urlPattern": "/x", "handler": "cacheFirst", "options": {"expiration": {"maxAgeSeconds": -5}}}`),
			`swkit.json:1: runtimeCaching[0].options.expiration.maxAgeSeconds: must not be negative`, "runtimeCaching[0].options.expiration.maxAgeSeconds", 1},
		{"timeout without networkFirst", route(`{"urlPattern": "/x", "handler": "CacheFirst", "options": {"networkTimeoutSeconds": 3}}`),
			`swkit.json:1: runtimeCaching[0].options.networkTimeoutSeconds: only allowed with handler networkFirst, not cacheFirst`,
			"runtimeCaching[0].options.networkTimeoutSeconds", 1},
		{"negative timeout", route(`{"urlPattern": "/x", "handler": "networkFirst", "options": {"networkTimeoutSeconds": -1}}`),
			`swkit.json:1: runtimeCaching[0].options.networkTimeoutSeconds: must not be negative`, "runtimeCaching[0].options.networkTimeoutSeconds", 1},
		{"bad status", route(`{"urlPattern": "/x", "handler": "cacheFirst", "options": {"cacheableResponse": {"statuses": [200, 42]}}}`),
			`swkit.json:1: runtimeCaching[0].options.cacheableResponse.statuses[1]: 42 is not an HTTP status (0 for opaque responses, or 100 to 599)`,
			"runtimeCaching[0].options.cacheableResponse.statuses[1]", 1},
		{"negative retention", route(`{"urlPattern": "/x", "method": "POST", "handler": "networkOnly", "options": {"backgroundSync": {"maxRetentionTime": -1}}}`),
			`swkit.json:1: runtimeCaching[0].options.backgroundSync.maxRetentionTime: must not be negative`, "runtimeCaching[0].options.backgroundSync.maxRetentionTime", 1},
		{"negative max size", "{\n\"maximumFileSizeToCacheInBytes\": -1}",
			`swkit.json:2: maximumFileSizeToCacheInBytes: must not be negative`, "maximumFileSizeToCacheInBytes", 2},
		{"swDest with dotdot", `{"swDest": "../sw.js"}`,
			`swkit.json:1: swDest: "../sw.js" must be a relative file path without "..", "." or empty segments`, "swDest", 1},
		{"swDest absolute", `{"swDest": "/sw.js"}`,
			`swkit.json:1: swDest: "/sw.js" must be a relative file path without "..", "." or empty segments`, "swDest", 1},
		{"swDest backslash", `{"swDest": "js\\sw.js"}`, `swkit.json:1: swDest: use / to separate folders, not \`, "swDest", 1},
		{"swDest not js", `{"swDest": "sw.mjs"}`, `swkit.json:1: swDest: "sw.mjs" must end in .js`, "swDest", 1},
		{"swDest dotfile", `{"swDest": ".sw.js"}`, `swkit.json:1: swDest: ".sw.js" must not start a file or folder name with a dot`, "swDest", 1},
		{"bad glob", `{"globIgnores": ["a/[b"]}`, `swkit.json:1: globIgnores[0]: invalid glob pattern "a/[b"`, "globIgnores[0]", 1},
		{"regexp does not compile", `{"dontCacheBustURLsMatching": "a(b"}`,
			"swkit.json:1: dontCacheBustURLsMatching: not a regular expression that Go can run (it decides at build time): error parsing regexp: missing closing ): `a(b`",
			"dontCacheBustURLsMatching", 1},
		{"lookahead in Go", `{"dontCacheBustURLsMatching": "^(?!app)"}`,
			"swkit.json:1: dontCacheBustURLsMatching: not a regular expression that Go can run (it decides at build time): error parsing regexp: invalid or unsupported Perl syntax: `(?!`",
			"dontCacheBustURLsMatching", 1},
		{"JavaScript regexp does not compile", `{"navigateFallbackDenylist": ["^/(app"]}`,
			"swkit.json:1: navigateFallbackDenylist[0]: invalid regular expression: missing closing ) in `^/(app`",
			"navigateFallbackDenylist[0]", 1},
		{".NET atomic group", `{"navigateFallbackDenylist": ["^/(?>app)"]}`,
			"swkit.json:1: navigateFallbackDenylist[0]: (?>... is not JavaScript (it is .NET's or PCRE's)",
			"navigateFallbackDenylist[0]", 1},
		{"unescaped slash", `{"runtimeCaching": [{"urlPattern": "/^/api/.*/", "handler": "networkFirst"}]}`,
			`swkit.json:1: runtimeCaching[0].urlPattern: "/^/api/.*/": escape "/" as "\/" inside a regular expression`,
			"runtimeCaching[0].urlPattern", 1},
		{"mux pattern with method", `{"runtimeCaching": [{"urlPattern": "GET /notes/{id}", "handler": "networkFirst"}]}`,
			`swkit.json:1: runtimeCaching[0].urlPattern: "GET /notes/{id}": put the method in the route's method key and write the path alone ("/notes/{id}")`,
			"runtimeCaching[0].urlPattern", 1},
		{"mux wildcard not a segment", `{"runtimeCaching": [{"urlPattern": "/notes/n{id}", "handler": "networkFirst"}]}`,
			`swkit.json:1: runtimeCaching[0].urlPattern: "/notes/n{id}": segment "n{id}": a wildcard is a whole segment, {name} or {name...}`,
			"runtimeCaching[0].urlPattern", 1},
		{"unknown destination", `{"runtimeCaching": [{"urlPattern": {"destination": ["image", "picture"]}, "handler": "cacheFirst"}]}`,
			`swkit.json:1: runtimeCaching[0].urlPattern.destination[1]: unknown destination "picture": want one of audio, audioworklet, document, embed, font, frame, iframe, image, json, manifest, object, paintworklet, report, script, serviceworker, sharedworker, style, track, video, webidentity, worker, xslt`,
			"runtimeCaching[0].urlPattern.destination[1]", 1},
		{"urlPattern number", `{"runtimeCaching": [{"urlPattern": 3, "handler": "cacheFirst"}]}`,
			`swkit.json:1: runtimeCaching[0].urlPattern: want a string or an object such as {"destination": "image"}, got number`,
			"runtimeCaching[0].urlPattern", 1},
		{"relative scope", `{"server": {"serviceWorkerAllowed": "static"}}`,
			`swkit.json:1: server.serviceWorkerAllowed: "static" is resolved against the worker's URL, not the site's root: write a path from the root, such as "/static"`,
			"server.serviceWorkerAllowed", 1},
		{"fetch option", `{"runtimeCaching": [{"urlPattern": "/a", "handler": "networkFirst", "options": {"fetchOptions": {"credentials": "all"}}}]}`,
			`swkit.json:1: runtimeCaching[0].options.fetchOptions.credentials: unknown value "all": want one of omit, same-origin, include`,
			"runtimeCaching[0].options.fetchOptions.credentials", 1},
		{"templated URL without files", `{"templatedURLs": {"/shell": []}}`,
			`swkit.json:1: templatedURLs["/shell"]: name the files it is built from (["templates/*.html"]) or give a revision string`,
			`templatedURLs["/shell"]`, 1},
		{"manifest entry without URL", `{"additionalManifestEntries": [{"url": "", "revision": null}]}`,
			`swkit.json:1: additionalManifestEntries[0].url: required: a URL relative to the worker, or absolute`,
			"additionalManifestEntries[0].url", 1},
		{"Go named group", "{\"navigateFallbackAllowlist\": [\"^/\",\n \"^/(?P<x>app)/\"]}",
			`swkit.json:2: navigateFallbackAllowlist[1]: (?P<name>...) is Go-only; write (?<name>...)`, "navigateFallbackAllowlist[1]", 2},
		{"Go inline flags", `{"ignoreURLParametersMatching": ["(?i)^utm_"]}`,
			`swkit.json:1: ignoreURLParametersMatching[0]: inline flags (?i) are Go-only; JavaScript sets flags on the whole expression`,
			"ignoreURLParametersMatching[0]", 1},
		{"Go flag group", `{"ignoreURLParametersMatching": ["(?i:utm)_"]}`,
			`swkit.json:1: ignoreURLParametersMatching[0]: inline flags (?i) are Go-only; JavaScript sets flags on the whole expression`,
			"ignoreURLParametersMatching[0]", 1},
		{"Go text anchors", `{"dontCacheBustURLsMatching": "\\.[0-9a-f]{8}\\.js\\z"}`,
			`swkit.json:1: dontCacheBustURLsMatching: \z is Go-only; use ^ or $`, "dontCacheBustURLsMatching", 1},
		{"Go quoting", `{"navigateFallbackDenylist": ["\\Q/a.b\\E"]}`,
			`swkit.json:1: navigateFallbackDenylist[0]: \Q...\E quoting is Go-only; escape each character with \`, "navigateFallbackDenylist[0]", 1},
		{"Go POSIX class", `{"navigateFallbackDenylist": ["^/[[:alpha:]]+$"]}`,
			`swkit.json:1: navigateFallbackDenylist[0]: POSIX classes such as [[:alpha:]] are Go-only; use [a-zA-Z] or \d, \w, \s`, "navigateFallbackDenylist[0]", 1},
		{"Go short unicode class", `{"navigateFallbackDenylist": ["\\pL"]}`,
			`swkit.json:1: navigateFallbackDenylist[0]: \pL without braces is Go-only; write \p{L}`, "navigateFallbackDenylist[0]", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("swkit.json", []byte(tt.json))
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error\n got  %s\n want %s", got, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error is %T, want *Error", err)
			}
			if e.File != "swkit.json" || e.Key != tt.key || e.Line != tt.line {
				t.Errorf("got File %q Key %q Line %d, want swkit.json %q %d", e.File, e.Key, e.Line, tt.key, tt.line)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	files, err := filepath.Glob("testdata/good/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			cfg, err := Load(f)
			if err != nil {
				t.Fatal(err)
			}
			roundTrip(t, cfg)
		})
	}
	t.Run("missing file", func(t *testing.T) {
		_, err := Load(filepath.Join(t.TempDir(), "swkit.json"))
		if !errors.Is(err, os.ErrNotExist) {
			t.Errorf("got %v, want a not-exist error", err)
		}
	})
	t.Run("errors name the path", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "swkit.json")
		if err := os.WriteFile(p, []byte("{\n\"swdest\": \"sw.js\"}"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(p)
		want := p + `:2: unknown key "swdest" (did you mean "swDest"?)`
		if err == nil || err.Error() != want {
			t.Errorf("got %v, want %s", err, want)
		}
	})
}

// TestWorkboxTranslation parses the hand translation of
// testdata/workbox/generateSW.config.js and checks the parts a browser
// comparison relies on.
func TestWorkboxTranslation(t *testing.T) {
	cfg, err := Load("testdata/workbox-translated.swkit.json")
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.SkipWaiting || !cfg.ClientsClaim || cfg.NavigateFallback != "/index.html" {
		t.Errorf("lifecycle options lost: %+v", cfg)
	}
	var handlers []string
	for _, r := range cfg.RuntimeCaching {
		handlers = append(handlers, r.Handler)
	}
	if want := []string{CacheFirst, NetworkFirst, StaleWhileRevalidate}; !reflect.DeepEqual(handlers, want) {
		t.Errorf("handlers %v, want %v", handlers, want)
	}
	if got := cfg.RuntimeCaching[1].Options.NetworkTimeoutSeconds; got != 3 {
		t.Errorf("networkTimeoutSeconds = %v, want 3", got)
	}
	if e := cfg.RuntimeCaching[0].Options.Expiration; e == nil || e.MaxEntries != 60 || e.MaxAgeSeconds != 30*24*60*60 {
		t.Errorf("images expiration = %+v", e)
	}
	for i, r := range cfg.RuntimeCaching {
		_, _, isRE := SplitRegExp(r.URLPattern)
		if wantRE := i != 1; isRE != wantRE {
			t.Errorf("route %d %q: regexp literal = %v, want %v", i, r.URLPattern, isRE, wantRE)
		}
	}
	roundTrip(t, cfg)
}

func TestSplitRegExp(t *testing.T) {
	tests := []struct {
		in            string
		source, flags string
		ok            bool
	}{
		{`/\.png$/i`, `\.png$`, "i", true},
		{`/^https:\/\/x\//`, `^https:\/\/x\/`, "", true},
		{`/(a|b)/gimsuy`, `(a|b)`, "gimsuy", true},
		{`/\.png$/x1`, `\.png$`, "x1", true},
		{"/img", "", "", false},
		{"/img/", "", "", false},
		{"/api/users", "", "", false},
		{"/api/*", "", "", false},
		{"/assets/**", "", "", false},
		{"https://fonts.example/**", "", "", false},
		{"//", "", "", false},
	}
	for _, tt := range tests {
		s, f, ok := SplitRegExp(tt.in)
		if s != tt.source || f != tt.flags || ok != tt.ok {
			t.Errorf("SplitRegExp(%q) = %q, %q, %v; want %q, %q, %v", tt.in, s, f, ok, tt.source, tt.flags, tt.ok)
		}
	}
}

func TestDefaults(t *testing.T) {
	no := false
	in := Config{
		CleanupOutdatedCaches: &no,
		RuntimeCaching: []RuntimeCaching{
			{URLPattern: "/a", Handler: CacheFirst},
			{URLPattern: "/b", Handler: NetworkOnly, Method: "POST", Options: RuntimeOptions{CacheName: "b"}},
		},
	}
	saved := clone(t, in)
	got := Defaults(in)
	yes := true
	want := Config{
		GlobPatterns:                  []string{"**/*"},
		GlobIgnores:                   []string{"**/*.map", "**/node_modules/**", "**/package.json", "**/package-lock.json"},
		MaximumFileSizeToCacheInBytes: 2097152,
		SwDest:                        "sw.js",
		DirectoryIndex:                "index.html",
		IgnoreURLParametersMatching:   []string{"^utm_", "^fbclid$"},
		CleanupOutdatedCaches:         &no,
		RuntimeCaching: []RuntimeCaching{
			{URLPattern: "/a", Handler: CacheFirst, Method: "GET", Options: RuntimeOptions{CacheName: "swkit-runtime"}},
			{URLPattern: "/b", Handler: NetworkOnly, Method: "POST", Options: RuntimeOptions{CacheName: "b"}},
		},
		Server: Server{Compress: &yes},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if !reflect.DeepEqual(in, saved) {
		t.Errorf("Defaults modified its argument: %+v", in)
	}
	if c := Defaults(Config{}).CleanupOutdatedCaches; c == nil || !*c {
		t.Errorf("cleanupOutdatedCaches default = %v, want true", c)
	}
	if again := Defaults(got); !reflect.DeepEqual(again, got) {
		t.Errorf("Defaults is not idempotent: %+v", again)
	}
	got.GlobPatterns[0] = "changed"
	if DefaultGlobPatterns[0] != "**/*" {
		t.Error("Defaults shares DefaultGlobPatterns with its result")
	}
}

func clone(t *testing.T, c Config) Config {
	t.Helper()
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var out Config
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// roundTrip checks that cfg printed back parses to the same value.
func roundTrip(t *testing.T, cfg Config) {
	t.Helper()
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse("printed.json", b)
	if err != nil {
		t.Fatalf("printed config does not parse: %v\n%s", err, b)
	}
	if !reflect.DeepEqual(again, cfg) {
		t.Errorf("round trip changed the config:\n got  %+v\n want %+v", again, cfg)
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/good/*.json")
	files = append(files, "testdata/workbox-translated.swkit.json")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{"", "[]", "{", `{"a":1}`, `{"globPatterns":["**/*"],"globPatterns":[]}`,
		`{"runtimeCaching":[{"urlPattern":"/x/","handler":"CacheFirst","options":{"cacheableResponse":{"headers":{}}}}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse("fuzz.json", data)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is %T, want *Error", err, err)
			}
			if e.Line < 0 || e.Line > strings.Count(string(data), "\n")+1 {
				t.Fatalf("line %d out of range in %v", e.Line, err)
			}
			return
		}
		roundTrip(t, cfg)
	})
}
