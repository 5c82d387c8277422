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
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/swkit/swkit/internal/config"
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
	// is ignored (pass Root.FS() or nil). Build then opens each folder it
	// hashes files of once per worker (Root.OpenRoot) and each file relative
	// to that folder, closing the folder handles when done, instead of
	// resolving every file's path from the root one folder at a time. As
	// with Root.FS(), no symbolic link can lead out of Root.
	Root *os.Root
}

// HashCache remembers the SHA-256 of files between builds, keyed by what a
// stat tells (internal/buildcache keys by path, size, modification time and,
// where cheap, inode and change time). Build calls it from several goroutines.
type HashCache interface {
	// Lookup returns the digest stored for the file at the slash path p
	// whose stat is info, if the cache still trusts it.
	Lookup(p string, info fs.FileInfo) (sum [sha256.Size]byte, ok bool)
	// Store records the digest of the file at p, read after info was taken.
	Store(p string, info fs.FileInfo, sum [sha256.Size]byte)
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

// DefaultMaximumFileSizeToCacheInBytes is the default size limit.
const DefaultMaximumFileSizeToCacheInBytes = config.DefaultMaximumFileSizeToCacheInBytes

// revisionLen is the length of Entry.Revision: 64 bits of the hash are plenty
// to tell versions of one URL apart.
const revisionLen = 16

// Build walks fsys and returns the precache entries of the files that opts
// select. Names starting with "." are never listed, and dot-folders are not
// entered. Only regular files are listed (symbolic links and other special
// files are skipped). Errors name the path at fault.
func Build(fsys fs.FS, opts Options) (*Result, error) {
	o, err := withDefaults(opts)
	if err != nil {
		return nil, err
	}
	res := &Result{Entries: []Entry{}, Warnings: []Warning{}}
	var paths []string
	var infos []fs.FileInfo
	walk := func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("manifest: %s: %w", p, err)
		}
		if p == "." {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if o.ignoresTree(p) {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || slices.Contains(o.Exclude, p) || !o.selects(p) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return fmt.Errorf("manifest: %s: %w", p, err)
		}
		if size := info.Size(); size > o.MaximumFileSizeToCacheInBytes {
			res.Warnings = append(res.Warnings, Warning{
				Path: p,
				Message: fmt.Sprintf("%s is %d bytes, over maximumFileSizeToCacheInBytes (%d): not precached",
					p, size, o.MaximumFileSizeToCacheInBytes),
			})
			return nil
		}
		paths = append(paths, p)
		infos = append(infos, info)
		return nil
	}
	var open opener = fsOpener{fsys}
	if o.Root != nil {
		fsys = o.Root.FS()
		open = &folderOpener{root: o.Root}
	}
	if err := fs.WalkDir(fsys, ".", walk); err != nil {
		return nil, err
	}

	sums, lens, err := hashAll(open, paths, infos, o.Cache, o.Concurrency)
	if err != nil {
		return nil, err
	}
	for i, p := range paths {
		e := newEntry(p, sums[i], lens[i], !o.DontCacheBust(p))
		res.Entries = append(res.Entries, e)
		res.Bytes += e.Size
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
		if doublestar.MatchUnvalidated(pat, p) {
			return true
		}
	}
	return false
}

// hashAll hashes the files at paths with at most workers at once, asking
// cache first (when not nil) with each file's stat from infos. It returns
// the digests and byte counts in the order of paths or, when files fail, the
// error of the first failing path in that order: results never depend on
// the scheduling.
//
// The workers take the files folder by folder, so that an opener that keeps
// its folder open (folderOpener) opens each folder about once per worker.
func hashAll(open opener, paths []string, infos []fs.FileInfo, cache HashCache, workers int) ([][sha256.Size]byte, []int64, error) {
	sums := make([][sha256.Size]byte, len(paths))
	lens := make([]int64, len(paths))
	errs := make([]error, len(paths))
	order := byFolder(paths)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, len(paths)) {
		wg.Go(func() {
			h := sha256.New()
			buf := make([]byte, hashBufferSize)
			w := open.worker()
			defer w.close()
			for {
				k := int(next.Add(1)) - 1
				if k >= len(order) {
					return
				}
				i := order[k]
				if cache != nil {
					if sum, ok := cache.Lookup(paths[i], infos[i]); ok {
						sums[i], lens[i] = sum, infos[i].Size()
						continue
					}
				}
				lens[i], errs[i] = hashFile(w, paths[i], h, buf)
				h.Sum(sums[i][:0])
				// A file whose length changed while it was read changed
				// after its stat: leave it for the next build to hash.
				if cache != nil && errs[i] == nil && lens[i] == infos[i].Size() {
					cache.Store(paths[i], infos[i], sums[i])
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, nil, err
		}
	}
	return sums, lens, nil
}

// hashBufferSize is the read size of each hashing worker: most files take
// one read (and one more to see the end), the largest precached ones a few.
const hashBufferSize = 256 << 10

// byFolder returns the indexes of paths grouped by folder, in path order
// within a folder (the walk lists a folder's files between its subfolders).
func byFolder(paths []string) []int {
	order := make([]int, len(paths))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return strings.Compare(path.Dir(paths[a]), path.Dir(paths[b]))
	})
	return order
}

// hashFile streams the file at p into h (reset first) through buf.
func hashFile(w fileOpener, p string, h hash.Hash, buf []byte) (int64, error) {
	f, err := w.open(p)
	if err != nil {
		return 0, fmt.Errorf("manifest: %w", err)
	}
	defer f.Close()
	h.Reset()
	// Hide any WriterTo/ReaderFrom so that io.CopyBuffer uses buf.
	n, err := io.CopyBuffer(struct{ io.Writer }{h}, struct{ io.Reader }{f}, buf)
	if err != nil {
		return 0, fmt.Errorf("manifest: read %s: %w", p, err)
	}
	return n, nil
}

// An opener gives each hashing worker its own fileOpener.
type opener interface{ worker() fileOpener }

// A fileOpener opens the files of one worker, one at a time.
type fileOpener interface {
	open(p string) (io.ReadCloser, error)
	close() // releases what open kept
}

// fsOpener opens each file by its path in an fs.FS.
type fsOpener struct{ fsys fs.FS }

func (o fsOpener) worker() fileOpener                   { return o }
func (o fsOpener) open(p string) (io.ReadCloser, error) { return o.fsys.Open(p) }
func (fsOpener) close()                                 {}

// folderOpener opens files relative to their folder in an os.Root: each
// worker keeps the folder of its last file open, so a folder of many files
// costs one walk from the root rather than one per file.
type folderOpener struct{ root *os.Root }

func (o *folderOpener) worker() fileOpener { return &folderWorker{root: o.root} }

type folderWorker struct {
	root *os.Root
	dir  string   // the folder open in sub ("" when none)
	sub  *os.Root // dir, opened in root
}

func (w *folderWorker) open(p string) (io.ReadCloser, error) {
	dir, base := path.Split(p)
	if dir == "" {
		return w.root.Open(base)
	}
	if dir != w.dir || w.sub == nil {
		w.close()
		sub, err := w.root.OpenRoot(dir[:len(dir)-1])
		if err != nil {
			return nil, namePath(err, p)
		}
		w.dir, w.sub = dir, sub
	}
	f, err := w.sub.Open(base)
	if err != nil {
		return nil, namePath(err, p)
	}
	return f, nil
}

// namePath names the file at p, from the root, in err (from opening it or
// its folder), as opening it from the root would.
func namePath(err error, p string) error {
	if pe, ok := err.(*fs.PathError); ok {
		return &fs.PathError{Op: pe.Op, Path: p, Err: pe.Err}
	}
	return err
}

func (w *folderWorker) close() {
	if w.sub != nil {
		w.sub.Close()
		w.dir, w.sub = "", nil
	}
}

// EntryFor is the entry of a file swkit generates in memory (the page helper),
// with a revision.
func EntryFor(path string, data []byte) Entry {
	return newEntry(path, sha256.Sum256(data), int64(len(data)), true)
}

func newEntry(p string, sum [sha256.Size]byte, size int64, revisioned bool) Entry {
	e := Entry{
		URL:       encodePath(p),
		Integrity: "sha256-" + base64.StdEncoding.EncodeToString(sum[:]),
		Size:      size,
	}
	if revisioned {
		e.Revision = hex.EncodeToString(sum[:])[:revisionLen]
	}
	return e
}
