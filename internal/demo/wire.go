package demo

// The seam between the demo and the packages that build and serve the worker.
// newSite calls only these two.

import (
	"io/fs"
	"net/http"

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/sitebuild"
	"github.com/swkit/swkit/internal/static"
)

// buildWorker returns the worker (sw.js) and the page helper (swkit.js) for
// site, through the path `swkit build` takes (manifest.Build over site plus
// swkit.js, then swgen.Generate), so the demo's worker is the one a build of
// the same folder would write.
func buildWorker(site fs.FS, cfg config.Config) (worker, helper []byte, err error) {
	out, err := sitebuild.Build(site, config.Defaults(cfg))
	if err != nil {
		return nil, nil, err
	}
	return out.Worker, out.PageHelper, nil
}

// fileServer serves site with the generated files overlaid.
func fileServer(site fs.FS, files map[string][]byte) (http.Handler, error) {
	return static.New(site, static.Options{Files: files})
}
