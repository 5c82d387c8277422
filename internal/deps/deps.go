// Package deps pins modules that packages under construction import, so that a
// `go mod tidy` run while they are being written keeps them. Remove it once every
// module listed is imported by real code.
package deps

import (
	_ "github.com/andybalholm/brotli"
	_ "github.com/bmatcuk/doublestar/v4"
	_ "github.com/chromedp/chromedp"
	_ "github.com/evanw/esbuild/pkg/api"
	_ "github.com/rogpeppe/go-internal/testscript"
)
