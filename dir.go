package swkit

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/swkit/swkit/internal/buildcache"
	"github.com/swkit/swkit/internal/hosting"
	"github.com/swkit/swkit/internal/manifest"
	"github.com/swkit/swkit/internal/sitebuild"
	"github.com/swkit/swkit/internal/swgen"
	"github.com/swkit/swkit/internal/webapp"
)

// DirOptions are how [BuildDir], [WriteDir] and [NewDir] treat a site folder
// on disk, besides its config. The zero value uses the build cache in its
// default place.
type DirOptions struct {
	// ConfigFile is the path of the config file that cfg was read from,
	// if any. When it lies inside the folder, it is a build input: never
	// precached or served. (DIR/swkit.json never is, read or not.)
	ConfigFile string
	// Cache is the build cache file, which keeps each file's digest with
	// its stat so that a rebuild reads only the files that changed.
	// Default: a file named after the folder's absolute path in the user's
	// cache folder (os.UserCacheDir), never inside the site.
	Cache string
	// NoCache hashes every file and keeps no cache. Otherwise a file
	// rewritten with the same size and modification time (and, on Linux,
	// inode and change time) is trusted unchanged.
	NoCache bool
	// Precompress makes WriteDir write a .br and a .gz sibling beside
	// every compressible file of the folder (text, SVG, JSON, wasm, the
	// generated files too) whose compressed form is smaller, for servers
	// that pick them by Accept-Encoding (swkit serve, nginx, Caddy). See
	// [Precompress].
	Precompress bool
	// Headers names a static host, one of [Hosts], for which WriteDir
	// also writes the caching rules of swkit serve: see [HostHeaders].
	Headers string
	// HeadersFile is where WriteDir writes them. Default: _headers in the
	// folder for netlify and cloudflare (those hosts read it there), and
	// swkit.nginx.conf or swkit.Caddyfile in the current folder for nginx
	// and caddy (server configuration, not a file of the site).
	HeadersFile string
}

// BuildDir is [Build] for the folder dir: it reads it through an os.Root
// (no symbolic link leads out of it), takes the digests of unchanged files
// from the build cache, and leaves the folder as it is. A cache that cannot
// be read or written is a warning, never an error.
func BuildDir(dir string, cfg Config, opts DirOptions, more ...Option) (*Result, error) {
	return inDir(dir, cfg, opts, more, (*siteDir).build)
}

// NewDir is [New] for the folder dir: the worker is generated in memory by
// [BuildDir] when the folder has none (or cfg asks for the kill switch), and
// the files are served through an os.Root, so that no symbolic link leads
// out of the folder. This is what `swkit serve` runs. Close the handler to
// release the folder.
func NewDir(dir string, cfg Config, opts DirOptions, more ...Option) (*Handler, error) {
	cfg, err := checked(cfg)
	if err != nil {
		return nil, err
	}
	d, err := openDir(dir, cfg, opts, more)
	if err != nil {
		return nil, err
	}
	h, err := newHandler(d.root.FS(), cfg, d.hidden, func() (*Result, error) {
		return d.withCache(cfg, (*siteDir).build)
	})
	if err != nil {
		d.root.Close()
		return nil, err
	}
	h.close = d.root.Close
	h.setPrefix(d.prefix)
	return h, nil
}

// WriteDir is [BuildDir], then writes the worker, the page helper and the
// manifest parts into dir (what `swkit build` does), and removes the parts
// of earlier builds that this one no longer names.
//
// It never overwrites or removes a file that swkit did not write: a file
// that does not start with the exact first line swkit writes is an error
// wrapping [ErrNotOurs], and nothing is written. Each file is written to a
// temporary name and renamed, so a reader never sees half of it; the parts
// go first, since the new worker names them.
//
// With the build cache on, a rebuild first checks whether anything the last
// build depended on changed (the folder's files and folders by their stat,
// the config, the swkit binary); if nothing did and the files it wrote are
// still there as written, WriteDir writes nothing and reports
// Result.Unchanged.
//
// With opts.Precompress and opts.Headers it then writes the precompressed
// siblings and the static host's headers file, also when the build itself
// had nothing to write.
func WriteDir(dir string, cfg Config, opts DirOptions, more ...Option) (*Result, error) {
	if opts.Headers != "" && !slices.Contains(Hosts, opts.Headers) {
		return nil, fmt.Errorf("unknown host %q: want one of %s", opts.Headers, strings.Join(Hosts, ", "))
	}
	if opts.Headers != "" && opts.HeadersFile == "" {
		name, inSite := hosting.DefaultFile(opts.Headers)
		if inSite {
			name = filepath.Join(dir, name)
		}
		opts.HeadersFile = name
	}
	return inDir(dir, cfg, opts, more, func(d *siteDir, cfg Config, cache *buildcache.Cache) (*Result, error) {
		r, err := d.write(cfg, cache)
		if err != nil {
			return nil, err
		}
		return r, d.deploy(cfg, r)
	})
}

// inDir checks cfg, opens the folder dir and runs build on it with the
// build cache.
func inDir(dir string, cfg Config, opts DirOptions, more []Option, build func(*siteDir, Config, *buildcache.Cache) (*Result, error)) (*Result, error) {
	cfg, err := checked(cfg)
	if err != nil {
		return nil, err
	}
	d, err := openDir(dir, cfg, opts, more)
	if err != nil {
		return nil, err
	}
	defer d.root.Close()
	return d.withCache(cfg, build)
}

// withCache runs build with the build cache, saved after; the cache's
// problems become the result's warnings.
func (d *siteDir) withCache(cfg Config, build func(*siteDir, Config, *buildcache.Cache) (*Result, error)) (*Result, error) {
	cache, warns := d.openCache()
	r, err := build(d, cfg, cache)
	if err != nil {
		return nil, err
	}
	r.Warnings = append(r.Warnings, d.pageWarnings...)
	r.Warnings = append(r.Warnings, warns...)
	r.Warnings = append(r.Warnings, d.saveCache(cache)...)
	return r, nil
}

// ErrNotOurs is wrapped by the error of [WriteDir] and [WriteFile] for a file
// in the way that swkit did not write.
var ErrNotOurs = sitebuild.ErrNotOurs

// WriteFile writes data, a file swkit generated, to name: atomically, never
// over a file swkit did not write (an error wrapping [ErrNotOurs]), and not
// at all when name holds data already.
func WriteFile(name string, data []byte) error {
	return writeGenerated(name, data)
}

// KillSwitch returns a service worker that removes itself: it deletes
// swkit's caches (those cfg's routes name too) and IndexedDB databases,
// unregisters and reloads the pages it controlled. Deploy it in place of the
// worker to switch the offline layer off.
func KillSwitch(cfg Config) ([]byte, error) {
	cfg, err := checked(cfg)
	if err != nil {
		return nil, err
	}
	code, err := swgen.KillSwitch(cfg)
	if err != nil {
		return nil, err
	}
	return code, nil
}

// siteDir is a site folder opened for a build.
type siteDir struct {
	dir    string
	root   *os.Root
	hidden []string // build inputs inside the folder, slash paths
	opts   DirOptions
	// pages are rendered by the program's handlers (Render), with what
	// rendering them warned about.
	pages        []sitebuild.Page
	pageWarnings []Warning
	prefix       string // Prefix's
}

// path is the file at the slash path name in the folder.
func (d *siteDir) path(name string) string { return filepath.Join(d.dir, filepath.FromSlash(name)) }

func openDir(dir string, cfg Config, opts DirOptions, more []Option) (*siteDir, error) {
	o, pages, warns, err := prepare(more)
	if err != nil {
		return nil, err
	}
	info, err := os.Stat(dir)
	switch {
	case err != nil:
		return nil, fmt.Errorf("site folder: %w", err)
	case !info.IsDir():
		return nil, fmt.Errorf("site folder %s: %w", dir, errNotDir)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open site folder: %w", err)
	}
	d := &siteDir{dir: dir, root: root, opts: opts, hidden: []string{ConfigFile}, pages: pages, pageWarnings: warns, prefix: o.prefix}
	// A headers file written into the folder is the host's configuration:
	// never precached or served either.
	for _, input := range []string{opts.ConfigFile, cfg.SwSrc, opts.HeadersFile} {
		if p, ok := inside(dir, input); ok && p != ConfigFile {
			d.hidden = append(d.hidden, p)
		}
	}
	return d, nil
}

// errNotDir: the site is a file.
var errNotDir = errors.New("not a folder")

// inside returns file's slash path relative to dir when file lies inside it,
// also when either is reached through a symbolic link.
func inside(dir, file string) (string, bool) {
	if file == "" {
		return "", false
	}
	resolve := func(p string) (string, error) {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Abs(r)
		}
		return filepath.Abs(p)
	}
	absFile, err1 := resolve(file)
	absDir, err2 := resolve(dir)
	if err1 != nil || err2 != nil {
		return "", false
	}
	rel, err := filepath.Rel(absDir, absFile)
	if err != nil || !filepath.IsLocal(rel) {
		return "", false
	}
	return filepath.ToSlash(rel), true
}

// openCache returns the build cache, or nil when it is off or has no place
// to live; problems are warnings, since a build never fails for its cache.
func (d *siteDir) openCache() (*buildcache.Cache, []Warning) {
	if d.opts.NoCache {
		return nil, nil
	}
	p := d.opts.Cache
	if p == "" {
		var err error
		if p, err = buildcache.DefaultPath(d.dir); err != nil {
			return nil, []Warning{{Message: "no build cache: " + err.Error()}}
		}
	}
	cache, err := buildcache.Load(p, d.dir)
	if err != nil {
		return cache, []Warning{{Message: err.Error()}}
	}
	return cache, nil
}

// saveCache writes cache back (nil is off); a failure is a warning.
func (d *siteDir) saveCache(cache *buildcache.Cache) []Warning {
	if cache == nil {
		return nil
	}
	if err := cache.Save(); err != nil {
		return []Warning{{Message: err.Error()}}
	}
	return nil
}

// hashCache is cache as a manifest.HashCache: nil stays an untyped nil.
func hashCache(cache *buildcache.Cache) manifest.HashCache {
	if cache == nil {
		return nil
	}
	return cache
}

// build builds the folder in memory.
func (d *siteDir) build(cfg Config, cache *buildcache.Cache) (*Result, error) {
	return d.buildWith(cfg, cache, false)
}

// buildWith is build, generating no worker when noWorker is set.
func (d *siteDir) buildWith(cfg Config, cache *buildcache.Cache, noWorker bool) (*Result, error) {
	out, err := sitebuild.Build(d.root.FS(), cfg, sitebuild.Options{Hidden: d.hidden, Root: d.root, Cache: hashCache(cache), Pages: d.pages, FilePrefix: strings.TrimPrefix(d.prefix, "/"), NoWorker: noWorker})
	if err != nil {
		return nil, err
	}
	return result(cfg, out), nil
}

// write builds the folder and writes the generated files.
func (d *siteDir) write(cfg Config, cache *buildcache.Cache) (*Result, error) {
	var (
		out    *sitebuild.Output
		inputs string
		err    error
	)
	// The cache's shortcuts know the site's files, not what other entries
	// are made of (templates, rendered pages).
	if cache != nil && cfg.SwSrc == "" && !cfg.KillSwitch && !sitebuild.HasExtraEntries(cfg, d.pages) && d.prefix == "" {
		extra := append(sitebuild.BuildID(), d.iconStat(cfg)...)
		if inputs, err = sitebuild.Inputs(cfg, extra, d.hidden); err != nil {
			return nil, err
		}
		if r, done, err := d.unchanged(cfg, cache, inputs); done {
			return r, err
		}
		// A build whose inputs are those of the last one and whose
		// generated files are still on disk as written keeps them.
		out, err = sitebuild.Build(d.root.FS(), cfg, sitebuild.Options{
			Hidden: d.hidden, Root: d.root, Cache: cache,
			Reuse: &sitebuild.Reuse{
				Extra:    extra,
				Previous: func(key string) (*sitebuild.Output, bool) { return d.previousOutput(cfg, cache, key) },
			},
		})
	} else {
		out, err = sitebuild.Build(d.root.FS(), cfg, sitebuild.Options{Hidden: d.hidden, Root: d.root, Cache: hashCache(cache), Pages: d.pages, FilePrefix: strings.TrimPrefix(d.prefix, "/")})
	}
	if err != nil {
		return nil, err
	}
	if cache != nil && out.Key == "" {
		cache.SetOutput(buildcache.Output{}) // the files written are not the recorded ones
	}
	if out.Reused {
		// The files on disk are the ones this build would write.
		d.setWalk(cache, inputs, out)
		if err := d.removeOldParts(cfg.SwDest, out.Imports); err != nil {
			return nil, err
		}
		return result(cfg, out), nil
	}
	if cache != nil && out.Key != "" {
		// Forget the last output until this one is written.
		cache.SetOutput(buildcache.Output{})
	}
	if err := writeGenerated(d.path(PageHelper), out.PageHelper); err != nil {
		return nil, err
	}
	for name, data := range out.Imports {
		if err := writeGenerated(d.path(name), data); err != nil {
			return nil, err
		}
	}
	for name, data := range out.App {
		if err := writeGenerated(d.path(name), data); err != nil {
			return nil, err
		}
	}
	if err := writeGenerated(d.path(cfg.SwDest), out.Worker); err != nil {
		return nil, err
	}
	if err := d.removeOldParts(cfg.SwDest, out.Imports); err != nil {
		return nil, err
	}
	if cache != nil && out.Key != "" {
		cache.SetOutput(d.outputRecord(cfg, out))
		d.setWalk(cache, inputs, out)
	}
	return result(cfg, out), nil
}

// unchanged finishes the build when the folder is as the last build walked
// it, for the same inputs (buildcache.Cache.Unchanged), and the files that
// build generated are still there as written. It is done (true) then or
// when it failed, and false when the build must walk the folder.
func (d *siteDir) unchanged(cfg Config, cache *buildcache.Cache, inputs string) (*Result, bool, error) {
	start := time.Now()
	w, ok := cache.Unchanged(d.root, inputs, runtime.GOMAXPROCS(0))
	if !ok {
		return nil, false, nil
	}
	out, ok := d.previousOutput(cfg, cache, w.Key)
	if !ok {
		return nil, false, nil
	}
	warns := make([]manifest.Warning, len(w.Oversized))
	for i, o := range w.Oversized { // in walk order, as the walk warns
		warns[i] = manifest.OversizeWarning(o.Path, o.Stat.Size, cfg.MaximumFileSizeToCacheInBytes)
	}
	if err := d.removeOldParts(cfg.SwDest, out.Imports); err != nil {
		return nil, true, err
	}
	r := &Result{
		Worker: out.Worker, PageHelper: out.PageHelper, Parts: out.Imports, App: out.App,
		// The walk's files, the page helper and the web app's, as the
		// walk counts them.
		Files: w.Files + 1 + len(out.App), Bytes: w.Bytes + int64(len(out.PageHelper)),
		Warnings: warnings(warns), Unchanged: true, swDest: cfg.SwDest,
	}
	for _, data := range out.App {
		r.Bytes += int64(len(data))
	}
	r.Elapsed = time.Since(start)
	return r, true, nil
}

// setWalk records in cache that out's walk covered the whole folder with
// these inputs, for the next build's check.
func (d *siteDir) setWalk(cache *buildcache.Cache, inputs string, out *sitebuild.Output) {
	if cache == nil || inputs == "" || out.Key == "" {
		return
	}
	// The entries are the walk's files, the page helper and the web app's.
	cache.SetWalk(inputs, out.Key, len(out.Manifest.Entries)-1-len(out.App))
}

// outputRecord is what the build cache keeps of out's generated files, just
// written: their digests and stats.
func (d *siteDir) outputRecord(cfg Config, out *sitebuild.Output) buildcache.Output {
	files := map[string]buildcache.OutputFile{}
	add := func(name string, data []byte) {
		f := buildcache.OutputFile{Sum: sha256.Sum256(data)}
		// Without a stat, the next build reads the file to check it.
		if info, err := os.Stat(d.path(name)); err == nil && info.Size() == int64(len(data)) {
			f.Stat = buildcache.StatOf(info)
		}
		files[name] = f
	}
	add(PageHelper, out.PageHelper)
	add(cfg.SwDest, out.Worker)
	for name, data := range out.Imports {
		add(name, data)
	}
	for name, data := range out.App {
		add(name, data)
	}
	return buildcache.Output{Key: out.Key, Files: files}
}

// refreshBytes is how many bytes of generated files a build must have read
// and hashed (their stat had changed, not their content) for it to record
// their new stats, rewriting the cache file, rather than leave the next
// build to read them again: the cache file is about 100 bytes a site file.
const refreshBytes = 256 << 10

// previousOutput returns the generated files recorded in cache, read from
// the folder, when the record is for key and each file is there as written:
// with the stat recorded (buildcache.OutputUnchanged) or else the digest.
// The contents of manifest parts with the stat recorded are nil (not read).
func (d *siteDir) previousOutput(cfg Config, cache *buildcache.Cache, key string) (*sitebuild.Output, bool) {
	rec := cache.Output()
	if rec.Key == "" || rec.Key != key {
		return nil, false
	}
	out := &sitebuild.Output{}
	app := map[string]bool{}
	if cfg.Manifest != nil {
		for _, name := range webapp.Names(cfg.SwDest) {
			app[name] = true
		}
	}
	var rehashed int64
	for name, f := range rec.Files {
		if !fs.ValidPath(name) {
			return nil, false
		}
		p := d.path(name)
		if name != cfg.SwDest && name != PageHelper && !app[name] {
			// A manifest part as recorded is not even read: the build
			// needs only its name (a megabyte of them for 10,000 files).
			if info, err := os.Stat(p); err == nil && cache.OutputUnchanged(f, info) {
				if out.Imports == nil {
					out.Imports = map[string][]byte{}
				}
				out.Imports[name] = nil
				continue
			}
		}
		data, info, err := readFileStat(p)
		if err != nil {
			return nil, false
		}
		if !cache.OutputUnchanged(f, info) {
			if sha256.Sum256(data) != f.Sum {
				return nil, false
			}
			rec.Files[name] = buildcache.OutputFile{Sum: f.Sum, Stat: buildcache.StatOf(info)}
			rehashed += int64(len(data))
		}
		switch name {
		case cfg.SwDest:
			out.Worker = data
		case PageHelper:
			out.PageHelper = data
		default:
			if app[name] {
				if out.App == nil {
					out.App = map[string][]byte{}
				}
				out.App[name] = data
				continue
			}
			if out.Imports == nil {
				out.Imports = map[string][]byte{}
			}
			out.Imports[name] = data
		}
	}
	if out.Worker == nil || out.PageHelper == nil || len(out.App) != len(app) {
		return nil, false
	}
	if rehashed >= refreshBytes {
		cache.SetOutput(rec)
	}
	return out, true
}

// readFileStat reads the file at name and returns its stat, taken before
// the read.
func readFileStat(name string) ([]byte, fs.FileInfo, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("%s is not a regular file", name)
	}
	data := make([]byte, info.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, nil, err
	}
	return data, info, nil
}

// iconStat is what the build's inputs take of the web app's source icon:
// its size and modification time, so that a changed icon is a change even
// when the globs leave it out of the precache.
func (d *siteDir) iconStat(cfg Config) []byte {
	if cfg.Manifest == nil {
		return nil
	}
	info, err := d.root.Stat(filepath.FromSlash(cfg.Manifest.Icon))
	if err != nil {
		return []byte("\nicon missing")
	}
	return fmt.Appendf(nil, "\nicon %d %d", info.Size(), info.ModTime().UnixNano())
}

// removeOldParts deletes the manifest parts an earlier build wrote beside
// the worker that this one no longer uses (keep, by slash path). Only
// files that swkit wrote are removed.
func (d *siteDir) removeOldParts(swDest string, keep map[string][]byte) error {
	folder := path.Dir(swDest)
	matches, err := filepath.Glob(filepath.Join(d.dir, filepath.FromSlash(folder), swgen.ManifestFileGlob))
	if err != nil {
		return err
	}
	for _, m := range matches {
		if _, ok := keep[path.Join(folder, filepath.Base(m))]; ok {
			continue
		}
		data, err := os.ReadFile(m)
		if err != nil || !sitebuild.IsOurs(data) {
			continue
		}
		if err := os.Remove(m); err != nil {
			return fmt.Errorf("remove old manifest part: %w", err)
		}
	}
	return nil
}

// writeGenerated writes data to the file p atomically, refusing to
// overwrite a file that swkit did not write, and leaves an identical file
// untouched.
func writeGenerated(p string, data []byte) error {
	old, err := os.ReadFile(p)
	switch {
	case err == nil && string(old) == string(data):
		return nil
	case err == nil && !sitebuild.IsOurs(old):
		return fmt.Errorf("%s %w: move it away or set swDest to another name", p, ErrNotOurs)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("read %s: %w", p, err)
	}
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(p)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", p, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", p, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	return nil
}
