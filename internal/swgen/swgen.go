// Package swgen generates sw.js: it bundles the runtime modules a config
// needs (runtime/sw), the precache manifest and the config's options into one
// minified script, in-process with esbuild's Go API. It also bundles the page
// helper (runtime/page) served as /swkit.js.
//
// The output is deterministic: the same config and entries, in any order, give
// the same bytes, so that a rebuild with no change never makes browsers
// install a new worker.
package swgen

import (
	"slices"
	"strings"
	"sync"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/manifest"
)

// Banner is the first line of every generated worker.
const Banner = "/* swkit service worker — generated, do not edit */"

// PageHelperBanner is the first line of the page helper.
const PageHelperBanner = "/* swkit page helper — generated, do not edit */"

// Banners are the first lines of every file swkit writes: a file that starts
// with one of them, then a line break, is swkit's to replace or remove.
var Banners = []string{Banner, PageHelperBanner, InjectBanner, KillSwitchBanner, ManifestBanner}

// Generate returns sw.js: the runtime modules that cfg needs, the manifest and
// cfg's options, bundled and minified; the manifest is always inline (see
// GenerateWorker for large sites). Deterministic: same inputs, same bytes.
// Unset options take config.Defaults (applying it twice changes nothing).
// Errors name the option at fault, or carry esbuild's file:line text.
func Generate(cfg config.Config, entries []manifest.Entry) ([]byte, error) {
	return bundleWorker(cfg, workerManifest(precacheEntries(entries)), "")
}

// bundleWorker bundles sw.js for cfg with the manifest given as a
// JavaScript expression and prelude run first (see entrySource).
func bundleWorker(cfg config.Config, manifestJS, prelude string) ([]byte, error) {
	if len(cfg.ImportScripts) > 0 {
		// First, as Workbox does: the scripts may add listeners of their own.
		prelude = "importScripts(" + strings.Trim(jsonText(cfg.ImportScripts), "[]") + ");\n" + prelude
	}
	source, err := entrySource(config.Defaults(cfg), manifestJS, prelude)
	if err != nil {
		return nil, err
	}
	return bundle(entryPath, source, api.FormatIIFE, Banner)
}

var pageHelper struct {
	once sync.Once
	code []byte
	err  error
}

// PageHelper returns the page helper ES module (served as /swkit.js). It is
// bundled on the first call and cached; each call returns a fresh copy.
func PageHelper() ([]byte, error) {
	pageHelper.once.Do(func() {
		pageHelper.code, pageHelper.err = bundle("page/register.js", "", api.FormatESModule, PageHelperBanner)
	})
	return slices.Clone(pageHelper.code), pageHelper.err
}
