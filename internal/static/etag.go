package static

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"io/fs"
	"sync"
	"time"
)

// etagOf returns the strong, quoted ETag of content: the first 16 bytes of its
// SHA-256 in unpadded base64url (RFC 9110 §8.8.3).
func etagOf(sum [sha256.Size]byte) string {
	var b [2 + 22]byte
	b[0] = '"'
	base64.RawURLEncoding.Encode(b[1:23], sum[:16])
	b[23] = '"'
	return string(b[:])
}

// etagEntry is a cached ETag and the file state it was computed for.
type etagEntry struct {
	size    int64
	modTime time.Time
	etag    []string // prebuilt header value
}

// maxETagEntries bounds the cache; past it the cache starts over. A site has
// far fewer files, but names that come and go must not grow it forever.
const maxETagEntries = 1 << 16

// etagCache remembers content ETags by file name so that a file is hashed once
// per version rather than once per request.
//
// An entry is valid while the file's size and modification time are unchanged.
// File systems that report no modification time (embed.FS) are immutable, so
// there the name and size are enough. A rewrite on disk that keeps both size
// and modification time is not noticed: the price of not hashing per request.
type etagCache struct {
	mu sync.RWMutex
	m  map[string]*etagEntry
}

func (c *etagCache) get(name string, fi fs.FileInfo) *etagEntry {
	c.mu.RLock()
	e := c.m[name]
	c.mu.RUnlock()
	if e == nil || e.size != fi.Size() || !e.modTime.Equal(fi.ModTime()) {
		return nil
	}
	return e
}

func (c *etagCache) put(name string, e *etagEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxETagEntries {
		c.m = make(map[string]*etagEntry)
	}
	c.m[name] = e
}

// lookup returns the ETag of the open file f, named name, and a reader over
// its content positioned at the start. On a cache miss the file is hashed and
// rewound; a file that cannot seek is read into memory instead.
func (c *etagCache) lookup(name string, f fs.File, fi fs.FileInfo) (*etagEntry, io.ReadSeeker, error) {
	rs, seekable := f.(io.ReadSeeker)
	if e := c.get(name, fi); e != nil && seekable {
		return e, rs, nil
	}
	var sum [sha256.Size]byte
	if seekable {
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return nil, nil, err
		}
		if _, err := rs.Seek(0, io.SeekStart); err != nil {
			return nil, nil, err
		}
		h.Sum(sum[:0])
	} else {
		data, err := io.ReadAll(f)
		if err != nil {
			return nil, nil, err
		}
		sum = sha256.Sum256(data)
		rs = bytes.NewReader(data)
	}
	e := &etagEntry{size: fi.Size(), modTime: fi.ModTime(), etag: []string{etagOf(sum)}}
	c.put(name, e)
	return e, rs, nil
}
