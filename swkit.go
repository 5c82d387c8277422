package swkit

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strings"

	"github.com/swkit/swkit/internal/sitebuild"
	"github.com/swkit/swkit/internal/static"
)

// Handler serves a site and its service worker. It is safe for concurrent use.
type Handler struct {
	files    *static.Handler
	manifest []PrecacheEntry
	warnings []string
}

// PrecacheEntry is one file the generated worker precaches.
type PrecacheEntry struct {
	// URL is relative to the worker's folder, slash-separated and
	// percent-encoded ("css/app.css").
	URL string
	// Revision is a hash of the content, or "" for a file whose name carries
	// one (see Options.DontCacheBustURLsMatching).
	Revision string
	// Integrity is the subresource-integrity digest ("sha256-...") the worker
	// checks the downloaded file against.
	Integrity string
	// Size is the file's length in bytes.
	Size int64
}

// New returns a handler that serves the files of fsys, and a service worker
// for them, configured by opts.
//
// At start-up, New lists and hashes the files that opts select and generates
// the worker (opts.SwDest, default /sw.js) and the page helper (/swkit.js) in
// memory, byte for byte what `swkit build` writes for the same files and
// options. When fsys already holds a file at opts.SwDest, it is taken to be a
// worker built beforehand: nothing is generated, and that file and the folder's
// own swkit.js are served as they are. Either way a restart is needed to pick
// up changed files; fsys is read again on every request, so it should not
// change while the handler is in use.
//
// Files are served with headers fit for a site with a service worker: strong
// ETags computed from the content (embed.FS has no modification times, and
// none are needed) with 304 answers and ranges; Cache-Control no-cache for the
// worker, HTML and everything else except fingerprinted names, which are cached
// for a year as immutable; types from the extension, never sniffed;
// precompressed .br and .gz siblings when present. Only GET and HEAD are
// allowed. "/" and "/dir/" serve index.html, and there are no directory
// listings.
//
// Security: dotfiles, dot-folders and paths that could leave the root answer
// 404. A symbolic link is followed wherever fsys lets it lead: for a folder on
// disk, pass the FS of an os.Root (os.OpenRoot(dir) then Root.FS), which
// refuses links out of the folder, rather than os.DirFS, which follows them.
//
// New returns an error, naming the option, when opts are invalid by the rules
// of swkit.json, or when a file cannot be read.
func New(fsys fs.FS, opts Options) (*Handler, error) {
	if fsys == nil {
		return nil, errors.New("swkit: nil file system")
	}
	cfg, err := opts.workerConfig()
	if err != nil {
		return nil, err
	}
	h := &Handler{}
	files := map[string][]byte{}
	switch _, err := fs.Stat(fsys, cfg.SwDest); {
	case errors.Is(err, fs.ErrNotExist):
		out, err := sitebuild.Build(fsys, cfg)
		if err != nil {
			return nil, fmt.Errorf("swkit: %w", err)
		}
		files[cfg.SwDest] = out.Worker
		files[sitebuild.PageHelperName] = out.PageHelper
		for name, data := range out.Imports { // a large site's manifest parts
			files[name] = data
		}
		h.manifest = make([]PrecacheEntry, len(out.Manifest.Entries))
		for i, e := range out.Manifest.Entries {
			h.manifest[i] = PrecacheEntry{URL: e.URL, Revision: e.Revision, Integrity: e.Integrity, Size: e.Size}
		}
		for _, w := range out.Manifest.Warnings {
			msg := w.Message
			if !strings.Contains(msg, w.Path) {
				msg = w.Path + ": " + msg
			}
			h.warnings = append(h.warnings, msg)
		}
	case err != nil:
		return nil, fmt.Errorf("swkit: look for %s: %w", cfg.SwDest, err)
	}
	h.files, err = static.New(fsys, static.Options{
		Files:                files,
		Headers:              opts.Headers,
		ServiceWorkerAllowed: opts.ServiceWorkerAllowed,
		SwDest:               cfg.SwDest,
		IsHashedName:         opts.hashedName(),
		Compress:             opts.Compress,
	})
	if err != nil {
		// The server's errors name the option too (Headers, ...).
		return nil, errors.New("swkit: " + strings.TrimPrefix(err.Error(), "static: "))
	}
	return h, nil
}

// ServeHTTP serves the file, worker or page helper named by r.URL.Path.
// Error responses are short plain text that reveals nothing of fsys.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.files.ServeHTTP(w, r)
}

// Manifest returns the files the generated worker precaches, sorted by URL,
// the page helper included. It is nil when fsys brought its own worker. The
// slice is a copy.
func (h *Handler) Manifest() []PrecacheEntry {
	if h.manifest == nil {
		return nil
	}
	return append([]PrecacheEntry(nil), h.manifest...)
}

// Warnings returns what a person may want to know about the precache, one
// line per file, each naming the file: files left out for their size, say.
// Log them at start-up.
func (h *Handler) Warnings() []string {
	return append([]string(nil), h.warnings...)
}
