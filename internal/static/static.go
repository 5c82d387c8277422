// Package static is swkit's production file server: one [http.Handler] over an
// [fs.FS] with the headers a site with a service worker needs.
//
//   - Only GET and HEAD; anything else is 405 with Allow.
//   - "/" and "/dir/" serve index.html; "/dir" redirects to "/dir/"; there are
//     no directory listings.
//   - Dotfiles, dot-folders and any path that could leave the root are 404,
//     never 403, so that nothing is revealed (see [Resolve]). The exception
//     is "/.well-known/" at the root (RFC 8615), served when the folder has it.
//   - Strong ETags from the content, so revalidation is exact and works for
//     embed.FS, which has no modification times; conditional and range
//     requests are left to [http.ServeContent], except that a Range of more
//     than [MaxRanges] ranges, or of overlapping ones, is ignored (see
//     [WithoutAbusiveRange]). No Last-Modified is sent: a
//     deploy that moves a file's time backwards must not produce a false 304.
//   - Content-Type from a fixed extension table, never sniffed
//     (X-Content-Type-Options: nosniff), unknown types as
//     application/octet-stream.
//   - Cache-Control: no-cache for the worker script, in-memory files, HTML and
//     the web app manifest; "public, max-age=31536000, immutable" for
//     fingerprinted names; no-cache (revalidated by ETag) for the rest.
//   - Precompressed siblings ("app.js.br", "app.js.gz") served with
//     Content-Encoding and their own ETag when the client accepts them, and
//     optionally gzip on the fly. Only compressible types look for siblings,
//     and every response of such a path carries Vary: Accept-Encoding. A
//     sibling is also an ordinary file at its own URL ("/app.js.gz" is served
//     as application/gzip without Content-Encoding): it holds the same
//     public content, so hiding it would protect nothing. Siblings must be
//     regenerated with their originals; a stale one is served as it is.
//   - Every request stats the file, so a change on disk is served on the next
//     request. What a version of a file needs is cached per name (see
//     filecache.go): its ETag (so a file is hashed once per version), its
//     headers, and for files up to 128 KiB (32 MiB in all) the content itself,
//     answered from memory with one Write and no open; larger files are sent
//     from the file (sendfile). net/http sends a body over 2 KiB written in
//     one Write as two writes (its 4 KiB connection buffer); on a server whose
//     connections are wrapped by package coalesce, as swkit serve's are,
//     header and body go out in one write instead. Plain net/http servers
//     are unaffected. A version is its size, modification time and
//     mode, plus inode and change time on Linux. A file modified under 2
//     seconds ago is read from disk, as it may change again within the same
//     timestamp tick.
//
// # Security
//
// Resolve rejects anything lexically unsafe, but a symbolic link inside the
// folder can still point anywhere. Callers must therefore pass the FS of an
// [os.Root] ([os.OpenRoot] then [os.Root.FS]), which refuses to follow a link
// out of the root, and never [os.DirFS], which follows it:
//
//	root, err := os.OpenRoot(dir)
//	...
//	h, err := static.New(root.FS(), static.Options{})
//
// Any failure to open or stat a file (missing, permission denied, a link out
// of the root, a file used as a folder) is answered 404, so that the status
// never tells one case from another. Error responses are short plain text
// ("Not Found") without caching headers; they never contain a path or a Go
// error. Only an I/O error while hashing or compressing an opened file is 500.
package static

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/textproto"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/coalesce"
)

// Options configures a [Handler]. The zero value serves the folder as is.
type Options struct {
	// Files are in-memory files (a generated "sw.js", "swkit.js") served in
	// place of any file of the same name in the folder. Keys are slash paths
	// without a leading slash and must pass [Resolve]. New copies the contents
	// and computes their ETags once. They are sent with no-cache, except
	// those whose name [DefaultHashedName] calls fingerprinted (a worker's
	// content-addressed imports, "swkit-manifest.3f9a1c2b0d4e5f60.js"),
	// which are immutable like such files on disk; and a precompressed
	// sibling on disk ("sw.js.br") is never used for them nor
	// served at its own URL, since it would be a stale copy.
	Files map[string][]byte

	// Headers are added to every response, errors and redirects included
	// (Content-Security-Policy, Strict-Transport-Security, ...). Headers the
	// handler manages itself (config.ManagedHeaders) are rejected by New,
	// with a *config.Error, rather than silently overridden.
	Headers map[string]string

	// ServiceWorkerAllowed, when set, is sent as Service-Worker-Allowed with
	// the worker script, letting it control a scope above its own folder.
	// Caveat: a wider scope lets that script intercept every page under it.
	ServiceWorkerAllowed string

	// SwDest is the worker script's path in the folder. Default "sw.js".
	SwDest string

	// IsHashedName reports whether a file's name (a slash path such as
	// "assets/app.3f2a9c1b.js") carries a content fingerprint, so that it may
	// be cached for a year as immutable. Nil means [DefaultHashedName].
	// Caveat: a false positive pins a changing file in browsers for a year.
	// HTML, the web app manifest and the worker are never treated as hashed.
	IsHashedName func(name string) bool

	// Hidden are paths of files in fsys that answer 404 as if absent, with
	// their precompressed siblings: the inputs of a build, such as its
	// config file, which a site never serves.
	Hidden []string

	// Compress gzips compressible responses (text types, SVG, JSON, wasm...)
	// larger than 1 KB on the fly when no precompressed sibling exists and the
	// client accepts gzip, at level 6. Bodies are cached per ETag (up to 64
	// MiB in all, evicted entry by entry; files up to 8 MiB), and concurrent
	// requests for one version compress it once. Default false: precompress
	// at build time instead.
	// Caveat: like any compression of responses that mix secrets with
	// attacker-controlled text, it enables BREACH-style attacks; static files
	// normally carry no secrets.
	Compress bool
}

// Handler serves a folder. It is safe for concurrent use.
type Handler struct {
	fsys     fs.FS
	files    map[string]*memFile
	headers  []header
	swDest   string
	swAllow  []string
	hidden   map[string]bool
	isHashed func(string) bool
	compress bool

	cache fileCache
	gzips gzipCache
}

type header struct {
	key  string // canonical
	vals []string
}

// memFile is an in-memory file with everything precomputed.
type memFile struct {
	data   []byte
	etag   []string
	length []string // Content-Length
	ti     typeInfo
	cc     []string // Cache-Control
}

// Prebuilt header values (len == cap, see typeInfo).
var (
	noCache      = []string{"no-cache"}
	immutable    = []string{"public, max-age=31536000, immutable"}
	nosniff      = []string{"nosniff"}
	allowed      = []string{"GET, HEAD"}
	varyEncode   = []string{"Accept-Encoding"}
	acceptRanges = []string{"bytes"}
	textPlain    = []string{"text/plain; charset=utf-8"}
)

// New returns a handler serving fsys with opts. It returns an error for an
// invalid option: a Files key or SwDest that Resolve rejects, a header that is
// malformed or managed by the handler.
func New(fsys fs.FS, opts Options) (*Handler, error) {
	if fsys == nil {
		return nil, errors.New("static: nil file system")
	}
	h := &Handler{
		fsys:     fsys,
		files:    make(map[string]*memFile, len(opts.Files)),
		swDest:   opts.SwDest,
		isHashed: opts.IsHashedName,
		compress: opts.Compress,
	}
	if h.swDest == "" {
		h.swDest = "sw.js"
	}
	if err := checkFileName(h.swDest); err != nil {
		return nil, fmt.Errorf("static: SwDest %q: %w", h.swDest, err)
	}
	if h.isHashed == nil {
		h.isHashed = DefaultHashedName
	}
	if v := opts.ServiceWorkerAllowed; v != "" {
		if !config.ValidHeaderValue(v) {
			return nil, fmt.Errorf("static: ServiceWorkerAllowed %q: invalid header value", v)
		}
		h.swAllow = []string{v}
	}
	for _, name := range opts.Hidden {
		if h.hidden == nil {
			h.hidden = map[string]bool{}
		}
		h.hidden[name] = true
	}
	for name, data := range opts.Files {
		if err := checkFileName(name); err != nil {
			return nil, fmt.Errorf("static: Files key %q: %w", name, err)
		}
		data = bytes.Clone(data)
		if data == nil {
			data = []byte{}
		}
		mf := &memFile{
			data:   data,
			etag:   []string{etagOf(sha256.Sum256(data))},
			length: []string{strconv.Itoa(len(data))},
			ti:     typeOf(name),
			cc:     noCache,
		}
		if name != h.swDest && !mf.ti.revalidate && DefaultHashedName(name) {
			mf.cc = immutable
		}
		h.files[name] = mf
	}
	for k, v := range opts.Headers {
		if err := config.CheckHeader(k, v); err != nil {
			return nil, fmt.Errorf("static: %w", err)
		}
		h.headers = append(h.headers, header{key: textproto.CanonicalMIMEHeaderKey(k), vals: []string{v}})
	}
	return h, nil
}

// checkFileName reports whether name is a file path that requests can reach.
func checkFileName(name string) error {
	got, err := Resolve("/" + name)
	if err != nil {
		return err
	}
	if got != name {
		return errors.New("not a file path")
	}
	return nil
}

// ServeHTTP serves the file named by r.URL.Path.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	for _, kv := range h.headers {
		hdr[kv.key] = kv.vals
	}
	hdr["X-Content-Type-Options"] = nosniff
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr["Allow"] = allowed
		h.fail(w, http.StatusMethodNotAllowed)
		return
	}
	name, err := Resolve(r.URL.Path)
	if err != nil {
		h.fail(w, http.StatusNotFound)
		return
	}
	if mf, ok := h.files[name]; ok {
		h.serveMem(w, r, name, mf)
		return
	}
	if h.shadowedSibling(name) || h.isHidden(name) {
		h.fail(w, http.StatusNotFound)
		return
	}
	h.serveFile(w, r, name)
}

// isHidden reports whether name is a hidden file or a precompressed
// sibling of one.
func (h *Handler) isHidden(name string) bool {
	if h.hidden == nil {
		return false
	}
	if h.hidden[name] {
		return true
	}
	for _, c := range codings {
		if base, ok := strings.CutSuffix(name, c.suffix); ok && h.hidden[base] {
			return true
		}
	}
	return false
}

// shadowedSibling reports whether name is a precompressed copy of an in-memory
// file, which would be stale.
func (h *Handler) shadowedSibling(name string) bool {
	for _, c := range codings {
		if base, ok := strings.CutSuffix(name, c.suffix); ok {
			if _, ok := h.files[base]; ok {
				return true
			}
		}
	}
	return false
}

func (h *Handler) serveMem(w http.ResponseWriter, r *http.Request, name string, mf *memFile) {
	hdr := w.Header()
	hdr["Content-Type"] = mf.ti.contentType
	hdr["Cache-Control"] = mf.cc
	h.setWorkerHeader(hdr, name)
	if mf.ti.compressible {
		addVary(hdr)
		codings, n := acceptedCodings(r.Header)
		if h.wantGzip(codings[:n], int64(len(mf.data))) {
			if ge, err := h.gzips.compress(mf.etag[0], func() ([]byte, error) { return mf.data, nil }); err == nil {
				serveGzip(w, r, ge)
				return
			}
		}
	}
	serveBytes(w, r, mf.etag, mf.length, mf.data)
}

// serveFile serves a file of the folder. A file whose content is cached is
// answered after a Stat alone; a large one is opened and sent from the file
// (sendfile), its ETag from the cache while its identity is unchanged.
func (h *Handler) serveFile(w http.ResponseWriter, r *http.Request, name string) {
	var (
		f   fs.File // open file, or nil
		fi  fs.FileInfo
		err error
	)
	e := h.cache.get(name)
	if e == nil || e.data != nil || h.compress && e.ti.compressible && e.key.size <= maxCompressSize {
		// Memory may answer (content or gzip body): a Stat is enough to know.
		fi, err = fs.Stat(h.fsys, name)
	} else {
		// A large file: it is sent from the file, whose Stat comes with it.
		if f, err = h.fsys.Open(name); err == nil {
			defer f.Close()
			fi, err = f.Stat()
		}
	}
	if err != nil {
		// Missing, unreadable, a link out of the root, a file used as a folder:
		// to the client all of these are simply not there.
		h.fail(w, http.StatusNotFound)
		return
	}
	if fi.IsDir() {
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") {
			// "/dir/" whose index.html is itself a folder.
			h.fail(w, http.StatusNotFound)
			return
		}
		h.redirectToDir(w, r)
		return
	}
	if !fi.Mode().IsRegular() {
		h.fail(w, http.StatusNotFound)
		return
	}
	if e != nil && (e.key != keyOf(fi) || e.settled()) {
		e = nil
	}

	var ti typeInfo
	var cc []string
	if e != nil {
		ti, cc = e.ti, e.cc
	} else {
		ti = typeOf(name)
		cc = h.cacheControl(name, ti)
	}
	hdr := w.Header()
	hdr["Content-Type"] = ti.contentType
	hdr["Cache-Control"] = cc
	h.setWorkerHeader(hdr, name)
	var codings [2]*coding
	var n int
	if ti.compressible {
		// Every response of a compressible path varies, identity included,
		// so that a shared cache never hands a br body to a client without br.
		addVary(hdr)
		codings, n = acceptedCodings(r.Header)
		for _, c := range codings[:n] {
			if h.serveSibling(w, r, name, c) {
				return
			}
		}
	}

	gz := ti.compressible && h.wantGzip(codings[:n], fi.Size())
	if gz && e != nil {
		if ge := h.gzips.get(e.etag[0]); ge != nil {
			serveGzip(w, r, ge)
			return
		}
	}
	var data []byte
	var content io.ReadSeeker
	if e != nil && e.data != nil {
		data = e.data
	} else {
		if f == nil {
			if f, fi, err = h.openRegular(name); err != nil {
				h.fail(w, http.StatusNotFound)
				return
			}
			defer f.Close()
		}
		if e, data, content, err = h.content(name, f, fi, e); err != nil {
			h.fail(w, http.StatusInternalServerError)
			return
		}
	}
	if gz {
		// Only the request that compresses reads the file; concurrent
		// ones for the same version wait for its body.
		ge, err := h.gzips.compress(e.etag[0], func() ([]byte, error) {
			if data != nil {
				return data, nil
			}
			return io.ReadAll(content)
		})
		if err != nil {
			h.fail(w, http.StatusInternalServerError)
			return
		}
		serveGzip(w, r, ge)
		return
	}
	if data != nil {
		serveBytes(w, r, e.etag, e.length, data)
		return
	}
	serveReader(w, r, e.etag, e.length, e.key.size, content)
}

// errNotRegular: what was opened is not a regular file.
var errNotRegular = errors.New("static: not a regular file")

// openRegular opens name, which must be a regular file, and stats it.
func (h *Handler) openRegular(name string) (fs.File, fs.FileInfo, error) {
	f, err := h.fsys.Open(name)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = errNotRegular
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

// content returns the entry of the open file f, named name, whose Stat is fi,
// and its content: in memory, or f rewound to its start. e is the cached
// entry, if any; the file is read and hashed only when e does not describe fi.
func (h *Handler) content(name string, f fs.File, fi fs.FileInfo, e *fileEntry) (*fileEntry, []byte, io.ReadSeeker, error) {
	if e != nil && e.key == keyOf(fi) && !e.settled() {
		if e.data != nil {
			return e, e.data, nil, nil
		}
		if rs, ok := f.(io.ReadSeeker); ok {
			return e, nil, rs, nil
		}
	}
	return h.fill(name, f, fi)
}

// serveSibling serves the precompressed sibling of name with coding c, and
// reports whether it did. A missing or unusable sibling falls back to the
// original. The sibling has its own ETag: it is another representation.
func (h *Handler) serveSibling(w http.ResponseWriter, r *http.Request, name string, c *coding) bool {
	sib := name + c.suffix
	s := h.cache.get(sib)
	var (
		f   fs.File
		fi  fs.FileInfo
		err error
	)
	if s == nil || s.data != nil {
		// Memory may answer: a Stat is enough to know.
		if fi, err = fs.Stat(h.fsys, sib); err == nil && !fi.Mode().IsRegular() {
			err = errNotRegular
		}
	} else {
		f, fi, err = h.openRegular(sib)
	}
	if err != nil {
		if s != nil {
			h.cache.remove(sib) // gone: forget it
		}
		return false
	}
	if f != nil {
		defer f.Close()
	}
	if s != nil && (s.key != keyOf(fi) || s.settled()) {
		s = nil
	}
	var data []byte
	var content io.ReadSeeker
	if s != nil && s.data != nil {
		data = s.data
	} else {
		if f == nil {
			if f, fi, err = h.openRegular(sib); err != nil {
				return false
			}
			defer f.Close()
		}
		if s, data, content, err = h.content(sib, f, fi, s); err != nil {
			return false
		}
	}
	hdr := w.Header()
	hdr["Content-Encoding"] = c.name
	if data != nil {
		serveBytes(w, r, s.etag, s.length, data)
		return true
	}
	serveReader(w, r, s.etag, s.length, s.key.size, content)
	return true
}

// serveBytes answers with data, whose ETag is etag and length length, as
// http.ServeContent would: see quickAnswer; one Write for the body.
func serveBytes(w http.ResponseWriter, r *http.Request, etag, length []string, data []byte) {
	r = WithoutAbusiveRange(r, int64(len(data)))
	switch quickAnswer(w, r, etag, length) {
	case http.StatusOK:
		if r.Method == http.MethodHead {
			return
		}
		if len(data) > coalesceMin && twoWrites(w.Header(), len(data)) {
			if c := coalesce.For(r); c != nil {
				writeHeld(c, w, data)
				return
			}
		}
		w.Write(data)
	case 0:
		serveContent(w, r, "", time.Time{}, bytes.NewReader(data))
	}
}

// coalesceMin is the body size up to which holding is not tried: net/http
// sends header and body in one write unless together they pass its 4 KiB
// connection buffer, which would take over 3 KiB of headers.
const coalesceMin = 1 << 10

// connBufSize is the size of net/http's buffer per connection.
const connBufSize = 4 << 10

// twoWrites reports whether net/http would send a 200 with header hdr and
// a body of n bytes in more than one write: when status line, headers (its
// Date too) and body exceed its connection buffer. The estimate errs high.
func twoWrites(hdr http.Header, n int) bool {
	if n >= connBufSize {
		return true
	}
	size := len("HTTP/1.1 200 OK\r\nDate: Mon, 02 Jan 2006 15:04:05 GMT\r\n\r\n") + 16
	for k, vs := range hdr {
		for _, v := range vs {
			size += len(k) + len(v) + 4 // "k: v\r\n"
		}
	}
	return size+n > connBufSize
}

// writeHeld writes data as the body with header and body held on c, the
// request's connection, and sent in one write: see package coalesce, which
// only a server that wraps its connections enables (swkit serve does).
func writeHeld(c *coalesce.Conn, w http.ResponseWriter, data []byte) {
	c.Hold()
	defer c.Release()
	w.Write(data)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	} else {
		http.NewResponseController(w).Flush()
	}
}

// serveReader answers with content, of size bytes and positioned at its
// start, whose ETag is etag and length length, as http.ServeContent would:
// see quickAnswer. The length comes from the file's Stat, which spares
// ServeContent's two seeks to measure it; net/http sends an *os.File with
// sendfile, after the header and the first 512 bytes in one write.
func serveReader(w http.ResponseWriter, r *http.Request, etag, length []string, size int64, content io.ReadSeeker) {
	r = WithoutAbusiveRange(r, size)
	switch quickAnswer(w, r, etag, length) {
	case http.StatusOK:
		if r.Method != http.MethodHead {
			io.CopyN(w, content, size)
		}
	case 0:
		serveContent(w, r, "", time.Time{}, content)
	}
}

// testNoQuick, set by a test only, sends every answer through ServeContent,
// the reference the quick answers are compared with.
var testNoQuick bool

// quickAnswer sets Etag and writes the header of what http.ServeContent
// answers to the common requests: no Range, If-Match or If-Unmodified-Since,
// and If-None-Match absent (200, the caller sends the body) or exactly the
// ETag (304, done). For any other request it returns 0 and leaves the answer
// to ServeContent; with Content-Encoding set it then sets Content-Length,
// which ServeContent leaves out in that case (and removes itself on 206, 304
// and errors).
func quickAnswer(w http.ResponseWriter, r *http.Request, etag, length []string) int {
	hdr := w.Header()
	hdr["Etag"] = etag
	rh := r.Header
	if !testNoQuick && len(rh["Range"]) == 0 && len(rh["If-Match"]) == 0 && len(rh["If-Unmodified-Since"]) == 0 {
		switch inm := rh["If-None-Match"]; {
		case len(inm) == 0:
			hdr["Accept-Ranges"] = acceptRanges
			hdr["Content-Length"] = length
			w.WriteHeader(http.StatusOK)
			return http.StatusOK
		case len(inm) == 1 && inm[0] == etag[0]:
			// http.ServeContent's 304 (RFC 9110 §15.4.5).
			delete(hdr, "Content-Type")
			delete(hdr, "Content-Length")
			delete(hdr, "Content-Encoding")
			w.WriteHeader(http.StatusNotModified)
			return http.StatusNotModified
		}
	}
	if _, ok := hdr["Content-Encoding"]; ok {
		hdr["Content-Length"] = length
	}
	return 0
}

// serveContent is http.ServeContent, except that the 412 it writes itself
// (not through its error path) also loses the caching headers, as every error
// response of this package does.
func serveContent(w http.ResponseWriter, r *http.Request, name string, modtime time.Time, content io.ReadSeeker) {
	if len(r.Header["If-Match"]) > 0 || len(r.Header["If-Unmodified-Since"]) > 0 {
		w = &errorCleaner{ResponseWriter: w}
	}
	http.ServeContent(w, r, name, modtime, content)
}

// errorCleaner drops caching and representation headers from error responses.
type errorCleaner struct {
	http.ResponseWriter
}

func (c *errorCleaner) WriteHeader(code int) {
	if code >= 400 {
		dropForError(c.Header())
	}
	c.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (c *errorCleaner) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// wantGzip reports whether a compressible body of size bytes is to be
// gzipped on the fly for a request accepting codings.
func (h *Handler) wantGzip(codings []*coding, size int64) bool {
	if !h.compress || size <= minCompressSize || size > maxCompressSize {
		return false
	}
	for _, c := range codings {
		if c == codingGzip {
			return true
		}
	}
	return false
}

// serveGzip serves a body gzipped on the fly.
func serveGzip(w http.ResponseWriter, r *http.Request, ge *gzipEntry) {
	w.Header()["Content-Encoding"] = codingGzip.name
	serveBytes(w, r, ge.etag, ge.length, ge.data)
}

// cacheControl picks Cache-Control for a file of the folder.
func (h *Handler) cacheControl(name string, ti typeInfo) []string {
	if name == h.swDest || ti.revalidate {
		// The worker must be checked on every navigation (browsers also cap
		// its HTTP caching at 24 hours); HTML and the manifest name the
		// fingerprinted files, so they must be fresh for those to change.
		return noCache
	}
	if h.isHashed(name) {
		return immutable
	}
	return noCache
}

func (h *Handler) setWorkerHeader(hdr http.Header, name string) {
	if h.swAllow != nil && name == h.swDest {
		hdr["Service-Worker-Allowed"] = h.swAllow
	}
}

// addVary adds Accept-Encoding to Vary, keeping any Vary from Options.Headers.
func addVary(hdr http.Header) {
	if len(hdr["Vary"]) == 0 {
		hdr["Vary"] = varyEncode
		return
	}
	hdr.Add("Vary", "Accept-Encoding")
}

// redirectToDir answers "/dir" with a redirect to "/dir/", keeping the query.
// The Location is relative ("./dir/"), so it stays right behind
// http.StripPrefix; the "./" keeps a segment such as "a:b" from reading as a
// scheme.
func (h *Handler) redirectToDir(w http.ResponseWriter, r *http.Request) {
	loc := "./" + url.PathEscape(path.Base(r.URL.Path)) + "/"
	if r.URL.RawQuery != "" {
		loc += "?" + r.URL.RawQuery
	}
	hdr := w.Header()
	hdr["Location"] = []string{loc}
	hdr["Content-Type"] = textPlain
	w.WriteHeader(http.StatusMovedPermanently)
	if r.Method != http.MethodHead {
		io.WriteString(w, "Moved Permanently\n")
	}
}

// fail writes a short plain-text error. It drops any caching or
// representation header set before the error was known.
func (h *Handler) fail(w http.ResponseWriter, code int) {
	hdr := w.Header()
	dropForError(hdr)
	hdr["Content-Type"] = textPlain
	w.WriteHeader(code)
	io.WriteString(w, http.StatusText(code)+"\n")
}

// dropForError removes what describes a successful representation.
func dropForError(hdr http.Header) {
	for _, k := range []string{"Cache-Control", "Etag", "Last-Modified", "Content-Encoding", "Content-Length", "Service-Worker-Allowed"} {
		delete(hdr, k)
	}
}
