package swkit

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"strings"

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/server"
)

// Handler serves a site and its service worker. It is safe for concurrent use.
type Handler struct {
	files  *server.Handler
	result *Result // nil when the site brought its own worker
	close  func() error
	links
	// root are the paths served at the root with a Prefix: the worker, the
	// page helper, the manifest parts.
	root map[string]bool
}

// links are the paths of a site's worker, page helper and files.
type links struct {
	swDest string
	prefix string // Prefix's ("/static/"), or ""
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
	h, err := newHandler(fsys, cfg, nil, func() (*Result, error) { return Build(fsys, cfg, opts...) })
	if err != nil {
		return nil, err
	}
	h.setPrefix(collect(opts).prefix)
	return h, nil
}

// setPrefix serves the site's files under prefix (Prefix) and the
// generated files at the root.
func (h *Handler) setPrefix(prefix string) {
	h.prefix = prefix
	if prefix == "" {
		return
	}
	h.root = map[string]bool{}
	if h.result != nil {
		for name := range h.result.Generated() {
			h.root["/"+name] = true
		}
	}
}

// newHandler serves fsys with cfg: the output of build when the site has no
// worker of its own or cfg asks for the kill switch, else the site as it is.
func newHandler(fsys fs.FS, cfg Config, hidden []string, build func() (*Result, error)) (*Handler, error) {
	h := &Handler{links: links{swDest: cfg.SwDest}}
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
	if h.prefix == "" || h.root[r.URL.Path] {
		h.files.ServeHTTP(w, r)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, h.prefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/" + rest
	r2.URL.RawPath = ""
	h.files.ServeHTTP(w, r2)
}

// WorkerURL is the path of the worker, to register: "/sw.js", or
// "/"+Config.SwDest.
func (l links) WorkerURL() string { return "/" + l.swDest }

// PageHelperURL is the path of the page helper, to import: "/swkit.js".
func (l links) PageHelperURL() string { return "/" + PageHelper }

// AssetURL is the path of the site's file name ("app.css"): under the
// prefix with [Prefix] ("/static/app.css"), else from the root.
func (l links) AssetURL(name string) string {
	return cmp.Or(l.prefix, "/") + strings.TrimPrefix(name, "/")
}

// Paths are the paths to mount the handler at, in http.ServeMux syntax:
// "/" for a site at the root; with [Prefix], the prefix and each file the
// handler serves at the root (the worker, the page helper).
func (h *Handler) Paths() []string {
	if h.prefix == "" {
		return []string{"/"}
	}
	paths := []string{h.prefix}
	for p := range h.root {
		paths = append(paths, "GET "+p)
	}
	slices.Sort(paths[1:])
	return paths
}

// TemplateFuncs is [TemplateFuncs] for the handler's config and options.
func (h *Handler) TemplateFuncs() template.FuncMap { return h.links.funcs() }

// TemplateFuncs are functions for html/template pages that link the site
// that [New] serves with cfg and opts (the same, so that the links agree):
// swkitWorker and swkitPageHelper (the paths to register and import),
// swkitAsset "app.css" (a file's path, with the [Prefix]), and
// swkitRegister, a module script that registers the worker (for pages whose
// Content-Security-Policy allows inline scripts). They are known before New,
// so the pages that [Render] precaches can use them.
func TemplateFuncs(cfg Config, opts ...Option) template.FuncMap {
	return links{swDest: config.Defaults(cfg).SwDest, prefix: collect(opts).prefix}.funcs()
}

func (h links) funcs() template.FuncMap {
	return template.FuncMap{
		"swkitWorker":     h.WorkerURL,
		"swkitPageHelper": h.PageHelperURL,
		"swkitAsset":      h.AssetURL,
		"swkitRegister": func() template.HTML {
			helper, _ := json.Marshal(h.PageHelperURL()) // JSON escapes <, > and &: no </script> can slip in
			worker, _ := json.Marshal(h.WorkerURL())
			return template.HTML(`<script type="module">import { register } from ` + string(helper) + `; register(` + string(worker) + `);</script>`)
		},
	}
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
