// Package manifest lists the files of a site for precaching: it walks an
// fs.FS, keeps the files the glob patterns select, and hashes them in
// parallel into entries with a revision and a subresource-integrity digest.
package manifest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/swkit/swkit/config"
)

// Options select and describe the files of a manifest. The zero value of each
// field means its default.
type Options struct {
	// GlobPatterns select files by their slash-separated path relative to the
	// root of the fs.FS (doublestar syntax). Default: {"**/*"}.
	GlobPatterns []string
	// GlobIgnores drop files that GlobPatterns selected.
	GlobIgnores []string
	// MaximumFileSizeToCacheInBytes skips larger files, each with a Warning.
	// Default: 2 MiB. Negative is an error.
	MaximumFileSizeToCacheInBytes int64
	// DontCacheBust reports whether the file at a slash-separated path carries
	// a content hash in its name, so that its URL alone identifies a version
	// and its Entry has no Revision. Default (nil): DefaultHashedName.
	DontCacheBust func(name string) bool
	// Exclude lists exact paths that are always left out, silently: the
	// generated worker, which must never precache itself.
	Exclude []string
	// Concurrency bounds the files hashed at once. Default:
	// runtime.GOMAXPROCS(0).
	Concurrency int
	// Cache, when set, remembers digests between builds: a file it knows
	// (same path, size and modification time, as it decides) is not read.
	Cache HashCache
	// Root, when set, is the folder to list, and the fs.FS passed to Build
	// is ignored (pass Root.FS() or nil). Build walks Root.FS() as it walks
	// any fs.FS, and the hashing workers open each file from its folder
	// (each keeps the last folder it opened) instead of resolving the
	// file's whole path from the top: os.Root opens a path one element at
	// a time, and this saves that for every file. As with Root.FS(), no
	// symbolic link can lead out of Root; a file that became a link after
	// the walk listed it fails the build.
	Root *os.Root
}

// HashCache remembers the SHA-256 of files between builds, keyed by what a
// stat tells (internal/buildcache keys by path, size, modification time and,
// where cheap, inode and change time). Build calls it from several goroutines.
type HashCache interface {
	// Lookup returns the digest stored for the file at the slash path p
	// whose stat is info, if the cache still trusts it. info is valid only
	// during the call.
	Lookup(p string, info fs.FileInfo) (sum [sha256.Size]byte, ok bool)
	// Store records the digest of the file at p, read after info was taken.
	Store(p string, info fs.FileInfo, sum [sha256.Size]byte)
}

// WalkRecorder is a HashCache that also records what else a later build
// needs to tell, from stats alone, that the folder is as this walk saw it:
// Build calls StoreDir for each folder it enters (the root "." among them),
// with the folder's stat taken before it is listed, and StoreOversized for
// each selected file it leaves out for its size, in walk order.
type WalkRecorder interface {
	HashCache
	StoreDir(p string, info fs.FileInfo)
	StoreOversized(p string, info fs.FileInfo)
}

// Entry is one precached file.
type Entry struct {
	// URL is the path relative to the worker's folder, slash-separated and
	// percent-encoded as a browser requests it ("css/app.css", "a%20b.png").
	URL string `json:"url"`
	// Revision is the first 16 hex digits of the SHA-256 of the content, or ""
	// when the name already carries a hash (Options.DontCacheBust).
	Revision string `json:"revision"`
	// Integrity is "sha256-" and the standard base64 of the content's SHA-256,
	// as Subresource Integrity writes it.
	Integrity string `json:"integrity"`
	// Size is the content length in bytes.
	Size int64 `json:"size"`
}

// Warning is a problem that did not stop the build, such as a file skipped
// for its size.
type Warning struct {
	Path    string `json:"path"` // slash-separated, relative to the root
	Message string `json:"message"`
}

// Result is a built manifest.
type Result struct {
	// Entries are sorted by URL: the same files give the same Entries,
	// whatever the scheduling of the hashing.
	Entries []Entry `json:"entries"`
	// Warnings are in path order.
	Warnings []Warning `json:"warnings"`
	// Bytes is the total Size of Entries.
	Bytes int64 `json:"bytes"`
}

// isSibling reports whether p is a precompressed sibling ("app.js.br",
// "app.js.gz") of a file beside it: another encoding of that file, which
// the server picks by Accept-Encoding, never fetched by its own URL.
func isSibling(fsys fs.FS, p string) bool {
	for _, suffix := range []string{".br", ".gz"} {
		if base, ok := strings.CutSuffix(p, suffix); ok && !strings.HasSuffix(base, "/") && base != "" {
			if info, err := fs.Stat(fsys, base); err == nil && info.Mode().IsRegular() {
				return true
			}
		}
	}
	return false
}

// OversizeWarning is the warning for the file at p, of size bytes, left
// out for being over limit (maximumFileSizeToCacheInBytes).
func OversizeWarning(p string, size, limit int64) Warning {
	return Warning{
		Path:    p,
		Message: fmt.Sprintf("%d bytes, over maximumFileSizeToCacheInBytes (%d): not precached", size, limit),
	}
}

// DefaultMaximumFileSizeToCacheInBytes is the default size limit.
const DefaultMaximumFileSizeToCacheInBytes = config.DefaultMaximumFileSizeToCacheInBytes

// revisionLen is the length of Entry.Revision: 64 bits of the hash are plenty
// to tell versions of one URL apart.
const revisionLen = 16

// Build walks fsys and returns the precache entries of the files that opts
// select. Names starting with "." are never listed, and dot-folders are not
// entered. Only regular files are listed (symbolic links and other special
// files are skipped). The files the cache does not know are hashed by
// opts.Concurrency workers while the walk goes on. Errors name the path at
// fault; with several, the first in walk order.
//
// For a folder on disk, set opts.Root (or pass the FS of an os.Root): no
// symbolic link can then lead out of it.
func Build(fsys fs.FS, opts Options) (*Result, error) {
	o, err := withDefaults(opts)
	if err != nil {
		return nil, err
	}
	var open func(string) (fs.File, error) // nil with Root: each worker opens from its folders
	if o.Root != nil {
		fsys = o.Root.FS()
	} else {
		open = fsys.Open
	}
	rec, _ := o.Cache.(WalkRecorder)
	res := &Result{Entries: []Entry{}, Warnings: []Warning{}}
	var files []walkedFile
	h := startHashing(o.Root, open, o.Cache, o.Concurrency)
	walk := func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("manifest: %s: %w", p, err)
		}
		if p != "." && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if p != "." && o.ignoresTree(p) {
				return fs.SkipDir
			}
			if rec != nil {
				// The stat from the parent's listing (for ".", from
				// fs.WalkDir's Stat), taken before this folder is listed.
				info, err := d.Info()
				if err != nil {
					return fmt.Errorf("manifest: %s: %w", p, err)
				}
				rec.StoreDir(p, info)
			}
			return nil
		}
		if !d.Type().IsRegular() || !o.takes(p) || isSibling(fsys, p) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return fmt.Errorf("manifest: %s: %w", p, err)
		}
		if size := info.Size(); size > o.MaximumFileSizeToCacheInBytes {
			res.Warnings = append(res.Warnings, OversizeWarning(p, size, o.MaximumFileSizeToCacheInBytes))
			if rec != nil {
				rec.StoreOversized(p, info)
			}
			return nil
		}
		files = append(files, walkedFile{path: p, size: info.Size()})
		if o.Cache != nil {
			if sum, ok := o.Cache.Lookup(p, info); ok {
				files[len(files)-1].sum = sum
				return nil
			}
		}
		h.add(len(files)-1, p, info)
		return nil
	}
	werr := fs.WalkDir(fsys, ".", walk)
	hashed, herr := h.wait()
	if werr != nil {
		return nil, werr
	}
	if herr != nil {
		return nil, herr
	}
	for _, r := range hashed {
		files[r.i].sum, files[r.i].size = r.sum, r.n
	}
	res.Entries = make([]Entry, len(files))
	for i, f := range files {
		res.Entries[i] = newEntry(f.path, f.sum, f.size, !o.DontCacheBust(f.path))
		res.Bytes += f.size
	}
	// Walk order is by path; percent-encoding can change the order of URLs.
	slices.SortFunc(res.Entries, func(a, b Entry) int { return strings.Compare(a.URL, b.URL) })
	return res, nil
}

// FromConfig returns the Options that cfg describes: its globs and size
// limit, its dontCacheBustURLsMatching compiled (tested against the
// slash-separated path), and its worker (swDest, default "sw.js") excluded.
func FromConfig(cfg config.Config) (Options, error) {
	o := Options{
		GlobPatterns:                  slices.Clone(cfg.GlobPatterns),
		GlobIgnores:                   slices.Clone(cfg.GlobIgnores),
		MaximumFileSizeToCacheInBytes: cfg.MaximumFileSizeToCacheInBytes,
		Exclude:                       []string{orDefault(cfg.SwDest, config.DefaultSwDest)},
	}
	if s := cfg.DontCacheBustURLsMatching; s != "" {
		re, err := regexp.Compile(s)
		if err != nil {
			return Options{}, fmt.Errorf("manifest: dontCacheBustURLsMatching: %w", err)
		}
		o.DontCacheBust = re.MatchString
	}
	return o, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// withDefaults fills in opts' defaults and checks its patterns.
func withDefaults(o Options) (Options, error) {
	if len(o.GlobPatterns) == 0 {
		o.GlobPatterns = []string{"**/*"}
	}
	for _, p := range slices.Concat(o.GlobPatterns, o.GlobIgnores) {
		if !doublestar.ValidatePattern(p) {
			return o, fmt.Errorf("manifest: invalid glob pattern %q", p)
		}
	}
	switch {
	case o.MaximumFileSizeToCacheInBytes == 0:
		o.MaximumFileSizeToCacheInBytes = DefaultMaximumFileSizeToCacheInBytes
	case o.MaximumFileSizeToCacheInBytes < 0:
		return o, errors.New("manifest: negative MaximumFileSizeToCacheInBytes")
	}
	if o.DontCacheBust == nil {
		o.DontCacheBust = DefaultHashedName
	}
	if o.Concurrency <= 0 {
		o.Concurrency = runtime.GOMAXPROCS(0)
	}
	return o, nil
}

func (o *Options) selects(p string) bool {
	return matchAny(o.GlobPatterns, p) && !matchAny(o.GlobIgnores, p)
}

// takes reports whether the regular file at p is one Build lists: not
// excluded, and selected.
func (o *Options) takes(p string) bool {
	return !slices.Contains(o.Exclude, p) && o.selects(p)
}

// ignoresTree reports whether an ignore pattern "X/**" drops everything under
// folder dir, so the walk need not enter it (node_modules/**, say).
func (o *Options) ignoresTree(dir string) bool {
	for _, ig := range o.GlobIgnores {
		if prefix, ok := strings.CutSuffix(ig, "/**"); ok && doublestar.MatchUnvalidated(prefix, dir) {
			return true
		}
	}
	return false
}

func matchAny(patterns []string, p string) bool {
	for _, pat := range patterns {
		// The default pattern matches every path: skip the matcher, which
		// a rebuild would otherwise run for every file.
		if pat == "**/*" || pat == "**" || doublestar.MatchUnvalidated(pat, p) {
			return true
		}
	}
	return false
}

// EntryFor is the entry of a file swkit generates in memory (the page helper),
// with a revision.
func EntryFor(path string, data []byte) Entry {
	return newEntry(path, sha256.Sum256(data), int64(len(data)), true)
}

func newEntry(p string, sum [sha256.Size]byte, size int64, revisioned bool) Entry {
	// Integrity and Revision share one allocation: a rebuild makes an
	// entry for every file.
	const prefix = "sha256-"
	var b64 [44]byte // base64 of 32 bytes
	var rev [revisionLen]byte
	base64.StdEncoding.Encode(b64[:], sum[:])
	var sb strings.Builder
	sb.Grow(len(prefix) + len(b64) + len(rev))
	sb.WriteString(prefix)
	sb.Write(b64[:])
	if revisioned {
		hex.Encode(rev[:], sum[:revisionLen/2])
		sb.Write(rev[:])
	}
	s := sb.String()
	e := Entry{URL: encodePath(p), Integrity: s[:len(prefix)+len(b64)], Size: size}
	if revisioned {
		e.Revision = s[len(prefix)+len(b64):]
	}
	return e
}
