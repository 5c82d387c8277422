package static

import (
	"crypto/sha256"
	"io"
	"io/fs"
	"strconv"
	"sync"
	"time"
)

// The file cache remembers, per file name, what serving that file needs: its
// ETag, its headers and, for small files, the whole content. Every request still
// stats the file (a Stat through os.Root: one fstatat for a file at the top
// of the folder) and uses an entry only while the file's identity is
// unchanged, so a file changed on disk is served fresh on the next request.
//
// The identity (fileKey) is size, modification time and mode, plus inode,
// device and change time where the platform reports them (Linux). A rewrite
// that keeps all of these is not noticed; on Linux that needs a change within
// the file system's timestamp granularity, which the racy rule below covers
// for cached contents.
const (
	// maxSmallFile: files up to this size are kept in memory and answered
	// without opening them; larger ones are sent from the file (sendfile).
	// A 100 KiB image from memory is one fstatat and one writev instead of
	// openat, fstat, a header write, sendfile and close: about 1.5 times the
	// requests per CPU-second (docs/benchmarks.md). Past about 192 KiB,
	// copying the body into the socket costs more than the syscalls saved,
	// and sendfile wins.
	maxSmallFile = 128 << 10
	// maxCachedBytes bounds the contents of small files kept in memory. When a
	// new content would exceed it, the contents of other entries, picked at
	// random, are dropped (their ETags stay, and they are sent from disk until
	// they change): no bookkeeping per request, and no thrashing when a site's
	// small files outgrow the budget.
	maxCachedBytes = 32 << 20
	// maxFileEntries bounds the number of names remembered; past it the cache
	// starts over. A site has far fewer files, but names that come and go must
	// not grow it forever.
	maxFileEntries = 1 << 16
	// racyWindow: a file modified this recently may change again within the
	// same timestamp tick (Linux file times advance by a clock tick of a few
	// milliseconds; some file systems by seconds) without its identity
	// changing. Its content is therefore not kept in memory until the
	// modification is this old.
	racyWindow = 2 * time.Second
)

// fileKey identifies one version of a file, from its FileInfo.
type fileKey struct {
	size      int64
	modSec    int64
	modNsec   int64
	mode      fs.FileMode
	ino, dev  uint64
	ctimeNsec int64
}

func keyOf(fi fs.FileInfo) fileKey {
	mt := fi.ModTime()
	k := fileKey{size: fi.Size(), modSec: mt.Unix(), modNsec: int64(mt.Nanosecond()), mode: fi.Mode()}
	sysKey(fi, &k)
	return k
}

// racy reports whether a file modified at mt may still change without its
// identity changing. File systems without times (embed.FS) never are.
func racy(mt time.Time) bool {
	return !mt.IsZero() && time.Since(mt) < racyWindow
}

// fileEntry is what the cache knows about one version of a file. Entries are
// immutable once stored.
type fileEntry struct {
	key     fileKey
	modTime time.Time
	etag    []string // prebuilt header value
	length  []string // Content-Length value
	ti      typeInfo
	cc      []string // Cache-Control
	// data is the whole content of a small file; nil for a large file, for a
	// small one modified less than racyWindow ago (racy) or dropped for room.
	data []byte
	racy bool
}

// settled reports whether a racy entry may now be refilled with its content.
func (e *fileEntry) settled() bool {
	return e.racy && !racy(e.modTime)
}

// withoutData is a copy of e without its content.
func (e *fileEntry) withoutData() *fileEntry {
	c := *e
	c.data = nil
	return &c
}

// fileCache maps file names to entries.
type fileCache struct {
	mu    sync.RWMutex
	m     map[string]*fileEntry
	bytes int // total len(data)
}

// get returns the entry for name, valid or not.
func (c *fileCache) get(name string) *fileEntry {
	c.mu.RLock()
	e := c.m[name]
	c.mu.RUnlock()
	return e
}

// valid returns the entry for name if it describes the version fi.
func (c *fileCache) valid(name string, fi fs.FileInfo) *fileEntry {
	if e := c.get(name); e != nil && e.key == keyOf(fi) {
		return e
	}
	return nil
}

func (c *fileCache) put(name string, e *fileEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxFileEntries {
		c.m = make(map[string]*fileEntry)
		c.bytes = 0
	}
	if old := c.m[name]; old != nil {
		c.bytes -= len(old.data)
		delete(c.m, name)
	}
	if n := len(e.data); n > 0 && c.bytes+n > maxCachedBytes {
		// Map iteration starts at a random entry: random replacement.
		for k, v := range c.m {
			if len(v.data) > 0 {
				c.m[k] = v.withoutData()
				c.bytes -= len(v.data)
				if c.bytes+n <= maxCachedBytes {
					break
				}
			}
		}
		if c.bytes+n > maxCachedBytes {
			e = e.withoutData()
		}
	}
	c.bytes += len(e.data)
	c.m[name] = e
}

func (c *fileCache) remove(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.m[name]; old != nil {
		c.bytes -= len(old.data)
		delete(c.m, name)
	}
}

// size is for tests: the number of entries and cached content bytes.
func (c *fileCache) size() (entries, bytes int) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m), c.bytes
}

// newEntry returns an entry for name's version fi, without ETag or content.
func (h *Handler) newEntry(name string, fi fs.FileInfo) *fileEntry {
	ti := typeOf(name)
	return &fileEntry{key: keyOf(fi), modTime: fi.ModTime(), ti: ti, cc: h.cacheControl(name, ti)}
}

// fill computes the entry of the open file f, named name, whose Stat is fi,
// and stores it when it describes fi. It returns either the content (small
// files, and files that cannot seek) or f rewound to its start.
func (h *Handler) fill(name string, f fs.File, fi fs.FileInfo) (*fileEntry, []byte, io.ReadSeeker, error) {
	e := h.newEntry(name, fi)
	rs, seekable := f.(io.ReadSeeker)
	if fi.Size() <= maxSmallFile || !seekable {
		data, err := readAll(f, fi.Size())
		if err != nil {
			return nil, nil, nil, err
		}
		e.etag = []string{etagOf(sha256.Sum256(data))}
		e.length = []string{strconv.Itoa(len(data))}
		if int64(len(data)) != fi.Size() {
			// Changed while read: serve what was read, remember nothing.
			return e, data, nil, nil
		}
		if fi.Size() <= maxSmallFile {
			if after, err := f.Stat(); err != nil || keyOf(after) != e.key {
				return e, data, nil, nil
			}
			if racy(fi.ModTime()) {
				e.racy = true
			} else {
				e.data = data
			}
		}
		h.cache.put(name, e)
		return e, data, nil, nil
	}
	hash := sha256.New()
	if _, err := io.Copy(hash, f); err != nil {
		return nil, nil, nil, err
	}
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		return nil, nil, nil, err
	}
	var sum [sha256.Size]byte
	hash.Sum(sum[:0])
	e.etag = []string{etagOf(sum)}
	e.length = []string{strconv.FormatInt(fi.Size(), 10)}
	h.cache.put(name, e)
	return e, nil, rs, nil
}

// readAll reads f, whose Stat reported size bytes, in one buffer.
func readAll(f io.Reader, size int64) ([]byte, error) {
	if size < 0 || size > maxSmallFile {
		return io.ReadAll(f)
	}
	buf := make([]byte, size+1) // +1: see EOF without growing
	n, err := io.ReadFull(f, buf)
	switch err {
	case io.EOF, io.ErrUnexpectedEOF:
		return buf[:n], nil
	case nil: // longer than its Stat said: it is being written
		rest, err := io.ReadAll(f)
		return append(buf, rest...), err
	}
	return nil, err
}
