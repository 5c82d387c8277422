package swkit

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/swkit/swkit/config"
)

// Handler names for [RuntimeRoute].Handler. Workbox's spellings
// ("CacheFirst", ...) are accepted too.
const (
	CacheFirst           = "cacheFirst"
	NetworkFirst         = "networkFirst"
	StaleWhileRevalidate = "staleWhileRevalidate"
	NetworkOnly          = "networkOnly"
	CacheOnly            = "cacheOnly"
)

// Options configure a [Handler]. The zero value of every field means its
// default, so Options{} serves the files and a worker that precaches all of
// them.
//
// The worker options are swkit.json's, field for field: globPatterns is
// GlobPatterns, runtimeCaching[0].options.cacheName is
// RuntimeCaching[0].Options.CacheName, and they are checked by the same rules.
// The one renamed option is cleanupOutdatedCaches, which defaults to true and
// so appears here inverted as KeepOutdatedCaches. [LoadConfig] reads a
// swkit.json into Options, so the command line and the library can share one
// file.
type Options struct {
	// GlobPatterns selects the files to precache (doublestar syntax, relative
	// to the root of the file system). Default: every file ("**/*").
	GlobPatterns []string
	// GlobIgnores drops files that GlobPatterns selected. Dotfiles and the
	// worker itself are never precached.
	GlobIgnores []string
	// MaximumFileSizeToCacheInBytes leaves larger files out of the precache;
	// each one is reported by [Handler.Warnings]. Default: 2 MiB.
	MaximumFileSizeToCacheInBytes int64
	// DontCacheBustURLsMatching is a regular expression for file paths
	// ("assets/app.3f9a1c2b.js") that carry a content hash of their own. They
	// are precached under their URL alone and served with a year of immutable
	// caching. It must mean the same in Go and JavaScript. Default: a
	// conservative rule that recognises the usual bundlers' fingerprints.
	// Caveat: a path that matches but whose content changes stays pinned in
	// browsers for a year.
	DontCacheBustURLsMatching string
	// SwDest is the worker's path, relative to the root ("sw.js" is served at
	// /sw.js). Default: "sw.js". The page helper is always swkit.js at the
	// root.
	SwDest string
	// CacheID prefixes the cache names, to keep two apps on one origin apart.
	CacheID string
	// DirectoryIndex is the file a URL ending in "/" means, for the worker's
	// precache lookups. Default: "index.html" (the server always uses
	// index.html).
	DirectoryIndex string
	// IgnoreURLParametersMatching lists regular expressions; matching query
	// parameters are removed before a precache lookup. Default: utm_* and
	// fbclid.
	IgnoreURLParametersMatching []string
	// SkipWaiting activates a new worker as soon as it is installed, instead
	// of when every page of the old one has closed. Caveat: pages then run
	// with files of two versions until they reload.
	SkipWaiting bool
	// ClientsClaim makes an activated worker control open pages at once.
	ClientsClaim bool
	// KeepOutdatedCaches keeps precaches of older swkit runtime formats, which
	// are removed on activate by default (swkit.json: cleanupOutdatedCaches).
	KeepOutdatedCaches bool
	// NavigateFallback is a precached URL answered for navigations that match
	// no precached URL, as single-page apps need ("index.html").
	NavigateFallback string
	// NavigateFallbackAllowlist and NavigateFallbackDenylist are regular
	// expressions on the path that limit NavigateFallback (deny your API:
	// "^/api/").
	NavigateFallbackAllowlist []string
	NavigateFallbackDenylist  []string
	// OfflinePage is a precached URL answered when a navigation fails for lack
	// of network.
	OfflinePage string
	// NavigationPreload lets navigations start while the worker boots.
	NavigationPreload bool
	// RuntimeCaching routes requests that are not precached (your API, images
	// from another origin); the first match wins.
	RuntimeCaching []RuntimeRoute
	// Push, when set (even to &Push{}), adds push notifications to the
	// worker. Nil: the worker has no push code at all. The server side, the
	// API that stores subscriptions and sends messages, is package
	// github.com/swkit/swkit/push/pushapi; mount it beside this handler.
	Push *Push

	// Headers are added to every response, errors and redirects included
	// (Content-Security-Policy, Strict-Transport-Security, ...). Headers the
	// handler manages (Content-Type, Cache-Control, ETag, ...) are an error.
	Headers map[string]string
	// ServiceWorkerAllowed, when set, is sent as Service-Worker-Allowed with
	// the worker script, so that it may register with a scope above its own
	// folder (say "/" for a worker served at /app/sw.js). Caveat: the worker
	// then intercepts every page under that scope, including pages of other
	// handlers on the same origin.
	ServiceWorkerAllowed string
	// Compress gzips text responses over 1 KB on the fly when the client
	// accepts it and the file system has no precompressed sibling
	// ("app.js.gz", "app.js.br", which are always preferred). Default false.
	// Caveat: compressing responses that mix secrets with text an attacker
	// controls enables BREACH-style attacks; static files normally hold no
	// secrets.
	Compress bool
}

// RuntimeRoute is one route of the worker's router (swkit.json:
// runtimeCaching[i]).
type RuntimeRoute struct {
	// URLPattern is a JavaScript regular expression between slashes, with
	// optional flags, tested against the full URL (`/\.png$/i`), or a path
	// pattern ("/api/*", "/assets/**", "https://fonts.example/**") where *
	// matches within one path segment and ** across segments. Required.
	URLPattern string
	// Method is the HTTP method the route answers, uppercase. Default: GET.
	Method string
	// Handler is the strategy: CacheFirst, NetworkFirst,
	// StaleWhileRevalidate, NetworkOnly or CacheOnly. Required.
	Handler string
	// Options tune the strategy.
	Options RouteOptions
}

// RouteOptions tune a [RuntimeRoute] (swkit.json: runtimeCaching[i].options).
// A nil pointer leaves that feature off. An option that the generated worker
// cannot honour yet makes [New] fail, rather than ship a worker that ignores
// it.
type RouteOptions struct {
	// CacheName names the route's cache. Default: "swkit-runtime", prefixed
	// by CacheID.
	CacheName string
	// NetworkTimeoutSeconds makes NetworkFirst answer from the cache when the
	// network has not answered in time. Only with NetworkFirst.
	NetworkTimeoutSeconds float64
	// Expiration limits the route's cache by entries and by age.
	Expiration *Expiration
	// CacheableResponse lists the responses that may be cached. Default:
	// status 200 only; opaque cross-origin responses (status 0) only when
	// listed.
	CacheableResponse *CacheableResponse
	// BroadcastUpdate tells open pages when StaleWhileRevalidate fetched a
	// response that differs from the cached one.
	BroadcastUpdate *BroadcastUpdate
	// BackgroundSync queues failed requests for replay.
	BackgroundSync *BackgroundSync
}

// Expiration evicts entries of a runtime cache: the least recently used ones
// beyond MaxEntries, and those older than MaxAgeSeconds.
type Expiration struct {
	MaxEntries        int
	MaxAgeSeconds     int
	PurgeOnQuotaError bool // delete the cache when the browser runs out of quota
}

// CacheableResponse lists the statuses, and optionally header values, of the
// responses a route may cache.
type CacheableResponse struct {
	Statuses []int
	Headers  map[string]string
}

// BroadcastUpdate configures update messages to pages. HeadersToCheck decide
// whether a response changed; default Content-Length, ETag, Last-Modified.
type BroadcastUpdate struct {
	HeadersToCheck []string
}

// BackgroundSync configures the replay queue of a route: its name and how
// long, in minutes, a request is kept.
type BackgroundSync struct {
	Name             string
	MaxRetentionTime int
}

// Push configures the worker's push notifications (swkit.json: push).
type Push struct {
	// Endpoint is the URL prefix of the push API that the worker tells about
	// a renewed subscription: a path on the site ending in "/", or an https
	// URL. Default: "/swkit/push/".
	Endpoint string
	// Title titles notifications whose message has none. Default: the
	// site's host name.
	Title string
	// Icon and Badge are image URLs used when a message names none, relative
	// to the worker's scope or absolute.
	Icon  string
	Badge string
}

// LoadConfig reads the swkit.json file name of fsys into Options, with the
// same strict checks as `swkit build`: an unknown key, a wrong type or a bad
// value is an error naming the file, line and key. Pass os.DirFS(".") for a
// file on disk, or an embed.FS to ship the config inside the binary. Set the
// server fields (Headers, ...) on the result; they have no place in the file.
//
// [New] never reads swkit.json by itself, even when fsys holds one: what a Go
// program serves is decided by its code.
func LoadConfig(fsys fs.FS, name string) (Options, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return Options{}, fmt.Errorf("swkit: read config: %w", err)
	}
	cfg, err := config.Parse(name, data)
	if err != nil {
		return Options{}, fmt.Errorf("swkit: %w", err)
	}
	return fromConfig(cfg), nil
}

// workerConfig returns the config.Config that o describes, checked as
// swkit.json is checked and with defaults applied. Errors name the option as
// a Go path ("RuntimeCaching[0].Handler").
func (o Options) workerConfig() (config.Config, error) {
	cfg := toConfig(o)
	if err := config.Validate(&cfg); err != nil {
		var ce *config.Error
		if errors.As(err, &ce) {
			return config.Config{}, fmt.Errorf("swkit: %s: %s", goName(ce.Key), ce.Msg)
		}
		return config.Config{}, fmt.Errorf("swkit: %w", err)
	}
	return config.Defaults(cfg), nil
}

// hashedName returns the server's rule for fingerprinted names: the same as
// the precache's, so that what the worker trusts not to change is also what
// browsers may cache as immutable. Nil means the default rule.
func (o Options) hashedName() func(string) bool {
	if o.DontCacheBustURLsMatching == "" {
		return nil
	}
	// Validated already, so it compiles.
	return regexp.MustCompile(o.DontCacheBustURLsMatching).MatchString
}

// toConfig copies o's worker options into a config.Config, sharing nothing
// with o (Validate normalises handler names in place).
func toConfig(o Options) config.Config {
	c := config.Config{
		GlobPatterns:                  slices.Clone(o.GlobPatterns),
		GlobIgnores:                   slices.Clone(o.GlobIgnores),
		MaximumFileSizeToCacheInBytes: o.MaximumFileSizeToCacheInBytes,
		DontCacheBustURLsMatching:     o.DontCacheBustURLsMatching,
		SwDest:                        o.SwDest,
		CacheID:                       o.CacheID,
		DirectoryIndex:                o.DirectoryIndex,
		IgnoreURLParametersMatching:   slices.Clone(o.IgnoreURLParametersMatching),
		SkipWaiting:                   o.SkipWaiting,
		ClientsClaim:                  o.ClientsClaim,
		NavigateFallback:              o.NavigateFallback,
		NavigateFallbackAllowlist:     slices.Clone(o.NavigateFallbackAllowlist),
		NavigateFallbackDenylist:      slices.Clone(o.NavigateFallbackDenylist),
		OfflinePage:                   o.OfflinePage,
		NavigationPreload:             o.NavigationPreload,
	}
	if o.KeepOutdatedCaches {
		off := false
		c.CleanupOutdatedCaches = &off
	}
	if p := o.Push; p != nil {
		c.Push = &config.Push{Endpoint: p.Endpoint, Title: p.Title, Icon: p.Icon, Badge: p.Badge}
	}
	for _, r := range o.RuntimeCaching {
		ro := r.Options
		rc := config.RuntimeCaching{
			URLPattern: r.URLPattern,
			Method:     r.Method,
			Handler:    r.Handler,
			Options: config.RuntimeOptions{
				CacheName:             ro.CacheName,
				NetworkTimeoutSeconds: ro.NetworkTimeoutSeconds,
			},
		}
		if e := ro.Expiration; e != nil {
			rc.Options.Expiration = &config.Expiration{MaxEntries: e.MaxEntries, MaxAgeSeconds: e.MaxAgeSeconds, PurgeOnQuotaError: e.PurgeOnQuotaError}
		}
		if cr := ro.CacheableResponse; cr != nil {
			rc.Options.CacheableResponse = &config.CacheableResponse{Statuses: slices.Clone(cr.Statuses), Headers: maps.Clone(cr.Headers)}
		}
		if bu := ro.BroadcastUpdate; bu != nil {
			rc.Options.BroadcastUpdate = &config.BroadcastUpdate{HeadersToCheck: slices.Clone(bu.HeadersToCheck)}
		}
		if bs := ro.BackgroundSync; bs != nil {
			rc.Options.BackgroundSync = &config.BackgroundSync{Name: bs.Name, MaxRetentionTime: bs.MaxRetentionTime}
		}
		c.RuntimeCaching = append(c.RuntimeCaching, rc)
	}
	return c
}

// fromConfig is the inverse of toConfig.
func fromConfig(c config.Config) Options {
	o := Options{
		GlobPatterns:                  c.GlobPatterns,
		GlobIgnores:                   c.GlobIgnores,
		MaximumFileSizeToCacheInBytes: c.MaximumFileSizeToCacheInBytes,
		DontCacheBustURLsMatching:     c.DontCacheBustURLsMatching,
		SwDest:                        c.SwDest,
		CacheID:                       c.CacheID,
		DirectoryIndex:                c.DirectoryIndex,
		IgnoreURLParametersMatching:   c.IgnoreURLParametersMatching,
		SkipWaiting:                   c.SkipWaiting,
		ClientsClaim:                  c.ClientsClaim,
		KeepOutdatedCaches:            c.CleanupOutdatedCaches != nil && !*c.CleanupOutdatedCaches,
		NavigateFallback:              c.NavigateFallback,
		NavigateFallbackAllowlist:     c.NavigateFallbackAllowlist,
		NavigateFallbackDenylist:      c.NavigateFallbackDenylist,
		OfflinePage:                   c.OfflinePage,
		NavigationPreload:             c.NavigationPreload,
	}
	if p := c.Push; p != nil {
		o.Push = &Push{Endpoint: p.Endpoint, Title: p.Title, Icon: p.Icon, Badge: p.Badge}
	}
	for _, rc := range c.RuntimeCaching {
		co := rc.Options
		r := RuntimeRoute{
			URLPattern: rc.URLPattern,
			Method:     rc.Method,
			Handler:    rc.Handler,
			Options: RouteOptions{
				CacheName:             co.CacheName,
				NetworkTimeoutSeconds: co.NetworkTimeoutSeconds,
			},
		}
		if e := co.Expiration; e != nil {
			r.Options.Expiration = &Expiration{MaxEntries: e.MaxEntries, MaxAgeSeconds: e.MaxAgeSeconds, PurgeOnQuotaError: e.PurgeOnQuotaError}
		}
		if cr := co.CacheableResponse; cr != nil {
			r.Options.CacheableResponse = &CacheableResponse{Statuses: cr.Statuses, Headers: cr.Headers}
		}
		if bu := co.BroadcastUpdate; bu != nil {
			r.Options.BroadcastUpdate = &BroadcastUpdate{HeadersToCheck: bu.HeadersToCheck}
		}
		if bs := co.BackgroundSync; bs != nil {
			r.Options.BackgroundSync = &BackgroundSync{Name: bs.Name, MaxRetentionTime: bs.MaxRetentionTime}
		}
		o.RuntimeCaching = append(o.RuntimeCaching, r)
	}
	return o
}

// goName turns a swkit.json key path ("runtimeCaching[0].options.cacheName")
// into the path of the same option in Options
// ("RuntimeCaching[0].Options.CacheName"). Options use config.Config's Go
// field names (a test holds them to it), so the names come from its JSON tags.
func goName(key string) string {
	if key == "" {
		return "Options"
	}
	t := reflect.TypeFor[config.Config]()
	var b strings.Builder
	for i, seg := range strings.Split(key, ".") {
		name, idx, _ := strings.Cut(seg, "[")
		if i > 0 {
			b.WriteByte('.')
		}
		f, ok := fieldByJSONName(t, name)
		if !ok {
			// Not a struct field (a map key, say): keep the rest as it is.
			b.WriteString(strings.Join(strings.Split(key, ".")[i:], "."))
			break
		}
		b.WriteString(f.Name)
		if idx != "" {
			b.WriteString("[" + idx)
		}
		t = f.Type
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
	}
	return b.String()
}

// fieldByJSONName finds the field of struct type t whose JSON name is name.
func fieldByJSONName(t reflect.Type, name string) (reflect.StructField, bool) {
	if t.Kind() != reflect.Struct {
		return reflect.StructField{}, false
	}
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}
