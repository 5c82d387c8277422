package swkit

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"

	"github.com/swkit/swkit/server"
)

// Handler serves a site and its service worker. It is safe for concurrent use.
type Handler struct {
	files  *server.Handler
	result *Result // nil when the site brought its own worker
	close  func() error
}

// New returns a handler that serves the files of fsys and a service worker
// for them, configured by cfg: [Build], then [server.New] over the result.
//
// At start-up New lists and hashes the files that cfg selects and generates
// the worker (cfg.SwDest, default /sw.js) and the page helper (/swkit.js) in
// memory, byte for byte what `swkit build` writes for the same files and
// config. When fsys already holds a file at cfg.SwDest, it is taken to be a
// worker built beforehand: nothing is generated (unless cfg.KillSwitch asks
// for the kill switch), and that file and the folder's own swkit.js are
// served as they are. Either way a restart is needed to pick up changed
// files; fsys is read again on every request, so it should not change while
// the handler is in use.
//
// The responses are those of package server: content ETags with 304 and
// ranges, no-cache for the worker and HTML, a year of immutable caching for
// fingerprinted names (the precache's own rule), no dotfiles, no paths out
// of the root, no build inputs (swkit.json at the root answers 404). For a
// folder on disk, pass the FS of an os.Root, which refuses symbolic links
// out of the folder, or use [NewDir].
//
// An invalid option is a *config.Error naming its key. Options add what
// swkit.json cannot say, such as [Render] for the pages of the program's
// own handlers.
func New(fsys fs.FS, cfg Config, opts ...Option) (*Handler, error) {
	if fsys == nil {
		return nil, errors.New("swkit.New: nil file system")
	}
	cfg, err := checked(cfg)
	if err != nil {
		return nil, err
	}
	return newHandler(fsys, cfg, nil, func() (*Result, error) { return Build(fsys, cfg, opts...) })
}

// newHandler serves fsys with cfg: the output of build when the site has no
// worker of its own or cfg asks for the kill switch, else the site as it is.
func newHandler(fsys fs.FS, cfg Config, hidden []string, build func() (*Result, error)) (*Handler, error) {
	h := &Handler{}
	var generated map[string][]byte
	switch _, err := fs.Stat(fsys, cfg.SwDest); {
	case errors.Is(err, fs.ErrNotExist) || cfg.KillSwitch:
		res, err := build()
		if err != nil {
			return nil, err
		}
		h.result, generated = res, res.Generated()
	case err != nil:
		return nil, fmt.Errorf("look for %s: %w", cfg.SwDest, err)
	}
	files, err := server.New(fsys, cfg, server.Options{Generated: generated, Hidden: hidden})
	if err != nil {
		return nil, err
	}
	h.files = files
	return h, nil
}

// ServeHTTP serves the file, worker or page helper named by r.URL.Path.
// Error responses are short plain text that reveals nothing of the site.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.files.ServeHTTP(w, r)
}

// Result returns the build that generated the worker, or nil when the site
// brought its own. Log its Warnings at start-up.
func (h *Handler) Result() *Result { return h.result }

// Close releases the folder a handler from [NewDir] serves; for one from
// [New] it does nothing.
func (h *Handler) Close() error {
	if h.close == nil {
		return nil
	}
	return h.close()
}
