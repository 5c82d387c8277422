package sitebuild

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/manifest"
)

// checkPrecachedPages returns an error when navigateFallback or offlinePage
// names no file of the precache: the worker would then have nothing to answer
// those navigations with, and nothing in the browser would say why. The URL
// is looked up as the worker looks it up (runtime/sw/precache.js, keyFor):
// resolved against the worker's own URL, without its fragment and ignored
// query parameters, then as is, with directoryIndex after a "/", or with
// ".html" appended.
func checkPrecachedPages(cfg config.Config, entries []manifest.Entry) error {
	if cfg.NavigateFallback == "" && cfg.OfflinePage == "" {
		return nil // nothing to look up; skip indexing every URL
	}
	// Any origin does: only paths are compared.
	base, err := url.Parse("https://site.invalid/" + cfg.SwDest)
	if err != nil {
		return fmt.Errorf("swDest: %w", err)
	}
	precached := make(map[string]bool, len(entries))
	for _, e := range entries {
		u, err := base.Parse(e.URL)
		if err != nil {
			continue // never the case for manifest URLs
		}
		precached[u.String()] = true
	}
	var ignore []*regexp.Regexp
	for _, p := range cfg.IgnoreURLParametersMatching {
		// config.Validate has rejected what Go and JavaScript read differently.
		if re, err := regexp.Compile(p); err == nil {
			ignore = append(ignore, re)
		}
	}
	for _, page := range []struct{ key, url string }{
		{"navigateFallback", cfg.NavigateFallback},
		{"offlinePage", cfg.OfflinePage},
	} {
		if page.url == "" || isPrecached(base, page.url, cfg.DirectoryIndex, ignore, precached) {
			continue
		}
		return &config.Error{Key: page.key, Msg: fmt.Sprintf(
			"%q is not a precached file (after globPatterns, globIgnores and maximumFileSizeToCacheInBytes): "+
				"precache it, or name one that is, relative to %s or from the site's root (\"/index.html\")",
			page.url, cfg.SwDest)}
	}
	return nil
}

func isPrecached(base *url.URL, ref, directoryIndex string, ignore []*regexp.Regexp, precached map[string]bool) bool {
	u, err := base.Parse(ref)
	if err != nil {
		return false
	}
	u.Fragment, u.RawFragment = "", ""
	if u.RawQuery != "" {
		q := u.Query()
		for name := range q {
			for _, re := range ignore {
				if re.MatchString(name) {
					q.Del(name)
					break
				}
			}
		}
		u.RawQuery = q.Encode()
	}
	if precached[u.String()] {
		return true
	}
	if strings.HasSuffix(u.Path, "/") {
		if directoryIndex == "" {
			return false
		}
		u.Path += directoryIndex
		return precached[u.String()]
	}
	u.Path += ".html"
	return precached[u.String()]
}
