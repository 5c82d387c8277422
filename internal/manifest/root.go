package manifest

import (
	"crypto/sha256"
	"fmt"
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
	// lstat is the stat of the entry name, not following a link.
	lstat(name string) (fs.FileInfo, error)
	openDir(name string) (dirHandle, error)
	openFile(name string) (io.ReadCloser, error)
	close()
}

// dirEntry is a name in a folder listing and the type the listing gave.
type dirEntry struct {
	name  string
	typ   fs.FileMode // type bits (0: regular file) when known
	known bool        // the listing said the type (no lstat needed to tell)
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

func (h rootHandle) lstat(name string) (fs.FileInfo, error) { return h.r.Lstat(name) }

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
	info  fs.FileInfo
	sum   [sha256.Size]byte
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

	res := &Result{Entries: []Entry{}, Warnings: []Warning{}}
	if err := collect(top, res); err != nil {
		return nil, err
	}
	// Walk order is by path; percent-encoding can change the order of URLs.
	slices.SortFunc(res.Entries, func(a, b Entry) int { return strings.Compare(a.URL, b.URL) })
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
	if st.dirBuf == nil {
		st.dirBuf = make([]byte, 16<<10)
	}
	entries, err := d.h.readDir(st.dirBuf)
	if err != nil {
		d.err = w.fail(fmt.Errorf("manifest: %s: %w", d.path, namePath(err, d.path)))
		return nil
	}
	slices.SortFunc(entries, func(a, b dirEntry) int { return strings.Compare(a.name, b.name) })
	o := w.o
	var subs []*walkDir
	var misses []*walkFile
	for _, e := range entries {
		if strings.HasPrefix(e.name, ".") {
			continue
		}
		p := e.name
		if d.path != "." {
			p = d.path + "/" + e.name
		}
		var info fs.FileInfo
		if !e.known {
			if info, err = d.h.lstat(e.name); err != nil {
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
		if !e.typ.IsRegular() || slices.Contains(o.Exclude, p) || !o.selects(p) {
			continue
		}
		if info == nil {
			if info, err = d.h.lstat(e.name); err != nil {
				d.items = append(d.items, walkItem{err: w.fail(fmt.Errorf("manifest: %s: %w", p, namePath(err, p)))})
				break
			}
		}
		if !info.Mode().IsRegular() {
			continue // replaced since the listing
		}
		if size := info.Size(); size > o.MaximumFileSizeToCacheInBytes {
			d.items = append(d.items, walkItem{warn: &Warning{
				Path: p,
				Message: fmt.Sprintf("%s is %d bytes, over maximumFileSizeToCacheInBytes (%d): not precached",
					p, size, o.MaximumFileSizeToCacheInBytes),
			}})
			continue
		}
		f := &walkFile{path: p, name: e.name, info: info}
		d.items = append(d.items, walkItem{file: f})
		if o.Cache != nil {
			if sum, ok := o.Cache.Lookup(p, info); ok {
				f.sum = sum
				f.entry = newEntry(p, sum, info.Size(), !o.DontCacheBust(p))
				continue
			}
		}
		misses = append(misses, f)
	}
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
		var n int64
		f.sum, n, f.err = hashFile(open, f.path, f.info, w.o.Cache, st.h, st.buf)
		if f.err != nil {
			w.fail(f.err)
			return
		}
		f.entry = newEntry(f.path, f.sum, n, !w.o.DontCacheBust(f.path))
	}
}
