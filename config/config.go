// Package config is swkit.json: the options of a site's service worker and of
// the server in front of it, named as Workbox names them wherever the meaning
// is the same. The command line reads this file; a Go program builds the same
// Config in code or reads the file with [Load]. Package swkit re-exports the
// types, so most programs need not import this package.
//
// It is a leaf: it links neither the worker generator nor the server, so a
// program that serves a worker built beforehand stays small.
package config

// Config is swkit.json. The zero value of every field means its default;
// Defaults fills them in, and the build applies it, so a Config written in
// Go needs only the fields that differ.
//
// Each field's doc comment is also its description in the JSON Schema
// (swkit config schema), generated from this file; a `schema` tag adds the
// constraints a JSON Schema can state.
type Config struct {
	// Schema ("$schema") lets editors find the JSON Schema (swkit config
	// schema prints it); swkit ignores its value.
	Schema string `json:"$schema,omitempty"`
	// GlobPatterns selects the files to precache, relative to the site folder
	// (doublestar syntax). Default: every file ("**/*").
	GlobPatterns []string `json:"globPatterns,omitempty"`
	// GlobIgnores drops files that GlobPatterns selected. Default: files a
	// page never fetches, which packages copied into a site bring along:
	// source maps, package.json, package-lock.json and node_modules; a list
	// of your own replaces it, as in Workbox. Dotfiles, the generated files
	// and the build's inputs (the config file, SwSrc) are always left out.
	GlobIgnores []string `json:"globIgnores,omitempty"`
	// MaximumFileSizeToCacheInBytes leaves larger files out of the precache,
	// with a warning naming each. Default: 2 MiB, as Workbox.
	MaximumFileSizeToCacheInBytes int64 `json:"maximumFileSizeToCacheInBytes,omitempty" schema:"minimum=0"`
	// DontCacheBustURLsMatching is a regular expression for file paths
	// ("css/app.3f9a1c2b.css", slash-separated, relative to the site folder)
	// that already carry a content hash: they are precached under their URL
	// alone, and the server sends them as immutable for a year. It runs in
	// Go; swkit rejects the Go-only syntax (such as "(?P<", "(?i)", `\z`)
	// that JavaScript would read differently, as for every regular
	// expression in this file. Default: a token of 8 to 64 characters right
	// before the extension, after "." or "-", that is lowercase hex with a
	// digit and a letter ("app.3f9a1c2b.js") or 8 letters and digits with an
	// uppercase letter ("index-BfK2x9Qa.js"). Caveat: a file that matches
	// but whose content changes stays pinned in browsers for a year.
	DontCacheBustURLsMatching string `json:"dontCacheBustURLsMatching,omitempty"`
	// SwDest is the worker's path inside the site folder, slash-separated.
	// Default: "sw.js". The page helper is always swkit.js beside it.
	SwDest string `json:"swDest,omitempty" schema:"pattern=\\.js$"`
	// SwSrc is your own worker source, as Workbox's injectManifest takes it:
	// a JavaScript module that imports swkit's runtime as "swkit/sw" and
	// reads the precache manifest from self.__SWKIT_MANIFEST (or Workbox's
	// self.__WB_MANIFEST). It is bundled with the runtime into SwDest in
	// place of a generated worker, so runtimeCaching, navigateFallback,
	// skipWaiting and clientsClaim are then your source's business. A path
	// on disk, relative to the current folder; a source inside the site is
	// never precached or served.
	SwSrc string `json:"swSrc,omitempty"`
	// CacheID prefixes every cache name, to keep two apps on one origin
	// apart.
	CacheID string `json:"cacheId,omitempty"`
	// DirectoryIndex is the file the worker looks up for a URL ending in "/".
	// Default: "index.html" (the server always uses index.html).
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
	// NavigateFallbackAllowlist are regular expressions on the path: when
	// set, NavigateFallback answers only the navigations that match one.
	NavigateFallbackAllowlist []string `json:"navigateFallbackAllowlist,omitempty"`
	// NavigateFallbackDenylist are regular expressions on the path:
	// NavigateFallback never answers these ("^/api/").
	NavigateFallbackDenylist []string `json:"navigateFallbackDenylist,omitempty"`
	// OfflinePage is a precached URL answered when a navigation fails for lack
	// of network.
	OfflinePage string `json:"offlinePage,omitempty"`
	// NavigationPreload enables navigation preload on activate.
	NavigationPreload bool `json:"navigationPreload,omitempty"`
	// StaticRoutes declares the precache to the browser as static routes
	// (InstallEvent.addRoutes, Chromium 123 and later), so that the browser
	// answers precached URLs from Cache Storage without running the
	// worker's fetch handler. Browsers without addRoutes are unaffected.
	// Default: true.
	StaticRoutes *bool `json:"staticRoutes,omitempty"`
	// AdditionalManifestEntries are URLs to precache besides the site's
	// files: pages a server renders, files on another host. Each is
	// {"url": "/notes", "revision": "v3"} (give a new revision whenever the
	// content changes; without one the worker fetches the URL once and keeps
	// it) or a plain URL string for a URL that carries its own version. URLs
	// are relative to the worker or absolute. They are precached as they are
	// (modifyURLPrefix does not apply). A Go program renders its own pages
	// with swkit.Render instead.
	AdditionalManifestEntries []ManifestEntry `json:"additionalManifestEntries,omitempty"`
	// TemplatedURLs precaches URLs that a server builds from files: each key
	// is a URL (relative to the worker, or a path such as "/app-shell"), each
	// value either the glob patterns of the files it is built from (relative
	// to the site folder; their contents make its revision, so that editing a
	// template makes a new worker) or a string that is its revision.
	TemplatedURLs map[string]TemplatedURL `json:"templatedURLs,omitempty"`
	// ModifyURLPrefix rewrites the URLs of precached files: each key is a
	// prefix of a file's URL relative to the site folder, replaced by its
	// value ({"": "https://cdn.example/"} precaches every file from a CDN,
	// {"static/": "/assets/"} moves a folder). The longest matching prefix
	// wins. It applies to the site's files only, not to templatedURLs or
	// additionalManifestEntries. A CDN must allow this origin's requests (CORS), since the worker
	// checks each file's integrity.
	ModifyURLPrefix map[string]string `json:"modifyURLPrefix,omitempty"`
	// ImportScripts are scripts the worker loads with importScripts() before
	// its own code, in order: URLs relative to the worker, or absolute. The
	// browser checks them for changes with the worker itself.
	ImportScripts []string `json:"importScripts,omitempty"`
	// RuntimeCaching routes requests that are not precached (your API,
	// images from another origin); the first match wins.
	RuntimeCaching []RuntimeCaching `json:"runtimeCaching,omitempty"`
	// Push, when present (even as {}), adds push notifications to the worker:
	// push messages become notifications, a click opens or focuses the
	// notification's URL, and a renewed subscription is sent to the server.
	// Absent: the worker has no push code at all.
	Push *Push `json:"push,omitempty"`
	// KillSwitch replaces the worker with one that removes itself: it
	// deletes swkit's caches and databases, unregisters and reloads the
	// pages it controlled. Deploy it to switch the offline layer off.
	KillSwitch bool `json:"killSwitch,omitempty"`
	// Server configures the responses of the server in front of the site
	// (swkit serve, or the Go handler); the worker does not depend on it.
	Server Server `json:"server,omitzero"`
	// Manifest, when present, makes the site installable: the build writes
	// manifest.webmanifest and the icons browsers want beside the worker,
	// from one source image, and precaches them. Link it from your pages'
	// <head>: <link rel="manifest" href="/manifest.webmanifest">.
	Manifest *Manifest `json:"manifest,omitempty"`
}

// Server configures the responses of the file server.
type Server struct {
	// Headers are added to every response, errors and redirects included
	// (Content-Security-Policy, Strict-Transport-Security, ...). Headers the
	// server manages itself (Content-Type, Cache-Control, ETag, ...) are an
	// error rather than silently overridden.
	Headers map[string]string `json:"headers,omitempty"`
	// SecurityHeaders adds a set of headers that is safe for any static
	// site with a service worker: Content-Security-Policy frame-ancestors
	// 'none', X-Frame-Options, Referrer-Policy, Cross-Origin-Opener-Policy
	// and Permissions-Policy. Headers override single ones of the set.
	SecurityHeaders bool `json:"securityHeaders,omitempty"`
	// ServiceWorkerAllowed, when set, is sent as Service-Worker-Allowed with
	// the worker script, so that it may register with a scope above its own
	// folder ("/" for a worker at /app/sw.js). Caveat: the worker then
	// intercepts every page under that scope, including pages of other
	// handlers on the same origin.
	ServiceWorkerAllowed string `json:"serviceWorkerAllowed,omitempty"`
	// Compress gzips compressible responses over 1 KB on the fly when the
	// client accepts gzip and the folder has no precompressed sibling
	// ("app.js.br", "app.js.gz", always preferred). Default: true. Caveat:
	// compressing responses that mix secrets with text an attacker controls
	// enables BREACH-style attacks; static files hold no secrets.
	Compress *bool `json:"compress,omitempty"`
}

// Push configures the worker's push notifications (docs/push.md).
type Push struct {
	// Endpoint is the URL of the push API (swkit serve's, or package pushapi
	// in a Go program, mounted at this path) that the worker
	// tells about a renewed subscription: it fetches Endpoint+"public-key" and
	// posts to / deletes from Endpoint+"subscriptions". A path ending in "/"
	// on the worker's origin, or an https URL ending in "/". Default:
	// "/swkit/push/".
	Endpoint string `json:"endpoint,omitempty" schema:"pattern=/$"`
	// Title titles notifications whose message has none: plain-text and
	// empty messages. Default: the site's host name.
	Title string `json:"title,omitempty"`
	// Icon is the image URL of notifications whose message names none,
	// relative to the worker's scope or absolute.
	Icon string `json:"icon,omitempty"`
	// Badge is the badge image URL of notifications whose message names
	// none, relative to the worker's scope or absolute.
	Badge string `json:"badge,omitempty"`
}

// ManifestEntry is a URL to precache besides the site's files.
type ManifestEntry struct {
	// URL is relative to the worker, or absolute.
	URL string `json:"url"`
	// Revision tells versions of the URL's content apart; change it when
	// the content changes. Empty (or null): the URL itself carries the
	// version, and the worker never fetches it again.
	Revision string `json:"revision,omitempty"`
	// Integrity, when set, is the Subresource Integrity digest
	// ("sha256-...") the worker checks the download against.
	Integrity string `json:"integrity,omitempty"`
}

// TemplatedURL is what a templated URL is built from: the glob patterns of
// its files, or, written as a string in swkit.json, its revision.
type TemplatedURL struct {
	// Files are glob patterns relative to the site folder; the contents of
	// the files they select, in path order, make the revision.
	Files []string
	// Revision is used as it is when Files is empty.
	Revision string
}

// RuntimeCaching is one route of the worker's router.
type RuntimeCaching struct {
	// URLPattern selects the requests the route takes, by their URL. A
	// string is a regular expression written between slashes, with optional
	// flags ("/\\.png$/i", JavaScript syntax, tested against the full URL;
	// on another origin's URL only a match from its first character counts,
	// as in Workbox), or a path pattern ("/img", "/api/*", "/assets/**", or
	// an absolute "https://fonts.example/**") where * matches within one
	// path segment and ** across segments. It is a regular expression when
	// it has the form /source/flags and source holds one of
	// \ ^ $ ( ) [ ] { } | + ? or ".*", so "/api/users" and "/img/" stay path
	// patterns. A net/http ServeMux pattern ("/notes/{id}", "/files/{path...}")
	// is read as a path pattern, each wildcard one segment ({path...}: the
	// rest). In swkit.json an object selects by destination (and, with
	// "url", by URL too): {"destination": "image"}, {"destination":
	// ["style", "script"], "url": "/assets/**"}. Required, unless
	// Destination is set.
	URLPattern string `json:"urlPattern"`
	// Destination selects requests by what they load, the request's
	// destination: "document" (every page navigation), "image", "style",
	// "script", "font", "audio", "video", "worker", "manifest" ... One of
	// them must match, and URLPattern too when set. In swkit.json it is
	// urlPattern's object form.
	Destination []string `json:"-"`
	// Method is the HTTP method the route answers, uppercase. Default: "GET".
	Method string `json:"method,omitempty" schema:"pattern=^[A-Z0-9!#$%&'*+.^_\\x60|~-]+$"`
	// Handler is the strategy: cacheFirst, networkFirst,
	// staleWhileRevalidate, networkOnly or cacheOnly (Workbox's CacheFirst
	// etc. are accepted too, and normalised to these names). Required.
	Handler string `json:"handler" schema:"enum=cacheFirst|networkFirst|staleWhileRevalidate|networkOnly|cacheOnly|CacheFirst|NetworkFirst|StaleWhileRevalidate|NetworkOnly|CacheOnly"`
	// Options tune the strategy.
	Options RuntimeOptions `json:"options,omitempty"`
}

// RuntimeOptions are the options of one runtime route.
type RuntimeOptions struct {
	// CacheName names the route's cache. Default: "swkit-runtime", prefixed
	// by CacheID.
	CacheName string `json:"cacheName,omitempty"`
	// NetworkTimeoutSeconds makes networkFirst fall back to the cache when the
	// network has not answered in time. Only allowed with networkFirst.
	NetworkTimeoutSeconds float64 `json:"networkTimeoutSeconds,omitempty" schema:"minimum=0"`
	// Expiration limits the route's cache.
	Expiration *Expiration `json:"expiration,omitempty"`
	// CacheableResponse limits which responses are cached. Default: status 200
	// only; opaque responses (status 0) are cached only when listed.
	CacheableResponse *CacheableResponse `json:"cacheableResponse,omitempty"`
	// BroadcastUpdate tells open pages when a revalidated response differs
	// from the cached one.
	BroadcastUpdate *BroadcastUpdate `json:"broadcastUpdate,omitempty"`
	// BackgroundSync queues requests that fail for lack of network and
	// replays them later, with an Idempotency-Key.
	BackgroundSync *BackgroundSync `json:"backgroundSync,omitempty"`
	// RangeRequests answers a request with a Range header from a whole
	// response in the cache with the part asked for (206 Partial
	// Content), so audio and video seek offline. It applies to the
	// precache too, for the URLs the route matches. A Range request that the
	// cache cannot answer goes to the network, and its partial answer is
	// not stored: cache the whole file (precache it, or fetch it once
	// without a Range header).
	RangeRequests bool `json:"rangeRequests,omitempty"`
	// MatchOptions tune how the route's cache is searched.
	MatchOptions *MatchOptions `json:"matchOptions,omitempty"`
	// FetchOptions are given to the worker's fetch() of the network
	// request (RequestInit): credentials, mode, cache, redirect,
	// referrerPolicy. Not applied to page navigations, whose mode cannot
	// change.
	FetchOptions *FetchOptions `json:"fetchOptions,omitempty"`
}

// MatchOptions are the Cache Storage query options of a route.
type MatchOptions struct {
	// IgnoreSearch ignores the query string: /a?x=1 answers /a?x=2.
	IgnoreSearch bool `json:"ignoreSearch,omitempty"`
	// IgnoreVary ignores the cached response's Vary header.
	IgnoreVary bool `json:"ignoreVary,omitempty"`
	// IgnoreMethod answers a HEAD request with a cached GET.
	IgnoreMethod bool `json:"ignoreMethod,omitempty"`
}

// FetchOptions are the fetch() options of a route's network requests.
type FetchOptions struct {
	// Credentials: "omit", "same-origin" or "include" (send cookies to
	// another origin, which must allow it with CORS).
	Credentials string `json:"credentials,omitempty" schema:"enum=omit|same-origin|include"`
	// Mode: "cors", "no-cors" or "same-origin". "cors" on another origin's
	// images gives readable (not opaque) responses.
	Mode string `json:"mode,omitempty" schema:"enum=cors|no-cors|same-origin"`
	// Cache is the HTTP cache mode: "default", "no-store", "reload",
	// "no-cache", "force-cache" or "only-if-cached".
	Cache string `json:"cache,omitempty" schema:"enum=default|no-store|reload|no-cache|force-cache|only-if-cached"`
	// Redirect: "follow", "error" or "manual".
	Redirect string `json:"redirect,omitempty" schema:"enum=follow|error|manual"`
	// ReferrerPolicy is a Referrer-Policy value ("no-referrer", ...).
	ReferrerPolicy string `json:"referrerPolicy,omitempty"`
}

// Expiration evicts entries of a runtime cache.
type Expiration struct {
	// MaxEntries keeps at most this many entries, evicting the least
	// recently used.
	MaxEntries int `json:"maxEntries,omitempty" schema:"minimum=0"`
	// MaxAgeSeconds: entries older than this are not served and are
	// deleted.
	MaxAgeSeconds int `json:"maxAgeSeconds,omitempty" schema:"minimum=0"`
	// PurgeOnQuotaError empties this cache when the browser reports the
	// storage quota exceeded.
	PurgeOnQuotaError bool `json:"purgeOnQuotaError,omitempty"`
}

// CacheableResponse lists the responses a route may cache.
type CacheableResponse struct {
	// Statuses that may be cached; 0 is an opaque cross-origin response.
	// Default: [200].
	Statuses []int `json:"statuses,omitempty" schema:"minimum=0,maximum=599"`
	// Headers a response must carry, with these values, to be cached.
	Headers map[string]string `json:"headers,omitempty"`
}

// BroadcastUpdate tells open pages (message swkit:cache-updated) when a
// revalidated response differs from the cached one.
type BroadcastUpdate struct {
	// HeadersToCheck are compared to decide that a revalidated response
	// changed. Default: Content-Length, ETag, Last-Modified.
	HeadersToCheck []string `json:"headersToCheck,omitempty"`
}

// BackgroundSync configures the replay queue of a route.
type BackgroundSync struct {
	// Name names the queue. Default: "default".
	Name string `json:"name,omitempty"`
	// MaxRetentionTime is how many minutes a queued request is kept before
	// it is dropped (as in Workbox). Default: 10080 (7 days).
	MaxRetentionTime int `json:"maxRetentionTime,omitempty" schema:"minimum=0"`
}
