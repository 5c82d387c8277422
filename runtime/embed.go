// Package swruntime embeds the JavaScript runtime of swkit: the service-worker
// modules under sw/ and the page helper under page/. They are real ES modules;
// internal/swgen bundles the ones a config needs.
//
// The directory is named runtime, as docs/architecture.md lays out the tree; the
// package is named swruntime so that importers do not shadow the standard
// library's runtime package.
package swruntime

import "embed"

// FS holds sw/**/*.js, page/*.js, killswitch/*.js and dev/*.js (swkit dev's
// reload client, served by it alone), with paths such as "sw/precache.js".
//
//go:embed sw page killswitch dev
var FS embed.FS
