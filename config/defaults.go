package config

import (
	"net/url"
	"slices"
)

// Default values that Defaults fills in.
const (
	DefaultMaximumFileSizeToCacheInBytes = 2 << 20 // 2 MiB, as Workbox
	DefaultSwDest                        = "sw.js"
	DefaultDirectoryIndex                = "index.html"
	DefaultMethod                        = "GET"
	DefaultRuntimeCacheName              = "swkit-runtime"
	DefaultPushEndpoint                  = "/swkit/push/"
)

// DefaultGlobPatterns, DefaultGlobIgnores and
// DefaultIgnoreURLParametersMatching are the lists Defaults fills in; callers
// must not modify them.
var (
	DefaultGlobPatterns = []string{"**/*"}
	// DefaultGlobIgnores are files that sit in a site folder but that no
	// page fetches: what copying an npm package's dist folder brings along.
	DefaultGlobIgnores = []string{
		"**/*.map",
		"**/node_modules/**",
		"**/package.json",
		"**/package-lock.json",
	}
	DefaultIgnoreURLParametersMatching = []string{"^utm_", "^fbclid$"}
)

// Defaults returns c with every unset option set to its default. It does not
// modify c: slices and pointers it changes are copies.
func Defaults(c Config) Config {
	if len(c.GlobPatterns) == 0 {
		c.GlobPatterns = slices.Clone(DefaultGlobPatterns)
	}
	if len(c.GlobIgnores) == 0 {
		c.GlobIgnores = slices.Clone(DefaultGlobIgnores)
	}
	if c.MaximumFileSizeToCacheInBytes == 0 {
		c.MaximumFileSizeToCacheInBytes = DefaultMaximumFileSizeToCacheInBytes
	}
	if c.SwDest == "" {
		c.SwDest = DefaultSwDest
	}
	if c.DirectoryIndex == "" {
		c.DirectoryIndex = DefaultDirectoryIndex
	}
	if len(c.IgnoreURLParametersMatching) == 0 {
		c.IgnoreURLParametersMatching = slices.Clone(DefaultIgnoreURLParametersMatching)
	}
	if c.CleanupOutdatedCaches == nil {
		on := true
		c.CleanupOutdatedCaches = &on
	}
	if c.RuntimeCaching != nil {
		c.RuntimeCaching = slices.Clone(c.RuntimeCaching)
		for i := range c.RuntimeCaching {
			r := &c.RuntimeCaching[i]
			if r.Method == "" {
				r.Method = DefaultMethod
			}
			if r.Options.CacheName == "" {
				r.Options.CacheName = DefaultRuntimeCacheName
			}
		}
	}
	if c.Server.Compress == nil {
		on := true
		c.Server.Compress = &on
	}
	if c.Push != nil {
		p := *c.Push
		if p.Endpoint == "" {
			p.Endpoint = DefaultPushEndpoint
		}
		c.Push = &p
	}
	return c
}

// PushPath is the path on the site where the push API answers, to mount it
// at (with http.StripPrefix): the path of push.endpoint, or DefaultPushEndpoint
// when push is off or the endpoint unset. An endpoint on another origin
// still gives its path.
func (c Config) PushPath() string {
	if c.Push == nil || c.Push.Endpoint == "" {
		return DefaultPushEndpoint
	}
	u, err := url.Parse(c.Push.Endpoint)
	if err != nil || u.Path == "" {
		return DefaultPushEndpoint // Validate refuses these
	}
	return u.Path
}
