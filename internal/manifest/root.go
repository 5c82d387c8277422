package manifest

import (
	"crypto/sha256"
	"fmt"
	"github.com/swkit/swkit/internal/experiment"
	"hash"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// batchSize bounds the files of one folder that a worker hashes at once, so
// that the workers share a large folder.
const batchSize = 32

// A dirHandle is a folder open during a build, in which the walk lists,
// stats and opens entries by name: one path element, never "." or "..".
// No symbolic link is followed, so none can lead out of the folder.
type dirHandle interface {
	// readDir lists the folder, unsorted, without "." and "..", using buf.
	readDir(buf []byte) ([]dirEntry, error)
	// stat is the folder's own stat.
	stat() (fs.FileInfo, error)
	// lstat is the stat of the entry name, not following a link. Where
	// the platform's stat fits in a statBuf, the result is buf (when not
	// nil), valid until buf's next use: keepStat copies it.
	lstat(name string, buf *statBuf) (fs.FileInfo, error)
	openDir(name string) (dirHandle, error)
	// openPath opens the folder at the slash path p below this one (no
	// "." or ".." element), following no link on the way.
	openPath(p string) (dirHandle, error)
	openFile(name string) (io.ReadCloser, error)
	close()
}

// dirEntry is a name in a folder listing and the type the listing gave.
type dirEntry struct {
	name  string
	typ   fs.FileMode // type bits (0: regular file) when known
	known bool        // the listing said the type (no lstat needed to tell)
	info  fs.FileInfo // its lstat, when taken to learn the type
}

// compareEntries orders a folder's entries as their paths sort byte by
// byte, a folder's name followed by "/" ("a-b" < "a/" < "a.b"), so that the
// walk meets files in the order of their paths and, nearly always, of
// their URLs: the entries then need no sorting.
func compareEntries(a, b *dirEntry) int {
	an, bn := a.name, b.name
	n := min(len(an), len(bn))
	if c := strings.Compare(an[:n], bn[:n]); c != 0 {
		return c
	}
	next := func(e *dirEntry, name string) int {
		switch {
		case len(name) > n:
			return int(name[n])
		case e.typ.IsDir():
			return '/'
		}
		return -1 // ends here
	}
	return next(a, an) - next(b, bn)
}

// compareWalkOrder orders slash paths as fs.WalkDir visits them: by name
// within each folder, a folder's files right after its name.
func compareWalkOrder(a, b string) int {
	for {
		ae, arest, amore := strings.Cut(a, "/")
		be, brest, bmore := strings.Cut(b, "/")
		if c := strings.Compare(ae, be); c != 0 || !amore || !bmore {
			if c == 0 {
				switch {
				case amore:
					return 1
				case bmore:
					return -1
				}
			}
			return c
		}
		a, b = arest, brest
	}
}

// rootHandle is a dirHandle for an os.Root: the portable one.
type rootHandle struct {
	r     *os.Root
	owned bool // close r with the handle
}

func (h rootHandle) readDir([]byte) ([]dirEntry, error) {
	f, err := h.r.Open(".")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	list, err := f.ReadDir(-1)
	if err != nil {
		return nil, err
	}
	out := make([]dirEntry, len(list))
	for i, e := range list {
		out[i] = dirEntry{name: e.Name(), typ: e.Type(), known: true}
	}
	return out, nil
}

func (h rootHandle) lstat(name string, _ *statBuf) (fs.FileInfo, error) { return h.r.Lstat(name) }

func (h rootHandle) stat() (fs.FileInfo, error) { return h.r.Stat(".") }

func (h rootHandle) openDir(name string) (dirHandle, error) {
	// OpenRoot follows a link that stays inside, which the walk would not
	// enter: refuse links here as the listing does.
	info, err := h.r.Lstat(name)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return nil, &fs.PathError{Op: "openat", Path: name, Err: fs.ErrInvalid}
	}
	r, err := h.r.OpenRoot(name)
	if err != nil {
		return nil, err
	}
	return rootHandle{r: r, owned: true}, nil
}

func (h rootHandle) openPath(p string) (dirHandle, error) { return openPathByName(h, p) }

func (h rootHandle) openFile(name string) (io.ReadCloser, error) { return h.r.Open(name) }

func (h rootHandle) close() {
	if h.owned {
		h.r.Close()
	}
}

// walkDir is a folder of a parallel walk (buildRoot).
type walkDir struct {
	path   string // slash path from the root; "." for the root
	name   string // in parent
	parent *walkDir
	h      dirHandle    // open while refs > 0
	refs   atomic.Int32 // the listing, subfolders not yet opened, batches not yet hashed
	items  []walkItem   // in name order, once listed
	err    error        // opening or listing it failed
}

// walkItem is what the walk keeps of one folder entry, in walk order.
type walkItem struct {
	file *walkFile
	dir  *walkDir
	warn *Warning
	err  error
}

type walkFile struct {
	path  string
	name  string
	info  fs.FileInfo // of a file to hash
	entry Entry
	err   error
}

// walkJob lists dir (files nil) or hashes files of dir.
type walkJob struct {
	dir   *walkDir
	files []*walkFile
}

// rootWalk lists a folder tree with several workers at once, each taking
// a folder (listing it and stating its files) or a batch of a folder's files
// to hash: on a rebuild whose digests the cache has, the walk is nearly all
// of the work, and it is system calls, which one goroutine would make one
// after the other.
type rootWalk struct {
	o      *Options
	mu     sync.Mutex
	cond   sync.Cond
	stack  []walkJob // last in, first out: depth first, so few folders are open at once
	active int       // jobs queued or running
	failed atomic.Bool
	files  atomic.Int64 // listed to precache
}

// buildRoot is Build over opts.Root (see Options.Root), opts with defaults.
func buildRoot(o *Options) (*Result, error) {
	h, err := openRootHandle(o.Root)
	if err != nil {
		return nil, fmt.Errorf("manifest: .: %w", err)
	}
	w := &rootWalk{o: o}
	w.cond.L = &w.mu
	top := &walkDir{path: ".", h: h}
	top.refs.Store(1)
	w.stack = append(w.stack, walkJob{dir: top})
	w.active = 1
	var wg sync.WaitGroup
	for range max(o.Concurrency, 1) {
		wg.Go(w.work)
	}
	wg.Wait()

	res := &Result{Entries: make([]Entry, 0, w.files.Load()), Warnings: []Warning{}, Folders: 1}
	if err := collect(top, res); err != nil {
		return nil, err
	}
	// Walk order is by path (compareEntries); percent-encoding can change
	// the order of URLs.
	byURL := func(a, b Entry) int { return strings.Compare(a.URL, b.URL) }
	if !slices.IsSortedFunc(res.Entries, byURL) {
		slices.SortFunc(res.Entries, byURL)
	}
	SortWarnings(res.Warnings) // as the fs.FS walk gives them
	return res, nil
}

// collect appends the entries and warnings of d to res in walk order, or
// returns the first error in that order.
func collect(d *walkDir, res *Result) error {
	if d.err != nil {
		return d.err
	}
	for _, it := range d.items {
		switch {
		case it.err != nil:
			return it.err
		case it.dir != nil:
			res.Folders++
			if err := collect(it.dir, res); err != nil {
				return err
			}
		case it.warn != nil:
			res.Warnings = append(res.Warnings, *it.warn)
		default:
			if it.file.err != nil {
				return it.file.err
			}
			res.Entries = append(res.Entries, it.file.entry)
			res.Bytes += it.file.entry.Size
		}
	}
	return nil
}

func (w *rootWalk) work() {
	var st workerState
	for {
		w.mu.Lock()
		for len(w.stack) == 0 && w.active > 0 {
			w.cond.Wait()
		}
		if len(w.stack) == 0 {
			w.mu.Unlock()
			return
		}
		j := w.stack[len(w.stack)-1]
		w.stack = w.stack[:len(w.stack)-1]
		w.mu.Unlock()

		var more []walkJob
		if j.files != nil {
			w.hash(j.dir, j.files, &st)
		} else {
			more = w.list(j.dir, &st)
		}

		w.mu.Lock()
		w.stack = append(w.stack, more...)
		w.active += len(more) - 1
		switch {
		case w.active == 0:
			w.cond.Broadcast() // done: let every worker return
		case len(more) == 1:
			w.cond.Signal()
		case len(more) > 1:
			w.cond.Broadcast()
		}
		w.mu.Unlock()
	}
}

// workerState is what a worker reuses from job to job.
type workerState struct {
	stat   statBuf
	dirBuf []byte
	h      hash.Hash
	buf    []byte
}

func (w *rootWalk) fail(err error) error {
	w.failed.Store(true)
	return err
}

// release drops one reference to d, closing it after the last.
func release(d *walkDir) {
	if d.refs.Add(-1) == 0 {
		d.h.close()
	}
}

// list opens d (but the root) from its parent, lists it, and stats and
// looks up in the cache the files the options select. It returns the jobs
// that are left: its subfolders and batches of the files the cache does not
// know.
func (w *rootWalk) list(d *walkDir, st *workerState) []walkJob {
	if d.parent != nil {
		if w.failed.Load() {
			release(d.parent)
			return nil
		}
		h, err := d.parent.h.openDir(d.name)
		release(d.parent)
		if err != nil {
			d.err = w.fail(fmt.Errorf("manifest: %s: %w", d.path, namePath(err, d.path)))
			return nil
		}
		d.h = h
		d.refs.Store(1)
	}
	defer release(d)
	entries, err := w.readDir(d, st)
	if err != nil {
		d.err = w.fail(fmt.Errorf("manifest: %s: %w", d.path, namePath(err, d.path)))
		return nil
	}
	o := w.o
	var subs []*walkDir
	var misses []*walkFile
	var files []walkFile
	d.items = make([]walkItem, 0, len(entries))
	for _, e := range entries {
		if strings.HasPrefix(e.name, ".") {
			continue
		}
		p := e.name
		if d.path != "." {
			p = d.path + "/" + e.name
		}
		info := e.info
		if !e.known && info == nil {
			if info, err = d.h.lstat(e.name, nil); err != nil {
				d.items = append(d.items, walkItem{err: w.fail(fmt.Errorf("manifest: %s: %w", p, namePath(err, p)))})
				break
			}
			e.typ = info.Mode().Type()
		}
		if e.typ.IsDir() {
			if o.ignoresTree(p) {
				continue
			}
			sub := &walkDir{path: p, name: e.name, parent: d}
			subs = append(subs, sub)
			d.items = append(d.items, walkItem{dir: sub})
			continue
		}
		if !e.typ.IsRegular() || !o.takes(p) {
			continue
		}
		if info == nil {
			// Into the worker's buffer: most files are only looked up.
			if info, err = d.h.lstat(e.name, &st.stat); err != nil {
				d.items = append(d.items, walkItem{err: w.fail(fmt.Errorf("manifest: %s: %w", p, namePath(err, p)))})
				break
			}
		}
		if !info.Mode().IsRegular() {
			continue // replaced since the listing
		}
		if size := info.Size(); size > o.MaximumFileSizeToCacheInBytes {
			warn := OversizeWarning(p, size, o.MaximumFileSizeToCacheInBytes)
			d.items = append(d.items, walkItem{warn: &warn})
			if dc, ok := o.Cache.(DirCache); ok {
				dc.StoreOversized(p, info)
			}
			continue
		}
		if files == nil {
			files = make([]walkFile, 0, len(entries)) // one allocation for the folder's files
		}
		files = append(files, walkFile{path: p, name: e.name})
		f := &files[len(files)-1]
		d.items = append(d.items, walkItem{file: f})
		if o.Cache != nil {
			if sum, ok := o.Cache.Lookup(p, info); ok {
				f.entry = newEntry(p, sum, info.Size(), !o.DontCacheBust(p))
				continue
			}
		}
		f.info = keepStat(info, &st.stat)
		misses = append(misses, f)
	}
	w.files.Add(int64(len(files)))
	jobs := make([]walkJob, 0, len(subs)+(len(misses)+batchSize-1)/batchSize)
	d.refs.Add(int32(cap(jobs)))
	for start := 0; start < len(misses); start += batchSize {
		jobs = append(jobs, walkJob{dir: d, files: misses[start:min(start+batchSize, len(misses))]})
	}
	// Popped last in, first out: the first subfolder is walked first.
	for _, sub := range slices.Backward(subs) {
		jobs = append(jobs, walkJob{dir: sub})
	}
	return jobs
}

// readDir returns the listing of d in compareEntries order, without the
// names that start with ".": the one the cache has for d's stat, or else
// d's own.
func (w *rootWalk) readDir(d *walkDir, st *workerState) ([]dirEntry, error) {
	dc, _ := w.o.Cache.(DirCache)
	if experiment.Off("nodircache") {
		dc = nil
	}
	var info fs.FileInfo
	if dc != nil {
		var err error
		if info, err = d.h.stat(); err != nil {
			return nil, err
		}
		if names, types, ok := dc.LookupDir(d.path, info); ok && len(names) == len(types) {
			entries := make([]dirEntry, len(names))
			for i, name := range names {
				entries[i] = dirEntry{name: name, typ: types[i], known: true}
			}
			// Stored in this order (then a check is enough), unless by
			// another version.
			if !slices.IsSortedFunc(entries, func(a, b dirEntry) int { return compareEntries(&a, &b) }) {
				slices.SortFunc(entries, func(a, b dirEntry) int { return compareEntries(&a, &b) })
			}
			return entries, nil
		}
	}
	entries, known, err := listSorted(d.h, st)
	if err != nil {
		return nil, err
	}
	if dc != nil && known {
		names, types := make([]string, len(entries)), make([]fs.FileMode, len(entries))
		for i, e := range entries {
			names[i], types[i] = e.name, e.typ
		}
		dc.StoreDir(d.path, info, names, types)
	}
	return entries, nil
}

// listSorted lists the folder h in compareEntries order, without the names
// that start with ".". known reports that the listing gave every type (a
// file system without d_type needs an lstat for each, which the entry then
// carries).
func listSorted(h dirHandle, st *workerState) (entries []dirEntry, known bool, err error) {
	if st.dirBuf == nil {
		st.dirBuf = make([]byte, 16<<10)
	}
	all, err := h.readDir(st.dirBuf)
	if err != nil {
		return nil, false, err
	}
	entries = all[:0]
	known = true
	for _, e := range all {
		if strings.HasPrefix(e.name, ".") {
			continue
		}
		if !e.known {
			// The order needs the type.
			known = false
			if info, err := h.lstat(e.name, nil); err == nil {
				e.info, e.typ = info, info.Mode().Type()
			}
		}
		entries = append(entries, e)
	}
	slices.SortFunc(entries, func(a, b dirEntry) int { return compareEntries(&a, &b) })
	return entries, known, nil
}

// hash reads and hashes files of d, storing their digests in the cache.
func (w *rootWalk) hash(d *walkDir, files []*walkFile, st *workerState) {
	defer release(d)
	if st.h == nil {
		st.h, st.buf = sha256.New(), make([]byte, hashBufferSize)
	}
	for _, f := range files {
		if w.failed.Load() {
			return
		}
		open := func() (io.ReadCloser, error) {
			r, err := d.h.openFile(f.name)
			if err != nil {
				return nil, namePath(err, f.path)
			}
			return r, nil
		}
		sum, n, err := hashFile(open, f.path, f.info, w.o.Cache, st.h, st.buf)
		if err != nil {
			f.err = w.fail(err)
			return
		}
		f.entry = newEntry(f.path, sum, n, !w.o.DontCacheBust(f.path))
	}
}
