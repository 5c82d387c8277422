package manifest

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"sync"
)

// walkedFile is a file the walk listed for the precache.
type walkedFile struct {
	path string
	sum  [sha256.Size]byte
	size int64
}

// hashing is the files being hashed while the walk goes on: the walk adds
// each file the cache does not know, workers goroutines hash them, and wait
// returns their digests once the walk is done. On a full build, the
// hashing of the first folders overlaps the listing of the others.
type hashing struct {
	jobs    chan hashJob
	wg      sync.WaitGroup
	results [][]hashResult // by worker
}

type hashJob struct {
	i    int // in the walk's files
	path string
	info fs.FileInfo
}

type hashResult struct {
	i   int
	sum [sha256.Size]byte
	n   int64
	err error
}

// startHashing starts workers that open files with open or, when root is
// set, from their folder in root, and store their digests in cache (when
// not nil).
func startHashing(root *os.Root, open func(string) (fs.File, error), cache HashCache, workers int) *hashing {
	h := &hashing{jobs: make(chan hashJob, 64), results: make([][]hashResult, workers)}
	for w := range workers {
		h.wg.Go(func() {
			open := open
			if root != nil {
				d := &folder{root: root}
				defer d.close()
				open = d.open
			}
			var sha hash.Hash
			var buf []byte
			for j := range h.jobs {
				if buf == nil { // none on a rebuild the cache answers
					sha, buf = sha256.New(), make([]byte, hashBufferSize)
				}
				sum, n, err := hashFile(open, j.path, j.info, cache, sha, buf)
				h.results[w] = append(h.results[w], hashResult{i: j.i, sum: sum, n: n, err: err})
			}
		})
	}
	return h
}

// add hands the file at p, the walk's i-th file, whose stat is info, to
// the workers.
func (h *hashing) add(i int, p string, info fs.FileInfo) {
	h.jobs <- hashJob{i: i, path: p, info: info}
}

// wait waits for the files added to be hashed and returns their digests,
// or the error of the first failing file in walk order: results never
// depend on the scheduling.
func (h *hashing) wait() ([]hashResult, error) {
	close(h.jobs)
	h.wg.Wait()
	all := slices.Concat(h.results...)
	var first *hashResult
	for k := range all {
		if r := &all[k]; r.err != nil && (first == nil || r.i < first.i) {
			first = r
		}
	}
	if first != nil {
		return nil, first.err
	}
	return all, nil
}

// hashBufferSize is the read size of each hashing worker: most files take
// one read (and one more to see the end), the largest precached ones a few.
const hashBufferSize = 256 << 10

// hashFile returns the digest and length of the file at p, opened with
// open, whose stat is info, read through h and buf, and stores it in cache
// (when not nil).
func hashFile(open func(string) (fs.File, error), p string, info fs.FileInfo, cache HashCache, h hash.Hash, buf []byte) (sum [sha256.Size]byte, n int64, err error) {
	f, err := open(p)
	if err != nil {
		return sum, 0, fmt.Errorf("manifest: %w", err)
	}
	defer f.Close()
	h.Reset()
	// Hide any WriterTo/ReaderFrom so that io.CopyBuffer uses buf.
	n, err = io.CopyBuffer(struct{ io.Writer }{h}, struct{ io.Reader }{f}, buf)
	if err != nil {
		return sum, 0, fmt.Errorf("manifest: read %s: %w", p, err)
	}
	h.Sum(sum[:0])
	// A file whose length changed while it was read changed after its
	// stat: leave it for the next build to hash.
	if cache != nil && n == info.Size() {
		cache.Store(p, info, sum)
	}
	return sum, n, nil
}

// folder opens files of root from the last folder it opened: the walk
// hands out a folder's files one after the other.
type folder struct {
	root *os.Root
	dir  string   // slash path of sub, "" for the root
	sub  *os.Root // nil, root, or open at dir
}

func (d *folder) open(p string) (fs.File, error) {
	dir, name := path.Split(p)
	dir = path.Clean(dir)
	if dir == "." {
		dir = ""
	}
	if d.sub == nil || d.dir != dir {
		d.close()
		d.sub, d.dir = d.root, dir
		if dir != "" {
			sub, err := d.root.OpenRoot(dir)
			if err != nil {
				d.sub = nil
				return nil, withPath(err, p)
			}
			d.sub = sub
		}
	}
	f, err := d.sub.Open(name)
	if err != nil {
		return nil, withPath(err, p)
	}
	return f, nil
}

func (d *folder) close() {
	if d.sub != nil && d.sub != d.root {
		d.sub.Close()
	}
	d.sub = nil
}

// withPath names the file at p, from the root, in err (from opening it or
// its folder), as opening it from the root would.
func withPath(err error, p string) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return &fs.PathError{Op: pe.Op, Path: p, Err: pe.Err}
	}
	return err
}
