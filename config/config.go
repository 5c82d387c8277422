// Package config holds swkit.json: the options of a generated service worker, named
// as Workbox names them wherever the meaning is the same.
package config

// Config is the parsed swkit.json. The zero value of every field means its default;
// Defaults fills them in.
type Config struct {
	// Schema lets editors find the JSON Schema (swkit config schema prints
	// it); swkit ignores its value.
	Schema string `json:"$schema,omitempty"`
	// GlobPatterns selects the files to precache, relative to the site folder
	// (doublestar syntax). Default: every file ("**/*").
	GlobPatterns []string `json:"globPatterns,omitempty"`
	// GlobIgnores drops files that GlobPatterns selected. Dotfiles and the
	// generated worker are always left out.
	GlobIgnores []string `json:"globIgnores,omitempty"`
	// MaximumFileSizeToCacheInBytes skips larger files with a warning naming each.
	// Default: 2 MiB, as Workbox.
	MaximumFileSizeToCacheInBytes int64 `json:"maximumFileSizeToCacheInBytes,omitempty"`
	// DontCacheBustURLsMatching is a regular expression for file paths
	// ("css/app.3f9a1c2b.css", slash-separated, relative to the site folder)
	// that already carry a content hash: they are precached under their URL
	// alone. It runs in Go; Parse rejects the Go-only syntax (such as "(?P<",
	// "(?i)", `\z`) that JavaScript would read differently, as for every
	// regular expression in this file. Default: see manifest.DefaultHashedName.
	DontCacheBustURLsMatching string `json:"dontCacheBustURLsMatching,omitempty"`
	// SwDest is the worker's file name inside the site folder. Default: "sw.js".
	SwDest string `json:"swDest,omitempty"`
	// CacheID prefixes every cache name, to keep two apps on one origin apart.
	CacheID string `json:"cacheId,omitempty"`
	// DirectoryIndex is served for a URL ending in "/". Default: "index.html".
	DirectoryIndex string `json:"directoryIndex,omitempty"`
	// IgnoreURLParametersMatching lists regular expressions; matching query
	// parameters are removed before a precache lookup. Default: utm_*, fbclid.
	IgnoreURLParametersMatching []string `json:"ignoreURLParametersMatching,omitempty"`
	// SkipWaiting activates a new worker as soon as it is installed.
	SkipWaiting bool `json:"skipWaiting,omitempty"`
	// ClientsClaim makes an activated worker take control of open pages at once.
	ClientsClaim bool `json:"clientsClaim,omitempty"`
	// CleanupOutdatedCaches removes caches of older swkit runtime formats on
	// activate. Default: true.
	CleanupOutdatedCaches *bool `json:"cleanupOutdatedCaches,omitempty"`
	// NavigateFallback is the precached URL answered for navigations that match
	// no precached URL (single-page apps).
	NavigateFallback string `json:"navigateFallback,omitempty"`
	// NavigateFallbackAllowlist and NavigateFallbackDenylist are regular
	// expressions on the path that limit NavigateFallback.
	NavigateFallbackAllowlist []string `json:"navigateFallbackAllowlist,omitempty"`
	NavigateFallbackDenylist  []string `json:"navigateFallbackDenylist,omitempty"`
	// OfflinePage is a precached URL answered when a navigation fails for lack
	// of network.
	OfflinePage string `json:"offlinePage,omitempty"`
	// NavigationPreload enables navigation preload on activate.
	NavigationPreload bool `json:"navigationPreload,omitempty"`
	// RuntimeCaching routes requests that are not precached, first match wins.
	RuntimeCaching []RuntimeCaching `json:"runtimeCaching,omitempty"`
	// Push, when present (even as {}), adds push notifications to the worker:
	// push messages become notifications, a click opens or focuses the
	// notification's URL, and a renewed subscription is sent to the server.
	// Absent: the worker has no push code at all.
	Push *Push `json:"push,omitempty"`
}

// Push configures the worker's push notifications (docs/push.md).
type Push struct {
	// Endpoint is the URL of the push API (package pushapi) that the worker
	// tells about a renewed subscription: it fetches Endpoint+"public-key" and
	// posts to / deletes from Endpoint+"subscriptions". A path ending in "/"
	// on the worker's origin, or an https URL ending in "/". Default:
	// "/swkit/push/".
	Endpoint string `json:"endpoint,omitempty"`
	// Title titles notifications whose message has none: plain-text and
	// empty messages. Default: the site's host name.
	Title string `json:"title,omitempty"`
	// Icon and Badge are image URLs used when a message names none,
	// relative to the worker's scope or absolute.
	Icon  string `json:"icon,omitempty"`
	Badge string `json:"badge,omitempty"`
}

// RuntimeCaching is one route of the worker's router.
type RuntimeCaching struct {
	// URLPattern is either a regular expression written between slashes, with
	// optional flags ("/\\.png$/i", JavaScript syntax, tested against the full
	// URL), or a path pattern ("/img", "/api/*", "/assets/**", or an absolute
	// "https://fonts.example/**") where * matches within one path segment and **
	// across segments. It is a regular expression when it has the form
	// /source/flags and source holds one of \ ^ $ ( ) [ ] { } | + ? (see
	// SplitRegExp), so "/api/users" and "/img/" stay path patterns. Required.
	URLPattern string `json:"urlPattern"`
	// Method is the HTTP method the route answers, uppercase. Default: "GET".
	Method string `json:"method,omitempty"`
	// Handler is one of cacheFirst, networkFirst, staleWhileRevalidate,
	// networkOnly, cacheOnly (Workbox's CacheFirst etc. are accepted too, and
	// Parse normalises them to these names). Required.
	Handler string `json:"handler"`
	// Options tune the handler.
	Options RuntimeOptions `json:"options,omitempty"`
}

// RuntimeOptions are the options of one runtime route.
type RuntimeOptions struct {
	// CacheName names the route's cache. Default: "swkit-runtime".
	CacheName string `json:"cacheName,omitempty"`
	// NetworkTimeoutSeconds makes networkFirst fall back to the cache when the
	// network has not answered in time. Only allowed with networkFirst.
	NetworkTimeoutSeconds float64 `json:"networkTimeoutSeconds,omitempty"`
	// Expiration limits the route's cache.
	Expiration *Expiration `json:"expiration,omitempty"`
	// CacheableResponse limits which responses are cached. Default: status 200
	// only; opaque responses (status 0) are cached only when listed.
	CacheableResponse *CacheableResponse `json:"cacheableResponse,omitempty"`
	// BroadcastUpdate tells open pages when a revalidated response differs
	// from the cached one.
	BroadcastUpdate *BroadcastUpdate `json:"broadcastUpdate,omitempty"`
	// BackgroundSync queues failed requests for replay (background-sync issue).
	BackgroundSync *BackgroundSync `json:"backgroundSync,omitempty"`
}

// Expiration evicts entries of a runtime cache.
type Expiration struct {
	MaxEntries        int  `json:"maxEntries,omitempty"`
	MaxAgeSeconds     int  `json:"maxAgeSeconds,omitempty"`
	PurgeOnQuotaError bool `json:"purgeOnQuotaError,omitempty"`
}

// CacheableResponse lists the statuses (and optionally headers) that may be cached.
type CacheableResponse struct {
	Statuses []int             `json:"statuses,omitempty"`
	Headers  map[string]string `json:"headers,omitempty"`
}

// BroadcastUpdate configures update messages to pages.
type BroadcastUpdate struct {
	// HeadersToCheck decide whether a response changed. Default: Content-Length,
	// ETag, Last-Modified.
	HeadersToCheck []string `json:"headersToCheck,omitempty"`
}

// BackgroundSync configures the replay queue of a route.
type BackgroundSync struct {
	Name             string `json:"name,omitempty"`
	MaxRetentionTime int    `json:"maxRetentionTime,omitempty"` // minutes, as Workbox
}
