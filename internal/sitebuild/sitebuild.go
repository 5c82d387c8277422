// Package sitebuild turns a site folder and a config into the files swkit adds to
// it: the service worker and the page helper. The build and serve commands and the
// library share it, so a worker generated in memory is byte-for-byte the one
// `swkit build` would write.
package sitebuild

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/hosting"
	"github.com/swkit/swkit/internal/manifest"
	"github.com/swkit/swkit/internal/swgen"
	"github.com/swkit/swkit/internal/webapp"
)

// PageHelperName is the page helper's file name beside the worker.
const PageHelperName = "swkit.js"

// Output is what a build produces.
type Output struct {
	Worker     []byte // sw.js
	PageHelper []byte // swkit.js
	// Imports are the files the worker imports, by slash path in the folder
	// (beside the worker): the parts of a manifest too large to stay inline
	// (swgen.GenerateWorker), named by their content. Nil for most sites.
	Imports map[string][]byte
	// App are the web app manifest and its icons (config.Manifest), by
	// slash path beside the worker, precached with the site. Nil without
	// a manifest section.
	App      map[string][]byte
	Manifest *manifest.Result // what the worker precaches
	// Warnings are the manifest's and the build's own (a large precache,
	// options that an injected worker ignores).
	Warnings []manifest.Warning
	Elapsed  time.Duration
	// Key identifies the inputs of the generated files (Options.Reuse):
	// the site's entries, the config and Reuse.Extra. Empty without Reuse.
	Key string
	// Reused reports that Worker, PageHelper and Imports were not generated
	// but are what Reuse.Previous returned for Key.
	Reused bool
}

// Options are how a build reads the site, besides its config.
type Options struct {
	// Hidden are paths of the site that are build inputs (a config file, a
	// worker source): never precached.
	Hidden []string
	// Root, when set, is the site folder, walked through the root
	// (manifest.Options.Root) instead of the fs.FS.
	Root *os.Root
	// Cache, when set, gives the digests of files whose stat it trusts.
	Cache manifest.HashCache
	// Reuse, when set, lets the build take the generated files of an
	// earlier build of the same inputs instead of generating them.
	Reuse *Reuse
	// Pages are URLs to precache besides the site's files.
	Pages []Page
	// NoWorker skips generating the worker, the costly step, for a caller
	// that serves a worker of its own (swkit dev): the files are listed,
	// hashed and checked, with their warnings, and the page helper and web
	// app are made as always.
	NoWorker bool
	// FilePrefix is the path under which the site's files are served
	// ("static/", no leading slash) while the worker and the page helper
	// are at the root; it prefixes the files' URLs.
	FilePrefix string
}

// Reuse lets a build skip generating the worker and the page helper when an
// earlier build generated them from the same inputs.
type Reuse struct {
	// Extra is whatever else the generated files depend on besides the
	// site's entries and the config: the swkit build (BuildID).
	Extra []byte
	// Previous returns the Worker, PageHelper and Imports that an earlier
	// build with this key generated, as they are now (read back and checked
	// against what was written), or false.
	Previous func(key string) (*Output, bool)
}

// Build lists and hashes the files of fsys that cfg selects and generates the
// worker: cfg's kill switch, cfg.SwSrc bundled with the manifest, or a
// generated worker. cfg must be valid and have had config.Defaults applied.
// The page helper is added to the precache as if it were a file of the site
// (overriding one there), so pages that import it work offline; the worker
// itself is never precached.
func Build(fsys fs.FS, cfg config.Config, opts Options) (*Output, error) {
	start := time.Now()
	helper, err := swgen.PageHelper()
	if err != nil {
		return nil, fmt.Errorf("bundle page helper: %w", err)
	}
	if cfg.KillSwitch {
		// Nothing to precache: the worker removes itself.
		worker, err := swgen.KillSwitch(cfg)
		if err != nil {
			return nil, err
		}
		return &Output{Worker: worker, PageHelper: helper, Manifest: &manifest.Result{},
			Elapsed: time.Since(start)}, nil
	}
	mopts, err := ManifestOptions(cfg)
	if err != nil {
		return nil, err
	}
	mopts.Exclude = append(mopts.Exclude, opts.Hidden...)
	mopts.Cache = opts.Cache
	mopts.Root = opts.Root
	res, err := manifest.Build(fsys, mopts)
	if err != nil {
		return nil, fmt.Errorf("list files: %w", err)
	}
	out := &Output{Manifest: res}
	// The site's files, as the walk found them, for the build key: the
	// page helper is added after it (a reused build brings its own).
	files := res.Entries
	if cfg.Manifest != nil {
		appFS := fsys
		if opts.Root != nil {
			appFS = opts.Root.FS()
		}
		if out.App, err = webApp(appFS, cfg, res); err != nil {
			return nil, err
		}
	}
	app := appEntries(cfg, out.App)
	finish := func(helper []byte) error {
		entries, err := manifestEntries(fsys, cfg, files, helper, app, opts)
		if err != nil {
			return err
		}
		res.Entries = entries
		res.Bytes = 0
		for _, e := range entries {
			res.Bytes += e.Size
		}
		return nil
	}
	if cfg.SwSrc != "" {
		if err := finish(helper); err != nil {
			return nil, err
		}
		out.Warnings = append(res.Warnings, injectWarnings(cfg)...)
		if out.Worker, err = inject(cfg.SwSrc, res.Entries); err != nil {
			return nil, err
		}
		out.PageHelper = helper
		out.Elapsed = time.Since(start)
		return out, nil
	}
	if r := opts.Reuse; r != nil {
		// The manifest and icons follow the source icon, which need not
		// be among the files the walk keeps.
		keyed := files
		for _, a := range app {
			keyed = append(slices.Clip(keyed), a.entry)
		}
		if out.Key, err = Key(keyed, cfg, r.Extra); err != nil {
			return nil, err
		}
		if r.Previous != nil {
			if prev, ok := r.Previous(out.Key); ok {
				// The build that generated prev checked the precached
				// pages of the same entries and config.
				if err := finish(prev.PageHelper); err != nil {
					return nil, err
				}
				out.Worker, out.PageHelper, out.Imports = prev.Worker, prev.PageHelper, prev.Imports
				out.Warnings = append(res.Warnings, sizeWarnings(res.Entries)...)
				out.Reused = true
				out.Elapsed = time.Since(start)
				return out, nil
			}
		}
	}
	if err := finish(helper); err != nil {
		return nil, err
	}
	out.Warnings = append(res.Warnings, entryWarnings(cfg)...)
	out.Warnings = append(out.Warnings, sizeWarnings(res.Entries)...)
	if err := checkPrecachedPages(cfg, res.Entries); err != nil {
		return nil, err
	}
	if opts.NoWorker {
		out.PageHelper = helper
		out.Elapsed = time.Since(start)
		return out, nil
	}
	worker, err := swgen.GenerateWorker(cfg, res.Entries)
	if err != nil {
		return nil, fmt.Errorf("generate worker: %w", err)
	}
	out.Worker, out.PageHelper = worker.Script, helper
	for name, data := range worker.Imports {
		if out.Imports == nil {
			out.Imports = map[string][]byte{}
		}
		out.Imports[path.Join(path.Dir(cfg.SwDest), name)] = data
	}
	out.Elapsed = time.Since(start)
	return out, nil
}

// inject bundles the worker source at src (a path on disk) with entries.
func inject(src string, entries []manifest.Entry) ([]byte, error) {
	info, err := os.Stat(src)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, &config.Error{Key: "swSrc", Msg: fmt.Sprintf("%q does not exist: name the file that imports 'swkit/sw'", src), Err: err}
	case err != nil:
		return nil, &config.Error{Key: "swSrc", Err: err}
	case info.IsDir():
		return nil, &config.Error{Key: "swSrc", Msg: fmt.Sprintf("%q is a folder: name the file itself, such as %q", src, filepath.Join(src, "sw.js"))}
	}
	dir := filepath.Dir(src)
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	defer root.Close()
	return swgen.Inject(swgen.InjectSource{FS: root.FS(), Entry: filepath.Base(src), Dir: filepath.ToSlash(dir)}, entries)
}

// injectWarnings are the options cfg sets that a worker source replaces.
func injectWarnings(cfg config.Config) []manifest.Warning {
	var set []string
	for _, o := range []struct {
		key string
		on  bool
	}{
		{"runtimeCaching", len(cfg.RuntimeCaching) > 0},
		{"navigateFallback", cfg.NavigateFallback != ""},
		{"offlinePage", cfg.OfflinePage != ""},
		{"skipWaiting", cfg.SkipWaiting},
		{"clientsClaim", cfg.ClientsClaim},
		{"navigationPreload", cfg.NavigationPreload},
		{"push", cfg.Push != nil},
	} {
		if o.on {
			set = append(set, o.key)
		}
	}
	if len(set) == 0 {
		return nil
	}
	return []manifest.Warning{{Path: filepath.ToSlash(cfg.SwSrc), Message: strings.Join(set, ", ") +
		" ignored: with swSrc your worker source decides (registerRoute, skipWaitingOnMessage, clientsClaim)"}}
}

// LargePrecache is the precache size above which a build warns, naming the
// kinds of file that weigh most: every first visit downloads all of it.
const LargePrecache = 10 << 20

// sizeWarnings warns when entries add up to more than LargePrecache bytes,
// with the three extensions that weigh most.
func sizeWarnings(entries []manifest.Entry) []manifest.Warning {
	var total int64
	type kind struct {
		ext   string
		bytes int64
		files int
	}
	byExt := map[string]*kind{}
	for _, e := range entries {
		total += e.Size
		ext := path.Ext(e.URL)
		if ext == "" {
			ext = "(none)"
		}
		k := byExt[ext]
		if k == nil {
			k = &kind{ext: ext}
			byExt[ext] = k
		}
		k.bytes += e.Size
		k.files++
	}
	if total <= LargePrecache {
		return nil
	}
	kinds := slices.SortedFunc(maps.Values(byExt), func(a, b *kind) int {
		if c := cmp.Compare(b.bytes, a.bytes); c != 0 {
			return c
		}
		return strings.Compare(a.ext, b.ext)
	})
	var parts []string
	for _, k := range kinds[:min(3, len(kinds))] {
		parts = append(parts, fmt.Sprintf("%s %s in %d files", k.ext, HumanBytes(k.bytes), k.files))
	}
	return []manifest.Warning{{Message: fmt.Sprintf(
		"the precache is %s in %d files, which every first visit downloads; most of it: %s. Narrow globPatterns or add globIgnores",
		HumanBytes(total), len(entries), strings.Join(parts, ", "))}}
}

// HumanBytes formats n as people read sizes: 512 B, 1.5 KiB, 11.9 MiB.
func HumanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%d B", n)
	}
}

// Key returns the key of a build's inputs: the site's entries (without the
// page helper), the config and extra.
func Key(entries []manifest.Entry, cfg config.Config, extra []byte) (string, error) {
	c, err := json.Marshal(cfg)
	if err != nil {
		return "", fmt.Errorf("build key: %w", err)
	}
	// The entries in chunks of keyChunk, hashed at once by GOMAXPROCS
	// goroutines (a no-change rebuild keys every entry of the site after
	// the walk, with nothing else to do), then the chunks' digests in order.
	chunks := make([][sha256.Size]byte, (len(entries)+keyChunk-1)/keyChunk)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(chunks)) {
		wg.Go(func() {
			b := make([]byte, 0, 64<<10)
			for {
				k := int(next.Add(1)) - 1
				if k >= len(chunks) {
					return
				}
				b = b[:0]
				for _, e := range entries[k*keyChunk : min((k+1)*keyChunk, len(entries))] {
					b = appendField(b, e.URL)
					b = appendField(b, e.Integrity)
					// The revision is a part of the integrity's digest:
					// whether there is one is enough.
					flags := uint64(e.Size) << 1
					if e.Revision != "" {
						flags |= 1
					}
					b = binary.AppendUvarint(b, flags)
				}
				chunks[k] = sha256.Sum256(b)
			}
		})
	}
	wg.Wait()
	b := appendField(nil, "swkit build key 3")
	b = appendField(b, string(c))
	b = appendField(b, string(extra))
	b = binary.AppendUvarint(b, uint64(len(entries)))
	for _, sum := range chunks {
		b = append(b, sum[:]...)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// Inputs identifies what decides a build besides the site's files: the
// config, extra (the swkit build, as Reuse.Extra) and the hidden paths
// (Options.Hidden). The same folder walked with the same inputs gives the
// same entries, and from them the same Key.
func Inputs(cfg config.Config, extra []byte, hidden []string) (string, error) {
	c, err := json.Marshal(cfg)
	if err != nil {
		return "", fmt.Errorf("build inputs: %w", err)
	}
	b := appendField(nil, "swkit build inputs 2")
	b = appendField(b, string(c))
	b = appendField(b, string(extra))
	for _, h := range hidden {
		b = appendField(b, h)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// keyChunk is the number of entries Key hashes in one piece.
const keyChunk = 1024

// appendField appends s to b as its length and bytes.
func appendField(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// ManifestOptions are the options a build lists the site with: cfg's
// (manifest.FromConfig), less the files swkit generates there.
func ManifestOptions(cfg config.Config) (manifest.Options, error) {
	opts, err := manifest.FromConfig(cfg)
	if err != nil {
		return manifest.Options{}, err
	}
	// The page helper is always precached, whatever the globs and size limit
	// say: pages import it, so without it they would not start offline. A
	// site file of the same name is replaced by it.
	// _headers is a static host's configuration (swkit build --headers),
	// which the host reads and never serves.
	opts.Exclude = append(opts.Exclude, cfg.SwDest, PageHelperName, "_headers")
	if cfg.Manifest != nil {
		// Generated: precached as this build makes them, not as on disk.
		opts.Exclude = append(opts.Exclude, webapp.Names(cfg.SwDest)...)
	}
	// Manifest files an earlier build wrote are the worker's, not the site's.
	opts.GlobIgnores = append(opts.GlobIgnores, path.Join(path.Dir(cfg.SwDest), swgen.ManifestFileGlob))
	return opts, nil
}

// webApp generates the web app manifest and icons of cfg.Manifest, by
// path from the site's root, and adds their warnings to res. A file of the
// site in their place that swkit did not generate stops the build, so that
// serving and writing agree: neither ever replaces a person's own manifest.
func webApp(fsys fs.FS, cfg config.Config, res *manifest.Result) (map[string][]byte, error) {
	app, warns, err := webapp.Generate(fsys, *cfg.Manifest, cfg.SwDest)
	if err != nil {
		return nil, err
	}
	for _, name := range slices.Sorted(maps.Keys(app)) {
		if old, err := fs.ReadFile(fsys, name); err == nil && !bytes.Equal(old, app[name]) && !IsOurs(old) {
			return nil, fmt.Errorf("%s %w: remove the manifest section from the config or move the file away", name, ErrNotOurs)
		}
	}
	res.Warnings = append(res.Warnings, warns...)
	res.Warnings = append(res.Warnings, webapp.CheckStartPage(*cfg.Manifest, cfg.SwDest, cfg.DirectoryIndex, func(name string) ([]byte, error) {
		return fs.ReadFile(fsys, name)
	})...)
	return app, nil
}

// BuildID identifies the running swkit build, for Reuse.Extra: its module
// version and VCS stamp, and the executable's path, size, modification time
// and (on Linux) inode, so that any rebuilt binary, and with it any change to
// the runtime or the generator, gives other keys.
func BuildID() []byte {
	var b bytes.Buffer
	if bi, ok := debug.ReadBuildInfo(); ok {
		fmt.Fprintf(&b, "%s %s %s\n", bi.GoVersion, bi.Main.Path, bi.Main.Version)
		for _, s := range bi.Settings {
			fmt.Fprintf(&b, "%s=%s\n", s.Key, s.Value)
		}
		for _, d := range bi.Deps {
			fmt.Fprintf(&b, "%s %s %s\n", d.Path, d.Version, d.Sum)
		}
	}
	if exe, err := os.Executable(); err == nil {
		fmt.Fprintf(&b, "exe %s\n", exe)
		if info, err := os.Stat(exe); err == nil {
			fmt.Fprintf(&b, "%d %d %s\n", info.Size(), info.ModTime().UnixNano(), fileID(info))
		}
	} else {
		fmt.Fprintf(&b, "exe unknown %v\n", err)
	}
	return b.Bytes()
}

// IsOurs reports whether data is a file swkit generated, so that rewriting
// or removing it loses nothing a person wrote: it starts with the exact
// first line of one of swkit's outputs (swgen.Banners). A file that merely
// mentions swkit is not.
func IsOurs(data []byte) bool {
	if webapp.IsOurs(data) {
		return true
	}
	banners := append(swgen.Banners[:len(swgen.Banners):len(swgen.Banners)], webapp.Banner)
	for _, b := range append(banners, hosting.Banners...) {
		if rest, ok := bytes.CutPrefix(data, []byte(b)); ok && (bytes.HasPrefix(rest, []byte("\n")) || bytes.HasPrefix(rest, []byte("\r\n"))) {
			return true
		}
	}
	return false
}

// ErrNotOurs is returned when a file swkit would write exists and was not written
// by swkit. It is package hosting's, which precompressed siblings share.
var ErrNotOurs = hosting.ErrNotOurs
