package manifest

import (
	"crypto/sha256"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// batchSize bounds the files of one folder that a worker takes at once, so
// that the workers share a large folder.
const batchSize = 32

// queuedBatches bounds the batches waiting for a worker: the walk, ahead of
// the hashing, then waits, and at most this many folders (plus those being
// walked or hashed) are open at once.
const queuedBatches = 64

// rootDir is a folder open during a build: listed by the walk, then the
// folder its batches open their files in.
type rootDir struct {
	root *os.Root // the folder, opened in its parent's
	f    *os.File // its ".", for listing and (openFolder) opening files
	open folder
	refs atomic.Int32 // batches not yet hashed
}

func (d *rootDir) close() {
	d.f.Close()
	d.root.Close()
}

// A folder opens the files it holds by name: one path element, never "."
// or "..". No link can lead out of the folder.
type folder interface {
	open(name string) (io.ReadCloser, error)
}

// rootFolder opens files with os.Root.Open.
type rootFolder struct{ *os.Root }

func (r rootFolder) open(name string) (io.ReadCloser, error) { return r.Open(name) }

// batch is files of one folder, hashed by one worker.
type batch struct {
	dir  *rootDir
	idx  []int    // the files' indexes in the walk's paths
	path []string // their paths from the root
	info []fs.FileInfo
	sum  [][sha256.Size]byte
	n    []int64
	err  []error
}

// walkRoot walks root as fs.WalkDir(root.FS(), ".", walk) would, calling
// walk in the same order with the same arguments, and hashes the files that
// walk appends to *paths (and their stats to *infos) while it goes on: each
// folder is opened once, from its parent's handle, listed, and its files are
// opened relative to it by at most workers goroutines, batch by batch, the
// last of which closes it. The results are those of hashAll.
func walkRoot(root *os.Root, walk fs.WalkDirFunc, paths *[]string, infos *[]fs.FileInfo, cache HashCache, workers int) ([][sha256.Size]byte, []int64, error) {
	jobs := make(chan *batch, queuedBatches)
	var failed atomic.Bool // the walk failed: release the folders, hash nothing more
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() {
			h, buf := sha256.New(), make([]byte, hashBufferSize)
			for b := range jobs {
				for k, p := range b.path {
					if failed.Load() {
						break
					}
					name := p[strings.LastIndexByte(p, '/')+1:]
					open := func() (io.ReadCloser, error) {
						f, err := b.dir.open.open(name)
						if err != nil {
							return nil, namePath(err, p)
						}
						return f, nil
					}
					b.sum[k], b.n[k], b.err[k] = hashCached(open, p, b.info[k], cache, h, buf)
				}
				if b.dir.refs.Add(-1) == 0 {
					b.dir.close()
				}
			}
		})
	}
	w := &rootWalk{walk: walk, paths: paths, infos: infos, jobs: jobs}
	err := w.start(root)
	if err != nil {
		failed.Store(true)
	}
	close(jobs)
	wg.Wait()
	if err != nil {
		return nil, nil, err
	}
	sums := make([][sha256.Size]byte, len(*paths))
	lens := make([]int64, len(*paths))
	errs := make([]error, len(*paths))
	for _, b := range w.batches {
		for k, i := range b.idx {
			sums[i], lens[i], errs[i] = b.sum[k], b.n[k], b.err[k]
		}
	}
	if err := firstError(errs); err != nil {
		return nil, nil, err
	}
	return sums, lens, nil
}

type rootWalk struct {
	walk    fs.WalkDirFunc
	paths   *[]string
	infos   *[]fs.FileInfo
	jobs    chan<- *batch
	batches []*batch
}

// start walks the tree from root, which it does not close.
func (w *rootWalk) start(root *os.Root) error {
	// fs.WalkDir visits "." first, with its stat.
	info, err := root.Stat(".")
	if err != nil {
		return w.walk(".", nil, err)
	}
	if err := w.walk(".", fs.FileInfoToDirEntry(info), nil); err != nil {
		if err == fs.SkipDir || err == fs.SkipAll {
			return nil
		}
		return err
	}
	self, err := root.OpenRoot(".")
	if err != nil {
		return w.walk(".", fs.FileInfoToDirEntry(info), err)
	}
	err = w.dir(self, ".", fs.FileInfoToDirEntry(info))
	if err == fs.SkipAll {
		return nil
	}
	return err
}

// dir lists the folder at p (open in r, which dir closes or hands to the
// workers), entering its subfolders, then queues its files for hashing.
func (w *rootWalk) dir(r *os.Root, p string, d fs.DirEntry) error {
	f, err := r.Open(".")
	if err != nil {
		r.Close()
		return w.walk(p, d, err)
	}
	dir := &rootDir{root: r, f: f}
	entries, err := f.ReadDir(-1)
	if err != nil {
		dir.close()
		return w.walk(p, d, err)
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	var mine []int
loop:
	for _, e := range entries {
		cp := e.Name()
		if p != "." {
			cp = p + "/" + cp
		}
		before := len(*w.paths)
		err := w.walk(cp, e, nil)
		if len(*w.paths) > before {
			mine = append(mine, before)
		}
		if err == fs.SkipDir {
			if e.IsDir() {
				continue
			}
			break loop // the rest of this folder, as fs.WalkDir
		}
		if err == nil && e.IsDir() {
			if sub, oerr := r.OpenRoot(e.Name()); oerr == nil {
				err = w.dir(sub, cp, e)
			} else {
				err = w.walk(cp, e, oerr)
			}
			if err == fs.SkipDir {
				continue
			}
		}
		if err == fs.SkipAll {
			w.queue(dir, mine)
			return err
		}
		if err != nil {
			dir.close()
			return err
		}
	}
	w.queue(dir, mine)
	return nil
}

// queue hands the files at indexes idx of the walk, in dir, to the workers.
func (w *rootWalk) queue(dir *rootDir, idx []int) {
	if len(idx) == 0 {
		dir.close()
		return
	}
	dir.open = openFolder(dir.root, dir.f)
	nb := (len(idx) + batchSize - 1) / batchSize
	dir.refs.Store(int32(nb))
	for start := 0; start < len(idx); start += batchSize {
		part := idx[start:min(start+batchSize, len(idx))]
		b := &batch{
			dir: dir, idx: part,
			path: make([]string, len(part)), info: make([]fs.FileInfo, len(part)),
			sum: make([][sha256.Size]byte, len(part)), n: make([]int64, len(part)), err: make([]error, len(part)),
		}
		for k, i := range part {
			b.path[k], b.info[k] = (*w.paths)[i], (*w.infos)[i]
		}
		w.batches = append(w.batches, b)
		w.jobs <- b
	}
}
