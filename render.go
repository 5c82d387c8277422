package swkit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/swkit/swkit/internal/manifest"
	"github.com/swkit/swkit/internal/sitebuild"
)

// An Option adds to a build what swkit.json cannot say: the pages of the
// program's own handlers.
type Option func(*options)

type options struct {
	renders []render
	prefix  string // Prefix, "/static/"; "" for none
}

// Prefix serves the files of the site under prefix ("/static/") while the
// worker and the page helper stay at the root ("/sw.js", "/swkit.js"): the
// layout of a Go app whose pages come from its own handlers and whose
// assets sit under a path of their own. A worker at the root controls
// every page of the origin without Service-Worker-Allowed; the precache
// names the files by their prefixed URLs. Mount the handler for the prefix
// and for the worker's files, which [Handler.Paths] lists, without
// http.StripPrefix: the handler strips the prefix itself.
func Prefix(prefix string) Option {
	return func(o *options) { o.prefix = prefix }
}

type render struct {
	h     http.Handler
	paths []string
}

// Render precaches the pages that h renders at paths ("/", "/notes",
// "/about"), as if they were files of the site: pages built by handlers
// from html/template, templ or any other code, so that they open offline.
//
// At build time (in [Build], [New], [WriteDir]...) each path is requested
// from h in process, as httptest would, with a GET carrying the headers of
// the worker's own precache download (Accept: */*), and the response is
// checked: a status other than 2xx, Cache-Control: no-store or Vary: * is
// an error of type *[RenderError] naming the path. Each page's revision is
// the digest of the bytes rendered, so a changed template or changed data
// gives a new worker, and nothing else does; the worker downloads the page
// from the server when it installs. Pages are rendered once per build: data
// that changes while the program runs reaches the worker at the next start.
// A page that renders differently each time (a timestamp, a per-request
// token) gets a warning, since every start would then make browsers update.
//
// Paths are as the browser requests them, from the site's root, and h
// must answer them as it answers the browser: pass the handler at the root
// of the server (the mux), not one under http.StripPrefix. The request has
// no cookies, so the pages are those an anonymous visitor gets.
func Render(h http.Handler, paths ...string) Option {
	return func(o *options) { o.renders = append(o.renders, render{h: h, paths: paths}) }
}

// RenderError is a page that Render could not precache.
type RenderError struct {
	Path   string // as given to Render
	Status int    // the status h answered, if it answered
	Err    error
}

func (e *RenderError) Error() string {
	return fmt.Sprintf("render %s: %v", e.Path, e.Err)
}

func (e *RenderError) Unwrap() error { return e.Err }

// ErrNotPrecacheable is wrapped by a RenderError for a response that must
// not be stored: Cache-Control: no-store, or Vary: *.
var ErrNotPrecacheable = errors.New("the response may not be stored")

// prepare collects opts, checks them and renders their pages.
func prepare(opts []Option) (*options, []sitebuild.Page, []Warning, error) {
	o := collect(opts)
	if err := o.check(); err != nil {
		return nil, nil, nil, err
	}
	pages, warns, err := o.pages(context.Background())
	if err != nil {
		return nil, nil, nil, err
	}
	return o, pages, warns, nil
}

// check returns an error for options that cannot be used.
func (o *options) check() error {
	if p := o.prefix; p != "" && (!strings.HasPrefix(p, "/") || !strings.HasSuffix(p, "/") || p == "/" || strings.Contains(p, "//")) {
		return fmt.Errorf("swkit.Prefix(%q): want a path that starts and ends with /, such as \"/static/\"", p)
	}
	return nil
}

// filePrefix is the prefix of the site's files' URLs, relative to the
// root ("static/").
func (o *options) filePrefix() string { return strings.TrimPrefix(o.prefix, "/") }

// pages renders the pages of opts for the precache.
func (o *options) pages(ctx context.Context) ([]sitebuild.Page, []Warning, error) {
	var (
		pages []sitebuild.Page
		warns []Warning
		seen  = map[string]bool{}
	)
	for _, r := range o.renders {
		for _, p := range r.paths {
			if err := checkRenderPath(p); err != nil {
				return nil, nil, &RenderError{Path: p, Err: err}
			}
			if seen[p] {
				return nil, nil, &RenderError{Path: p, Err: errors.New("given twice")}
			}
			seen[p] = true
			body, w, err := renderPage(ctx, r.h, p)
			if err != nil {
				return nil, nil, err
			}
			if again, _, err := renderPage(ctx, r.h, p); err == nil && !bytes.Equal(again, body) {
				warns = append(warns, Warning{Path: p, Message: "renders different bytes each time (a timestamp, a per-request token?): " +
					"each start then makes a new worker that every browser downloads"})
			}
			warns = append(warns, w...)
			sum := sha256.Sum256(body)
			pages = append(pages, sitebuild.Page{
				// No integrity: the data behind the page may change before
				// the worker installs, which must not fail the install.
				Entry: manifest.Entry{URL: p, Revision: hex.EncodeToString(sum[:8]), Size: int64(len(body))},
				Key:   "Render(" + strconv.Quote(p) + ")",
			})
		}
	}
	return pages, warns, nil
}

// checkRenderPath returns why p cannot be a page to render.
func checkRenderPath(p string) error {
	u, err := url.Parse(p)
	switch {
	case err != nil:
		return err
	case !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || u.Scheme != "" || u.Host != "":
		return errors.New(`want a path from the site's root, such as "/notes"`)
	case u.Fragment != "" || strings.Contains(p, "#"):
		return errors.New("a fragment is never sent to the server")
	}
	return nil
}

// renderPage requests p from h as the worker's precache download would.
func renderPage(ctx context.Context, h http.Handler, p string) ([]byte, []Warning, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p, nil)
	if err != nil {
		return nil, nil, &RenderError{Path: p, Err: err}
	}
	req.Host = "localhost"
	req.RemoteAddr = "127.0.0.1:0"
	req.RequestURI = p
	req.Header.Set("Accept", "*/*")
	rec := &recorder{header: http.Header{}}
	h.ServeHTTP(rec, req)
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	hdr := rec.header
	switch {
	case status < 200 || status > 299:
		msg := http.StatusText(status)
		if loc := hdr.Get("Location"); loc != "" {
			msg += " to " + loc + ": render the page it leads to"
		} else if line, _, _ := strings.Cut(strings.TrimSpace(rec.body.String()), "\n"); line != "" && len(line) < 200 {
			msg += ": " + line
		}
		return nil, nil, &RenderError{Path: p, Status: status, Err: fmt.Errorf("status %d %s", status, msg)}
	case hasToken(hdr.Values("Cache-Control"), "no-store"):
		return nil, nil, &RenderError{Path: p, Status: status, Err: fmt.Errorf("%w: the handler sends Cache-Control: no-store; send no-cache to have it revalidated instead", ErrNotPrecacheable)}
	case hasToken(hdr.Values("Vary"), "*"):
		return nil, nil, &RenderError{Path: p, Status: status, Err: fmt.Errorf("%w: the handler sends Vary: *", ErrNotPrecacheable)}
	}
	var warns []Warning
	if len(hdr.Values("Set-Cookie")) > 0 {
		warns = append(warns, Warning{Path: p, Message: "sets a cookie: the precached copy is the same for every visitor, without it"})
	}
	return rec.body.Bytes(), warns, nil
}

// hasToken reports whether a comma-separated header holds token.
func hasToken(values []string, token string) bool {
	for _, v := range values {
		for t := range strings.SplitSeq(v, ",") {
			name, _, _ := strings.Cut(t, "=")
			if strings.EqualFold(strings.TrimSpace(name), token) {
				return true
			}
		}
	}
	return false
}

// recorder is the http.ResponseWriter of a rendered page.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}

// Flush lets handlers that flush (streamed templates) render too.
func (r *recorder) Flush() {}
