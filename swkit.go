package swkit

import (
	"errors"
	"io/fs"
	"time"

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/manifest"
	"github.com/swkit/swkit/internal/sitebuild"
	"github.com/swkit/swkit/internal/swgen"
	"github.com/swkit/swkit/server"
)

// Config is swkit.json: the options of the worker and of the server in front
// of the site. The zero value of every field means its default. See package
// config for each option, and [LoadConfig] to read the file.
type Config = config.Config

// The types of Config's sections, so that a Go program needs only this
// package.
type (
	RuntimeCaching    = config.RuntimeCaching
	RuntimeOptions    = config.RuntimeOptions
	Expiration        = config.Expiration
	CacheableResponse = config.CacheableResponse
	BroadcastUpdate   = config.BroadcastUpdate
	BackgroundSync    = config.BackgroundSync
	Push              = config.Push
	Server            = config.Server
	Manifest          = config.Manifest
)

// Handler names for [RuntimeCaching].Handler. Workbox's spellings
// ("CacheFirst", ...) are accepted too.
const (
	CacheFirst           = config.CacheFirst
	NetworkFirst         = config.NetworkFirst
	StaleWhileRevalidate = config.StaleWhileRevalidate
	NetworkOnly          = config.NetworkOnly
	CacheOnly            = config.CacheOnly
)

// ConfigFile is the config file's default name, at the root of the site.
// Like any build input it is never precached or served.
const ConfigFile = server.ConfigFile

// PageHelper is the page helper's name: the ES module pages import to
// register the worker, written and served beside the site's root.
const PageHelper = sitebuild.PageHelperName

// SourceError is a problem in a JavaScript module of the worker source
// (Config.SwSrc): a syntax error, an import that is not allowed. Get it with
// errors.As; a build error may join several.
type SourceError = swgen.SourceError

// ErrNoPlaceholder is wrapped by the error of a build whose worker source
// (Config.SwSrc) never uses self.__SWKIT_MANIFEST or self.__WB_MANIFEST.
var ErrNoPlaceholder = swgen.ErrNoPlaceholder

// LoadConfig reads the swkit.json file name of fsys, with the same strict
// checks as `swkit build`: an unknown key, a wrong type or a bad value is a
// *config.Error naming the file, line and key. Pass os.DirFS(".") for a file
// on disk, or an embed.FS to ship the config inside the binary.
//
// [New] never reads swkit.json by itself, even when fsys holds one: what a
// Go program serves is decided by its code. Either way, swkit.json at the
// root of the site is never precached or served.
func LoadConfig(fsys fs.FS, name string) (Config, error) {
	cfg, err := config.LoadFS(fsys, name)
	if err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// PrecacheEntry is one file the worker precaches.
type PrecacheEntry struct {
	// URL is relative to the worker's folder, slash-separated and
	// percent-encoded ("css/app.css").
	URL string
	// Revision is a hash of the content, or "" for a file whose name carries
	// one (Config.DontCacheBustURLsMatching).
	Revision string
	// Integrity is the subresource-integrity digest ("sha256-...") the
	// worker checks the downloaded file against.
	Integrity string
	// Size is the file's length in bytes.
	Size int64
}

// Warning is something a person may want to know about a build that did not
// stop it: a file left out for its size, a large precache, an option that
// does nothing.
type Warning struct {
	// Path is the file or the option concerned, a slash path relative to
	// the site ("img/big.jpg"); "" for the site as a whole.
	Path    string
	Message string
}

// String is Path and Message, as a line to log.
func (w Warning) String() string {
	if w.Path == "" {
		return w.Message
	}
	return w.Path + ": " + w.Message
}

// Result is what a build produced.
type Result struct {
	// Worker is the service worker, served at Config.SwDest.
	Worker []byte
	// PageHelper is the page helper ES module, served as /swkit.js.
	PageHelper []byte
	// Parts are the files the worker imports, by slash path: the pieces of
	// a precache manifest too large to stay inline (over about 2,000
	// files), named by their content. Nil for most sites.
	Parts map[string][]byte
	// App are the web app manifest and its icons (manifest.webmanifest,
	// icon-192.png, ...), by slash path beside the worker, when the config
	// has a manifest section; they are precached with the site.
	App map[string][]byte
	// Entries are the precached files, sorted by URL, the page helper
	// among them. Nil when WriteDir found the folder as its last build left
	// it and so did not list it; Files and Bytes are set even then.
	Entries []PrecacheEntry
	// Files and Bytes count the precached files and their bytes.
	Files int
	Bytes int64
	// Warnings are in path order, then the build's own.
	Warnings []Warning
	// Unchanged reports that WriteDir found the folder, the config and
	// the generated files as its last build left them, and wrote nothing.
	Unchanged bool
	// Elapsed is how long the build took.
	Elapsed time.Duration
	// HeadersFile is the static host's headers file that WriteDir wrote
	// (DirOptions.Headers), or "".
	HeadersFile string
	// Precompressed is how many .br and .gz siblings WriteDir wrote
	// (DirOptions.Precompress).
	Precompressed int

	swDest string
}

// Generated returns every file the build produced, by slash path: the worker,
// the page helper, the manifest parts and the web app's manifest and icons.
// Parts that WriteDir found on disk as written are listed with nil content.
func (r *Result) Generated() map[string][]byte {
	files := map[string][]byte{r.swDest: r.Worker, PageHelper: r.PageHelper}
	for name, data := range r.Parts {
		files[name] = data
	}
	for name, data := range r.App {
		files[name] = data
	}
	return files
}

// Build lists and hashes the files of fsys that cfg selects and generates
// the service worker that precaches them and the page helper. Nothing is
// written: see [WriteDir] for a folder on disk, and [New] to serve the
// result. The same files and config always give byte-identical output, so
// browsers see an update only when something changed.
//
// cfg is checked as swkit.json is: an invalid option is a *config.Error
// naming its key. A file that cannot be read is an error naming it
// (errors.Is(err, fs.ErrPermission), say).
//
// Options add what swkit.json cannot say, such as [Render] for the pages of
// the program's own handlers.
func Build(fsys fs.FS, cfg Config, opts ...Option) (*Result, error) {
	if fsys == nil && !cfg.KillSwitch {
		return nil, errors.New("swkit.Build: nil file system")
	}
	cfg, err := checked(cfg)
	if err != nil {
		return nil, err
	}
	o, pages, warns, err := prepare(opts)
	if err != nil {
		return nil, err
	}
	// swkit.json at the root is the config file's place, read or not.
	out, err := sitebuild.Build(fsys, cfg, sitebuild.Options{Hidden: []string{ConfigFile}, Pages: pages, FilePrefix: o.filePrefix()})
	if err != nil {
		return nil, err
	}
	r := result(cfg, out)
	r.Warnings = append(r.Warnings, warns...)
	return r, nil
}

// collect applies opts.
func collect(opts []Option) *options {
	o := &options{}
	for _, f := range opts {
		f(o)
	}
	return o
}

// checked returns cfg validated, with its defaults.
func checked(cfg Config) (Config, error) {
	cfg, err := config.Checked(cfg)
	if err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// result is the public form of a build's output.
func result(cfg Config, out *sitebuild.Output) *Result {
	r := &Result{
		Worker:     out.Worker,
		PageHelper: out.PageHelper,
		Parts:      out.Imports,
		App:        out.App,
		Files:      len(out.Manifest.Entries),
		Bytes:      out.Manifest.Bytes,
		Warnings:   warnings(out.Warnings),
		Elapsed:    out.Elapsed,
		swDest:     cfg.SwDest,
	}
	r.Entries = make([]PrecacheEntry, len(out.Manifest.Entries))
	for i, e := range out.Manifest.Entries {
		r.Entries[i] = PrecacheEntry{URL: e.URL, Revision: e.Revision, Integrity: e.Integrity, Size: e.Size}
	}
	return r
}

func warnings(ws []manifest.Warning) []Warning {
	if len(ws) == 0 {
		return nil
	}
	out := make([]Warning, len(ws))
	for i, w := range ws {
		out[i] = Warning{Path: w.Path, Message: w.Message}
	}
	return out
}
