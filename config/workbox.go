package config

import (
	"fmt"
	"reflect"
	"strings"
)

// workboxHints say what to do with a Workbox or wrapper option that
// swkit.json has no key for, by where it sits: "" for the top level,
// "options" for a route's options. A rename names the new key.
var workboxHints = map[string]map[string]string{
	"": {
		"globDirectory":               "the site folder is the build's argument (swkit build DIR), so drop this key",
		"mode":                        "a Workbox build setting with no meaning for swkit (the worker is always minified): drop it",
		"sourcemap":                   "a Workbox build setting with no meaning for swkit (the worker ships no source map): drop it",
		"globStrict":                  "a Workbox build setting with no meaning for swkit (an unreadable file always fails the build): drop it",
		"globFollow":                  "a Workbox build setting with no meaning for swkit (symbolic links are never followed out of the site): drop it",
		"importWorkboxFrom":           "a Workbox build setting with no meaning for swkit (the runtime is always inside the worker): drop it",
		"inlineWorkboxRuntime":        "a Workbox build setting with no meaning for swkit (the runtime is always inside the worker): drop it",
		"babelPresetEnvTargets":       "a Workbox build setting with no meaning for swkit: drop it",
		"disableDevLogs":              "a Workbox build setting with no meaning for swkit (its worker logs only failures): drop it",
		"offlineGoogleAnalytics":      "not built in: drop it, or write your own worker with swkit build --inject",
		"manifestTransforms":          "a manifestTransforms function is code: for a URL prefix (a CDN) use modifyURLPrefix; otherwise write your own worker with swkit build --inject",
		"navigateFallbackBlacklist":   `renamed navigateFallbackDenylist (same meaning)`,
		"navigateFallbackWhitelist":   `renamed navigateFallbackAllowlist (same meaning)`,
		"dontCacheBustUrlsMatching":   `spelled dontCacheBustURLsMatching`,
		"templatedUrls":               `spelled templatedURLs`,
		"ignoreUrlParametersMatching": `spelled ignoreURLParametersMatching`,
		"exclude":                     "webpack's asset selection: list the built files with globPatterns and globIgnores",
		"include":                     "webpack's asset selection: list the built files with globPatterns and globIgnores",
		"chunks":                      "webpack's asset selection: list the built files with globPatterns and globIgnores",
		"excludeChunks":               "webpack's asset selection: list the built files with globPatterns and globIgnores",
		"importsDirectory":            "a webpack plugin setting with no meaning for swkit: drop it",
		"workbox":                     "vite-plugin-pwa's options: run swkit migrate on the config file, which reads its workbox block",
		"registerType":                "a vite-plugin-pwa option: the page helper registers the worker (see the README); drop it",
		"injectRegister":              "a vite-plugin-pwa option: the page helper registers the worker (see the README); drop it",
		"manifest":                    "a vite-plugin-pwa option: keep the web app manifest as a file of the site; drop it here",
		"includeAssets":               "a vite-plugin-pwa option: list the files with globPatterns",
		"devOptions":                  "a vite-plugin-pwa option: use swkit dev; drop it",
		"strategies":                  "a vite-plugin-pwa option: for injectManifest set swSrc (swkit build --inject)",
		"dest":                        "a next-pwa option: the site folder is the build's argument (swkit build DIR), so drop this key",
		"disable":                     "a next-pwa option: leave the worker out of development builds yourself; drop it",
		"register":                    "a next-pwa option: the page helper registers the worker (see the README); drop it",
		"scope":                       "the scope is the worker's folder, or wider with server.serviceWorkerAllowed and register(url, {scope})",
		"sw":                          "a next-pwa option: use swDest",
	},
	"options": {
		"plugins":          "Workbox plugins are code: write your own worker with swkit build --inject (docs/config.md, \"Workbox plugins\"); cacheableResponse, expiration, broadcastUpdate, backgroundSync and rangeRequests are options here",
		"precacheFallback": "use the top-level offlinePage for navigations",
	},
}

// unknownKey is the message for an unknown key k in the object at path p
// (whose known keys are fields): what to do with it when it is a Workbox
// option, else the closest known key.
func unknownKey(k, p string, fields map[string]reflect.Type) string {
	where := ""
	if strings.HasSuffix(p, ".options") {
		where = "options"
	}
	msg := fmt.Sprintf("unknown key %q", k)
	if p == "" || where != "" {
		if hint := workboxHints[where][k]; hint != "" {
			return msg + ": " + hint
		}
	}
	if s := suggest(k, fields); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return msg
}
