// Package server serves a site that swkit built: its files, its service
// worker and the page helper, with the headers a service worker relies on.
//
// It generates nothing, so it does not link the worker generator: a Go
// program whose worker was built beforehand (by `swkit build`, for instance
// from go generate) serves it with this package and stays small. Package
// swkit builds the worker at start-up and serves it through this same
// package, so both answer every request alike.
//
//	//go:generate go run github.com/swkit/swkit/cmd/swkit build site
//	//go:embed site
//	var site embed.FS
//
//	sub, _ := fs.Sub(site, "site")
//	cfg, err := config.LoadFS(sub, "swkit.json")
//	...
//	h, err := server.New(sub, cfg, server.Options{})
//
// What the handler sends:
//
//   - Only GET and HEAD; anything else is 405 with Allow.
//   - "/" and "/dir/" serve index.html; "/dir" redirects to "/dir/"; there
//     are no directory listings.
//   - Strong ETags computed from the content (embed.FS has no modification
//     times, and none are needed), with 304 answers and ranges.
//   - Cache-Control no-cache for the worker, HTML, the web app manifest and
//     every file whose name carries no fingerprint; fingerprinted names
//     (cfg.DontCacheBustURLsMatching, the same rule the precache uses) are
//     cached for a year as immutable. What the worker trusts never to change
//     is exactly what browsers may keep.
//   - Types from the extension, never sniffed; precompressed .br and .gz
//     siblings when present, else gzip on the fly (cfg.Server.Compress).
//   - cfg.Server's headers on every response, and Service-Worker-Allowed
//     with the worker when cfg.Server.ServiceWorkerAllowed is set.
//
// To face the internet, serve it with [HTTPServer], as swkit serve does: it
// caps headers and cuts request bodies and downloads that stop moving.
//
// Security: dotfiles, dot-folders (but for /.well-known/ at the root, RFC
// 8615, served when fsys has it), paths that could leave the root and the
// build's inputs (the config file, swkit.json at the root and any
// Options.Hidden) answer 404. A symbolic link is followed wherever fsys lets
// it lead: for a folder on disk, pass the FS of an os.Root, which refuses
// links out of the folder, rather than os.DirFS, which follows them. Error
// responses are short plain text that reveal nothing of fsys.
package server

import (
	"errors"
	"io/fs"
	"net/http"
	"regexp"

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/static"
)

// ConfigFile is the config file's default name, at the site's root. It is a
// build input, never served.
const ConfigFile = "swkit.json"

// Options are what the handler needs besides the site and its config.
type Options struct {
	// Generated are files a build produced, by slash path ("sw.js",
	// "swkit.js", manifest parts), served from memory in place of files of
	// the same name in fsys; swkit.Result.Files gives them. Nil when fsys
	// holds the output of swkit build.
	Generated map[string][]byte
	// Hidden are further paths in fsys that are build inputs, answered 404
	// like missing files: a config file at another path, a worker source.
	// swkit.json at the root always is.
	Hidden []string
}

// Handler serves a site. It is safe for concurrent use.
type Handler struct {
	files *static.Handler
}

// New returns a handler serving fsys as cfg configures it. cfg is checked as
// swkit.json is (a *config.Error names the key at fault) and takes its
// defaults.
func New(fsys fs.FS, cfg config.Config, opts Options) (*Handler, error) {
	if fsys == nil {
		return nil, errors.New("server.New: nil file system")
	}
	cfg, err := config.Checked(cfg)
	if err != nil {
		return nil, err
	}
	var hashed func(string) bool // nil: the default rule
	if re := cfg.DontCacheBustURLsMatching; re != "" {
		hashed = regexp.MustCompile(re).MatchString // Validate compiled it
	}
	files, err := static.New(fsys, static.Options{
		Files:                opts.Generated,
		Hidden:               append([]string{ConfigFile}, opts.Hidden...),
		Headers:              cfg.Server.ResponseHeaders(),
		ServiceWorkerAllowed: cfg.Server.ServiceWorkerAllowed,
		SwDest:               cfg.SwDest,
		IsHashedName:         hashed,
		Compress:             cfg.Server.CompressOn(),
	})
	if err != nil {
		return nil, err
	}
	return &Handler{files: files}, nil
}

// ServeHTTP serves the file, worker or page helper named by r.URL.Path.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.files.ServeHTTP(w, r)
}
