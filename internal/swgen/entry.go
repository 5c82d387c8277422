package swgen

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/swkit/swkit/config"
)

// precacheEntry is one manifest entry as the worker sees it.
type precacheEntry struct {
	URL       string `json:"url"`
	Revision  string `json:"revision,omitempty"`
	Integrity string `json:"integrity,omitempty"`
}

// workerManifest is entries as a generated worker carries them (a user's
// --inject source gets the {url, revision, integrity} objects instead). An
// entry whose revision is derivable from its integrity, the first 16 hex
// digits of the same SHA-256 as manifest.Build writes it, is
// [url, base64 hash] (no "sha256-"; the runtime adds it back and derives the
// revision); an entry with no revision (a hashed name) is
// [url, base64 hash, 0]. Any other entry stays an object, which the runtime
// also takes.
func workerManifest(entries []precacheEntry) string {
	return encodeManifest(entries).array(nil)
}

// manifestText is each entry of a manifest as workerManifest writes it,
// encoded once: a large site's manifest is both measured whole and cut
// into parts.
type manifestText struct {
	b    []byte
	ends []int // entry k is b[ends[k-1]:ends[k]]
}

// encodeManifest encodes entries. It writes them directly rather than
// through encoding/json, which took a quarter of a one-file rebuild of a
// 10,000-file site; the bytes are the same (TestWorkerManifestAsJSON).
func encodeManifest(entries []precacheEntry) manifestText {
	m := manifestText{b: make([]byte, 0, 80*len(entries)), ends: make([]int, len(entries))}
	for k, e := range entries {
		m.b = appendManifestEntry(m.b, e)
		m.ends[k] = len(m.b)
	}
	return m
}

// size is the length of the whole manifest's array.
func (m manifestText) size() int {
	return len(m.b) + max(len(m.ends)-1, 0) + len("[]")
}

// array is the JSON array of the entries at ks, in that order, or of every
// entry when ks is nil.
func (m manifestText) array(ks []int) string {
	if ks == nil {
		ks = make([]int, len(m.ends))
		for k := range ks {
			ks[k] = k
		}
	}
	b := make([]byte, 0, len(ks)*(len(m.b)/max(len(m.ends), 1)+1)+2)
	b = append(b, '[')
	for i, k := range ks {
		if i > 0 {
			b = append(b, ',')
		}
		start := 0
		if k > 0 {
			start = m.ends[k-1]
		}
		b = append(b, m.b[start:m.ends[k]]...)
	}
	return string(append(b, ']'))
}

// appendManifestEntry appends e to b as workerManifest writes it.
func appendManifestEntry(b []byte, e precacheEntry) []byte {
	b64, ok := strings.CutPrefix(e.Integrity, "sha256-")
	var sum [sha256.Size + 1]byte // base64.StdEncoding.DecodedLen of 44
	if ok && len(b64) == base64.StdEncoding.EncodedLen(sha256.Size) {
		n, err := base64.StdEncoding.Decode(sum[:], []byte(b64))
		ok = err == nil && n == sha256.Size
	} else {
		ok = false
	}
	if ok {
		var rev [16]byte
		hex.Encode(rev[:], sum[:8])
		switch e.Revision {
		case "":
			b = appendJSONString(append(b, '['), e.URL)
			return append(appendJSONString(append(b, ','), b64), ",0]"...)
		case string(rev[:]):
			b = appendJSONString(append(b, '['), e.URL)
			return append(appendJSONString(append(b, ','), b64), ']')
		}
	}
	return append(b, jsonText(e)...)
}

// appendJSONString appends s as encoding/json writes it without HTML
// escaping: directly when it is printable ASCII without '"' or '\\' (every
// percent-encoded URL and base64 digest), else through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return append(b, jsonText(s)...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// entryModule writes the JavaScript module that esbuild bundles: imports of
// exactly the runtime modules cfg uses, and one call of sw() with the
// manifest and options. cfg has its defaults applied.
func entryModule(cfg config.Config, entries []precacheEntry) (string, error) {
	return entrySource(cfg, workerManifest(entries), "")
}

// entrySource is entryModule with the manifest given as a JavaScript
// expression, and prelude, statements run before sw() (the importScripts
// call of a split manifest, see split.go). Both count in the version.
func entrySource(cfg config.Config, manifestJS, prelude string) (string, error) {
	imports := map[string]string{"sw": "./sw/sw.js"} // export name -> module
	if cfg.Push != nil {
		imports["push"] = "./sw/push.js"
	}
	var routes []string
	for i, rc := range cfg.RuntimeCaching {
		route, err := routeSource(cfg, rc, imports)
		if err != nil {
			// routeSource's errors are *config.Error keyed within the route.
			if ce := (*config.Error)(nil); errors.As(err, &ce) {
				ce.Key = fmt.Sprintf("runtimeCaching[%d].%s", i, ce.Key)
			}
			return "", err
		}
		routes = append(routes, route)
	}

	// Option names end in "_": the bundle renames them (internalProps).
	// Only what differs from the runtime's defaults is written.
	var body strings.Builder
	field := func(name, value string) { fmt.Fprintf(&body, "  %s_: %s,\n", name, value) }
	field("manifest", manifestJS)
	// The precache's options (runtime/sw/precache.js) sit among the others.
	if cfg.CacheID != "" {
		field("cacheId", jsonText(cfg.CacheID))
	}
	if cfg.DirectoryIndex != "index.html" {
		field("directoryIndex", jsonText(cfg.DirectoryIndex))
	}
	if len(cfg.IgnoreURLParametersMatching) > 0 {
		field("ignore", regExps(cfg.IgnoreURLParametersMatching))
	}
	flag := func(name string, on bool) {
		if on {
			field(name, "true")
		}
	}
	flag("skipWaiting", cfg.SkipWaiting)
	flag("clientsClaim", cfg.ClientsClaim)
	flag("keepOutdatedCaches", cfg.CleanupOutdatedCaches != nil && !*cfg.CleanupOutdatedCaches)
	if cfg.NavigateFallback != "" {
		field("navigateFallback", jsonText(cfg.NavigateFallback))
		if len(cfg.NavigateFallbackAllowlist) > 0 {
			field("navigateFallbackAllowlist", regExps(cfg.NavigateFallbackAllowlist))
		}
		if len(cfg.NavigateFallbackDenylist) > 0 {
			field("navigateFallbackDenylist", regExps(cfg.NavigateFallbackDenylist))
		}
	}
	if cfg.OfflinePage != "" {
		field("offlinePage", jsonText(cfg.OfflinePage))
	}
	flag("navigationPreload", cfg.NavigationPreload)
	if cfg.NavigateFallback != "" || cfg.OfflinePage != "" || cfg.NavigationPreload {
		// Only workers that change navigations carry that code.
		imports["navigation"] = "./sw/navigation.js"
		field("navigation", "navigation")
	}
	if staticRoutesOn(cfg) {
		imports["staticRoutes"] = "./sw/staticRoutes.js"
		field("staticRoutes", "staticRoutes")
	}
	if len(routes) > 0 {
		field("routes", "[\n    "+strings.Join(routes, ",\n    ")+"\n  ]")
	}

	pushSrc := ""
	if cfg.Push != nil {
		pushSrc = pushCall(*cfg.Push)
	}

	// The version identifies manifest and options (everything above, and
	// the push options); the worker answers swkit:get-version with it. 32
	// bits tell one deployment from the next: it is not a content address.
	sum := sha256.Sum256([]byte(prelude + body.String() + pushSrc))
	version := hex.EncodeToString(sum[:4])

	var src strings.Builder
	names := make([]string, 0, len(imports))
	for name := range imports {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(&src, "import { %s } from %s;\n", name, jsonText(imports[name]))
	}
	src.WriteString(prelude)
	fmt.Fprintf(&src, "sw({\n  version_: %s,\n%s});\n", jsonText(version), body.String())
	src.WriteString(pushSrc)
	return src.String(), nil
}

// staticRoutesOn reports whether the worker declares its precache as
// static routes: unless the config turns them off, or a route cuts range
// requests (it cuts the precache's answers too, which needs the worker).
func staticRoutesOn(cfg config.Config) bool {
	if cfg.StaticRoutes != nil && !*cfg.StaticRoutes {
		return false
	}
	for _, rc := range cfg.RuntimeCaching {
		if rc.Options.RangeRequests {
			return false
		}
	}
	return true
}

// pushCall writes the push() call that adds push notifications; its options
// are the config's push object, with keys the runtime reads.
func pushCall(p config.Push) string {
	var b strings.Builder
	b.WriteString("push({ endpoint: " + jsonText(p.Endpoint))
	for _, f := range []struct{ name, value string }{{"title", p.Title}, {"icon", p.Icon}, {"badge", p.Badge}} {
		if f.value != "" {
			b.WriteString(", " + f.name + ": " + jsonText(f.value))
		}
	}
	b.WriteString(" });\n")
	return b.String()
}

// routeSource writes one route object and records the modules it imports.
func routeSource(cfg config.Config, rc config.RuntimeCaching, imports map[string]string) (string, error) {
	// Each handler is runtime/sw/strategies/<name>.js, exporting <name>. A
	// Config built in Go may still use Workbox's spelling.
	strategy, ok := config.NormalHandler(rc.Handler)
	if !ok {
		return "", &config.Error{Key: "handler", Msg: fmt.Sprintf("unknown handler %q: want one of cacheFirst, networkFirst, staleWhileRevalidate, networkOnly, cacheOnly", rc.Handler)}
	}
	o := rc.Options
	match, err := matchSource(rc, imports)
	if err != nil {
		return "", err
	}
	imports[strategy] = "./sw/strategies/" + strategy + ".js"

	cacheName := o.CacheName
	if cacheName == config.DefaultRuntimeCacheName && cfg.CacheID != "" {
		cacheName = cfg.CacheID + "-" + cacheName
	}
	opts := []string{"cacheName_: " + jsonText(cacheName)}
	switch cr := o.CacheableResponse; {
	case cr != nil:
		statuses := cr.Statuses
		if statuses == nil {
			statuses = []int{200}
		}
		cacheable := "cacheable_: { statuses: " + jsonText(statuses)
		if len(cr.Headers) > 0 {
			cacheable += ", headers: " + jsonText(cr.Headers) // encoding/json sorts the keys
		}
		opts = append(opts, cacheable+" }")
	case strategy == config.NetworkFirst || strategy == config.StaleWhileRevalidate:
		// As Workbox: these two store opaque responses (another origin's
		// fonts and styles) by default; cacheFirst stores only 200s.
		opts = append(opts, "cacheable_: { statuses: [0, 200] }")
	}
	if mo := o.MatchOptions; mo != nil && *mo != (config.MatchOptions{}) {
		opts = append(opts, "matchOptions_: "+jsonText(mo))
	}
	fetchOpts := ""
	if fo := o.FetchOptions; fo != nil && *fo != (config.FetchOptions{}) {
		fetchOpts = "fetchOptions_: " + jsonText(fo)
		opts = append(opts, fetchOpts)
	}
	if bu := o.BroadcastUpdate; bu != nil { // only on staleWhileRevalidate (config.Validate)
		h := make([]string, len(bu.HeadersToCheck))
		for i, name := range bu.HeadersToCheck {
			h[i] = strings.ToLower(name)
		}
		// Only workers that broadcast updates import the notifier (and its
		// response comparison).
		imports["broadcastUpdate"] = "./sw/strategies/broadcastUpdate.js"
		if len(h) == 0 {
			opts = append(opts, "broadcastUpdate_: broadcastUpdate()")
		} else {
			opts = append(opts, "broadcastUpdate_: broadcastUpdate({ headersToCheck: "+jsonText(h)+" })")
		}
	}
	if e := o.Expiration; e != nil && (e.MaxEntries > 0 || e.MaxAgeSeconds > 0 || e.PurgeOnQuotaError) {
		// Only workers with an expiration import its module (and IndexedDB code).
		imports["expiration"] = "./sw/expiration/expiration.js"
		args := jsonText(cacheName) + ", " + jsonText(e.MaxEntries) + ", " + jsonText(e.MaxAgeSeconds)
		if e.PurgeOnQuotaError {
			args += ", true"
		}
		opts = append(opts, "expiration_: expiration("+args+")")
	}
	if o.NetworkTimeoutSeconds > 0 { // only on networkFirst (config.Validate)
		opts = append(opts, "networkTimeoutSeconds_: "+jsonText(o.NetworkTimeoutSeconds))
	}
	method := strings.ToUpper(rc.Method)
	if method == "" {
		method = config.DefaultMethod
	}
	handler := fmt.Sprintf("%s({ %s })", strategy, strings.Join(opts, ", "))
	if strategy == config.NetworkOnly {
		handler = "networkOnly()" // it stores nothing: no cache options
		if fetchOpts != "" {
			handler = "networkOnly({ " + fetchOpts + " })"
		}
	}
	if bs := o.BackgroundSync; bs != nil {
		handler = withBackgroundSync(handler, *bs, imports)
	}
	rng := ""
	if o.RangeRequests {
		// Only workers with rangeRequests carry the slicing code.
		imports["rangeRequests"] = "./sw/strategies/rangeResponse.js"
		imports["rangeResponse"] = "./sw/strategies/rangeResponse.js"
		handler = "rangeRequests(" + handler + ")"
		rng = ", range_: rangeResponse"
	}
	return fmt.Sprintf("{ match_: %s, method_: %s, handler_: %s%s }", match, jsonText(method), handler, rng), nil
}

// matchSource writes a route's matcher and records the modules it imports:
// its urlPattern, its destinations, or both.
func matchSource(rc config.RuntimeCaching, imports map[string]string) (string, error) {
	match := ""
	if rc.URLPattern != "" {
		m, err := compilePattern(rc.URLPattern)
		if err != nil {
			return "", &config.Error{Key: "urlPattern", Msg: fmt.Sprintf("%q: %v", rc.URLPattern, err), Err: err}
		}
		imports["urlPattern"] = "./sw/urlPattern.js"
		match = "urlPattern(" + m.literal + ")"
		if m.on == "path" {
			match = "urlPattern(" + m.literal + ", 1)"
		}
	}
	if len(rc.Destination) == 0 {
		return match, nil
	}
	imports["destination"] = "./sw/destination.js"
	if match == "" {
		return "destination(" + jsonText(rc.Destination) + ")", nil
	}
	return "destination(" + jsonText(rc.Destination) + ", " + match + ")", nil
}

// regExps writes a list of regular expressions: literals, or new RegExp(...)
// calls for sources that cannot sit between a literal's slashes.
func regExps(sources []string) string {
	parts := make([]string, len(sources))
	for i, s := range sources {
		if s != "" && checkLiteralBody(s) == nil {
			parts[i] = "/" + s + "/"
		} else {
			parts[i] = "new RegExp(" + jsonText(s) + ")"
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// jsonText is v as JSON, which is also a JavaScript expression.
func jsonText(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("swgen: encoding %T: %v", v, err)) // only plain values reach here
	}
	return strings.TrimSuffix(b.String(), "\n")
}
