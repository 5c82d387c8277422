package migrate

import (
	"encoding/json"
	"fmt"
	"math"
	"path"
	"strconv"
	"strings"

	"github.com/dop251/goja"

	"github.com/swkit/swkit/config"
)

// options translates a generateSW options object into cfg; keys in notes
// carry prefix.
func (t *translator) options(o *goja.Object, prefix string, cfg *config.Config) error {
	globDirectory := strings.TrimSuffix(strings.TrimPrefix(str(o.Get("globDirectory")), "./"), "/")
	for _, k := range o.Keys() {
		v := o.Get(k)
		key := prefix + k
		switch k {
		case "globPatterns":
			cfg.GlobPatterns = t.strings(key, v)
		case "globIgnores":
			cfg.GlobIgnores = t.strings(key, v)
		case "maximumFileSizeToCacheInBytes":
			cfg.MaximumFileSizeToCacheInBytes = int64(v.ToInteger())
		case "dontCacheBustURLsMatching":
			cfg.DontCacheBustURLsMatching = t.listRegexp(key, v)
		case "swDest":
			cfg.SwDest = t.swDest(key, str(v), globDirectory)
		case "cacheId":
			cfg.CacheID = str(v)
		case "directoryIndex":
			cfg.DirectoryIndex = str(v)
		case "ignoreURLParametersMatching":
			cfg.IgnoreURLParametersMatching = t.regexps(key, v)
		case "skipWaiting":
			cfg.SkipWaiting = v.ToBoolean()
		case "clientsClaim":
			cfg.ClientsClaim = v.ToBoolean()
		case "cleanupOutdatedCaches":
			b := v.ToBoolean()
			cfg.CleanupOutdatedCaches = &b
		case "navigateFallback":
			cfg.NavigateFallback = str(v)
		case "navigateFallbackAllowlist", "navigateFallbackWhitelist":
			cfg.NavigateFallbackAllowlist = t.regexps(key, v)
		case "navigateFallbackDenylist", "navigateFallbackBlacklist":
			cfg.NavigateFallbackDenylist = t.regexps(key, v)
		case "navigationPreload":
			cfg.NavigationPreload = v.ToBoolean()
		case "importScripts":
			cfg.ImportScripts = t.strings(key, v)
		case "modifyURLPrefix":
			cfg.ModifyURLPrefix = map[string]string{}
			if obj, ok := v.(*goja.Object); ok {
				for _, p := range obj.Keys() {
					cfg.ModifyURLPrefix[p] = str(obj.Get(p))
				}
			}
		case "additionalManifestEntries":
			t.additional(key, v, cfg)
		case "templatedURLs":
			cfg.TemplatedURLs = map[string]config.TemplatedURL{}
			if obj, ok := v.(*goja.Object); ok {
				for _, u := range obj.Keys() {
					e := obj.Get(u)
					if s, ok := e.Export().(string); ok {
						cfg.TemplatedURLs[u] = config.TemplatedURL{Revision: s}
					} else {
						cfg.TemplatedURLs[u] = config.TemplatedURL{Files: t.strings(key+"."+u, e)}
					}
				}
			}
		case "runtimeCaching":
			t.routes(key, v, cfg)
		case "globDirectory":
			t.note(key, "the site folder is swkit build's argument: swkit build %s", globDirectory)
		case "mode", "sourcemap", "globStrict", "globFollow", "importWorkboxFrom", "inlineWorkboxRuntime", "babelPresetEnvTargets", "disableDevLogs", "maximumFileSizeToCacheInBytes ", "exclude", "include", "chunks", "excludeChunks", "importsDirectory", "swDestDir":
			t.note(key, "a build setting with no meaning for swkit: dropped")
		case "offlineGoogleAnalytics":
			if v.ToBoolean() {
				t.note(key, "not built in: dropped (write your own worker with swkit build --inject for it)")
			}
		case "manifestTransforms":
			t.note(key, "code, not translated: for a URL prefix (a CDN) use modifyURLPrefix; else write your own worker with swkit build --inject")
		default:
			t.note(key, "unknown to swkit: dropped")
		}
	}
	return nil
}

// swDest makes Workbox's swDest, a path on disk, a path inside the site
// folder.
func (t *translator) swDest(key, dest, globDirectory string) string {
	dest = strings.TrimPrefix(path.Clean(strings.ReplaceAll(dest, `\`, "/")), "./")
	if globDirectory != "" && globDirectory != "." {
		if rel, ok := strings.CutPrefix(dest, globDirectory+"/"); ok {
			dest = rel
		} else {
			t.note(key, "%q lies outside globDirectory %q: the worker must be in the site folder; using %q", dest, globDirectory, path.Base(dest))
			dest = path.Base(dest)
		}
	}
	if dest == config.DefaultSwDest {
		return ""
	}
	return dest
}

func (t *translator) strings(key string, v goja.Value) []string {
	var out []string
	if s, ok := v.Export().(string); ok {
		return []string{s}
	}
	obj, ok := v.(*goja.Object)
	if !ok {
		t.note(key, "want a list of strings: dropped")
		return nil
	}
	for i, k := range obj.Keys() {
		e := obj.Get(k)
		if s, ok := e.Export().(string); ok {
			out = append(out, s)
		} else {
			t.note(key+"["+strconv.Itoa(i)+"]", "not a string: dropped")
		}
	}
	return out
}

// regexps translates a list of RegExps into swkit's list of sources.
func (t *translator) regexps(key string, v goja.Value) []string {
	obj, ok := v.(*goja.Object)
	if !ok {
		return nil
	}
	if obj.ClassName() == "RegExp" {
		return []string{t.listRegexp(key, obj)}
	}
	var out []string
	for i, k := range obj.Keys() {
		if s := t.listRegexp(key+"["+strconv.Itoa(i)+"]", obj.Get(k)); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// listRegexp is a RegExp as swkit's lists write it: its source, without
// flags, which lists cannot carry.
func (t *translator) listRegexp(key string, v goja.Value) string {
	source, flags, ok := regexpParts(v)
	if !ok {
		if s, isStr := v.Export().(string); isStr {
			return s
		}
		t.note(key, "not a regular expression: dropped")
		return ""
	}
	if strings.Contains(flags, "i") {
		// An equivalent without the flag: each letter as a class.
		source = caseless(source)
	}
	return source
}

// caseless spells every ASCII letter outside escapes and classes as a
// class of both cases, so that a list can do without the i flag.
func caseless(source string) string {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(source); i++ {
		c := source[i]
		switch {
		case c == '\\' && i+1 < len(source):
			b.WriteByte(c)
			i++
			b.WriteByte(source[i])
			continue
		case c == '[':
			inClass = true
		case c == ']':
			inClass = false
		case !inClass && ('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'):
			l, u := strings.ToLower(string(c)), strings.ToUpper(string(c))
			b.WriteString("[" + u + l + "]")
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// regexpParts returns a RegExp's source and flags.
func regexpParts(v goja.Value) (source, flags string, ok bool) {
	obj, isObj := v.(*goja.Object)
	if !isObj || obj.ClassName() != "RegExp" {
		return "", "", false
	}
	// goja writes a "/" in a class as \u002f; \/ reads the same, and better.
	return strings.ReplaceAll(str(obj.Get("source")), `\u002f`, `\/`), str(obj.Get("flags")), true
}

func (t *translator) additional(key string, v goja.Value, cfg *config.Config) {
	obj, ok := v.(*goja.Object)
	if !ok {
		return
	}
	for i, k := range obj.Keys() {
		e := obj.Get(k)
		if s, ok := e.Export().(string); ok {
			cfg.AdditionalManifestEntries = append(cfg.AdditionalManifestEntries, config.ManifestEntry{URL: s})
			continue
		}
		eo, ok := e.(*goja.Object)
		if !ok {
			t.note(fmt.Sprintf("%s[%d]", key, i), "not a URL or an entry: dropped")
			continue
		}
		cfg.AdditionalManifestEntries = append(cfg.AdditionalManifestEntries, config.ManifestEntry{
			URL: str(eo.Get("url")), Revision: str(eo.Get("revision")), Integrity: str(eo.Get("integrity")),
		})
	}
}

// routes translates runtimeCaching; a route whose urlPattern or handler
// cannot be translated is left out, with a note.
func (t *translator) routes(key string, v goja.Value, cfg *config.Config) {
	obj, ok := v.(*goja.Object)
	if !ok {
		return
	}
	for i, k := range obj.Keys() {
		rkey := fmt.Sprintf("%s[%d]", key, i)
		ro, ok := obj.Get(k).(*goja.Object)
		if !ok {
			continue
		}
		if m := ro.Get("__swkitNextPWACache"); m != nil && !goja.IsUndefined(m) {
			t.note(rkey, "next-pwa/cache, next-pwa's default routes, not translated: add the routes you need")
			continue
		}
		r, ok := t.route(rkey, ro)
		if ok {
			cfg.RuntimeCaching = append(cfg.RuntimeCaching, r)
		}
	}
	if t.offlinePage != "" && cfg.OfflinePage == "" {
		cfg.OfflinePage = t.offlinePage
	}
}

func (t *translator) route(key string, ro *goja.Object) (config.RuntimeCaching, bool) {
	var r config.RuntimeCaching
	pattern := ro.Get("urlPattern")
	if source, flags, ok := regexpParts(pattern); ok {
		r.URLPattern = "/" + source + "/" + flags
	} else if s, ok := pattern.Export().(string); ok {
		r.URLPattern = s
	} else if _, ok := goja.AssertFunction(pattern); ok {
		m, why := fromFunction(pattern.String())
		if why != "" {
			t.note(key+".urlPattern", "route left out: %s", why)
			return r, false
		}
		r.URLPattern, r.Destination = m.pattern, m.destination
	} else {
		t.note(key+".urlPattern", "route left out: want a RegExp, a string or a function")
		return r, false
	}
	h := ro.Get("handler")
	if s, ok := h.Export().(string); ok {
		r.Handler = s
	} else {
		t.note(key+".handler", "route left out: a handler object or function is code; name a strategy (\"NetworkFirst\"), or write your own worker with swkit build --inject")
		return r, false
	}
	r.Method = strings.ToUpper(str(ro.Get("method")))
	for _, k := range ro.Keys() {
		switch k {
		case "urlPattern", "handler", "method", "options":
		default:
			t.note(key+"."+k, "unknown to swkit: dropped")
		}
	}
	if oo, ok := ro.Get("options").(*goja.Object); ok {
		t.routeOptions(key+".options", oo, &r)
	}
	return r, true
}

func (t *translator) routeOptions(key string, o *goja.Object, r *config.RuntimeCaching) {
	opts := &r.Options
	for _, k := range o.Keys() {
		v := o.Get(k)
		switch k {
		case "cacheName":
			opts.CacheName = str(v)
		case "networkTimeoutSeconds":
			opts.NetworkTimeoutSeconds = v.ToFloat()
		case "expiration":
			e := &config.Expiration{}
			if eo, ok := v.(*goja.Object); ok {
				e.MaxEntries = int(whole(eo.Get("maxEntries")))
				e.MaxAgeSeconds = int(whole(eo.Get("maxAgeSeconds")))
				e.PurgeOnQuotaError = eo.Get("purgeOnQuotaError") != nil && eo.Get("purgeOnQuotaError").ToBoolean()
			}
			opts.Expiration = e
		case "cacheableResponse":
			cr := &config.CacheableResponse{}
			if co, ok := v.(*goja.Object); ok {
				if s := co.Get("statuses"); s != nil && !goja.IsUndefined(s) {
					_ = reexport(s, &cr.Statuses)
				}
				if h := co.Get("headers"); h != nil && !goja.IsUndefined(h) {
					_ = reexport(h, &cr.Headers)
				}
			}
			opts.CacheableResponse = cr
		case "broadcastUpdate":
			bu := &config.BroadcastUpdate{}
			if bo, ok := v.(*goja.Object); ok {
				if oo, ok := bo.Get("options").(*goja.Object); ok {
					bu.HeadersToCheck = t.strings(key+".broadcastUpdate.options.headersToCheck", oo.Get("headersToCheck"))
				}
				if c := str(bo.Get("channelName")); c != "" {
					t.note(key+".broadcastUpdate.channelName", "swkit posts swkit:cache-updated to every window (the page helper's cache-updated event): dropped")
				}
			}
			opts.BroadcastUpdate = bu
		case "backgroundSync":
			bs := &config.BackgroundSync{}
			if bo, ok := v.(*goja.Object); ok {
				bs.Name = str(bo.Get("name"))
				if oo, ok := bo.Get("options").(*goja.Object); ok {
					bs.MaxRetentionTime = int(whole(oo.Get("maxRetentionTime")))
				}
			}
			opts.BackgroundSync = bs
		case "rangeRequests":
			opts.RangeRequests = v.ToBoolean()
		case "matchOptions":
			mo := &config.MatchOptions{}
			if reexport(v, mo) != nil {
				t.note(key+"."+k, "not translated")
				continue
			}
			opts.MatchOptions = mo
		case "fetchOptions":
			fo := &config.FetchOptions{}
			if reexport(v, fo) != nil {
				t.note(key+"."+k, "only credentials, mode, cache, redirect and referrerPolicy are translated")
				continue
			}
			opts.FetchOptions = fo
		case "plugins":
			t.note(key+".plugins", "Workbox plugins are code, not translated: write your own worker with swkit build --inject (docs/config.md, \"Workbox plugins\")")
		case "precacheFallback":
			t.offlinePage = precacheFallbackURL(v)
			t.note(key+".precacheFallback", "translated to the top-level offlinePage %q: swkit answers it to any navigation that fails offline", t.offlinePage)
		default:
			t.note(key+"."+k, "unknown to swkit: dropped")
		}
	}
}

func precacheFallbackURL(v goja.Value) string {
	if o, ok := v.(*goja.Object); ok {
		return str(o.Get("fallbackURL"))
	}
	return ""
}

// whole is v as a whole number (Workbox configs write 60 * 60 * 24).
func whole(v goja.Value) int64 {
	if v == nil || goja.IsUndefined(v) {
		return 0
	}
	return int64(math.Round(v.ToFloat()))
}

// reexport copies v into out through JSON, with unknown keys refused.
func reexport(v goja.Value, out any) error {
	b, err := json.Marshal(v.Export())
	if err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	return dec.Decode(out)
}
