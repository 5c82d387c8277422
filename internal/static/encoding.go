package static

import (
	"bytes"
	"compress/gzip"
	"container/list"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/singleflight"
)

// coding is a content coding the handler can serve.
type coding struct {
	name   []string // Content-Encoding value
	suffix string   // extension of the precompressed sibling
	idx    int      // index in codings
}

var (
	codingBr   = &coding{name: []string{"br"}, suffix: ".br", idx: 0}
	codingGzip = &coding{name: []string{"gzip"}, suffix: ".gz", idx: 1}
	codings    = [numCodings]*coding{codingBr, codingGzip}
)

const numCodings = 2

// acceptedCodings returns the codings the request accepts, most preferred
// first: by q-value, brotli before gzip on a tie. A coding with q=0 is refused
// (RFC 9110 §12.5.3); "*" stands for any coding not named. A request without
// Accept-Encoding gets identity, as browsers always send the header and other
// clients rarely want compressed bodies by surprise.
func acceptedCodings(h http.Header) (out [2]*coding, n int) {
	values := h["Accept-Encoding"]
	if len(values) == 0 {
		return out, 0
	}
	br, gz, star := -1, -1, -1
	for _, v := range values {
		for item := range strings.SplitSeq(v, ",") {
			tok, params, _ := strings.Cut(item, ";")
			tok = strings.TrimSpace(tok)
			q, ok := parseQ(params)
			if !ok {
				continue
			}
			switch {
			case strings.EqualFold(tok, "br"):
				br = q
			case strings.EqualFold(tok, "gzip"), strings.EqualFold(tok, "x-gzip"):
				// RFC 9110 §8.4.1.3: x-gzip is an alias of gzip.
				gz = max(gz, q)
			case tok == "*":
				star = q
			}
		}
	}
	if br < 0 {
		br = max(star, 0)
	}
	if gz < 0 {
		gz = max(star, 0)
	}
	if br > 0 && br >= gz {
		out[n] = codingBr
		n++
	}
	if gz > 0 {
		out[n] = codingGzip
		n++
	}
	if br > 0 && br < gz {
		out[n] = codingBr
		n++
	}
	return out, n
}

// parseQ reads the q parameter of one Accept-Encoding item as thousandths
// (RFC 9110 §12.4.2: "0" to "1" with at most three decimals). No q means 1000.
// A malformed weight makes the item ignored (ok false).
func parseQ(params string) (q int, ok bool) {
	q = 1000
	for p := range strings.SplitSeq(params, ";") {
		k, v, found := strings.Cut(strings.TrimSpace(p), "=")
		if !found || !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		v = strings.TrimSpace(v)
		if v == "" || len(v) > 5 || (v[0] != '0' && v[0] != '1') {
			return 0, false
		}
		whole := int(v[0]-'0') * 1000
		frac := 0
		if len(v) > 1 {
			if v[1] != '.' {
				return 0, false
			}
			scale := 100
			for i := 2; i < len(v); i++ {
				c := v[i]
				if c < '0' || c > '9' {
					return 0, false
				}
				frac += int(c-'0') * scale
				scale /= 10
			}
		}
		if whole+frac > 1000 {
			return 0, false
		}
		q = whole + frac
	}
	return q, true
}

const (
	// minCompressSize: below about a kilobyte gzip saves less than a packet.
	minCompressSize = 1024
	// maxCompressSize bounds what is compressed on the fly, and so the memory
	// one file can take in the cache.
	maxCompressSize = 8 << 20
	// maxGzipCacheBytes bounds the whole on-the-fly cache.
	maxGzipCacheBytes = 64 << 20
	// gzipLevel is the on-the-fly level. Level 6 (zlib's default) gives
	// bodies within 2% of BestCompression's at 1.1 times its speed on prose
	// and hand-written code, 3.7 times on a repetitive bundle; level 4 is
	// faster but 3% larger on prose (BenchmarkGzipLevel, docs/benchmarks.md).
	// A body is compressed once per version and sent many times, so size
	// matters more than speed, but not at any price. Precompressed siblings
	// are the way to the smallest bodies.
	gzipLevel = 6
)

// gzipEntry is a compressed body and its ETag.
type gzipEntry struct {
	data   []byte
	etag   []string
	length []string // Content-Length value
	used   atomic.Bool
}

// gzipCache holds on-the-fly gzip bodies keyed by the identity ETag, so a
// file is compressed once per version, however many requests ask for it at
// once. When full it evicts entry by entry, by second chance (CLOCK): the
// oldest entry goes unless it was used since it last came up, which keeps
// the files a site serves all the time while a crawl through rarely read
// ones passes.
type gzipCache struct {
	mu    sync.RWMutex
	m     map[string]*gzipEntry
	order list.List // keys, oldest first
	bytes int
	limit int // 0: maxGzipCacheBytes

	flight singleflight.Group
	// compressions counts the bodies compressed, for tests.
	compressions atomic.Int64
}

func (c *gzipCache) get(etag string) *gzipEntry {
	c.mu.RLock()
	e := c.m[etag]
	c.mu.RUnlock()
	if e != nil && !e.used.Load() {
		e.used.Store(true)
	}
	return e
}

func (c *gzipCache) put(etag string, e *gzipEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	limit := c.limit
	if limit == 0 {
		limit = maxGzipCacheBytes
	}
	if c.m == nil {
		c.m = make(map[string]*gzipEntry)
	}
	if _, ok := c.m[etag]; ok || len(e.data) > limit {
		return // stored by another request (same content), or too large
	}
	for c.bytes+len(e.data) > limit && c.order.Len() > 0 {
		oldest := c.order.Front()
		k := oldest.Value.(string)
		if old := c.m[k]; old.used.Swap(false) {
			c.order.MoveToBack(oldest) // its second chance
			continue
		}
		c.order.Remove(oldest)
		c.bytes -= len(c.m[k].data)
		delete(c.m, k)
	}
	c.m[etag] = e
	c.order.PushBack(etag)
	c.bytes += len(e.data)
}

// size is for tests: the number of entries and their bytes.
func (c *gzipCache) size() (entries, bytes int) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m), c.bytes
}

// compress returns the gzip entry for the content whose identity ETag is
// etag (quoted), compressing on a miss what load returns. Concurrent misses
// for one ETag compress once: the first caller loads and compresses, the
// others wait for its result.
func (c *gzipCache) compress(etag string, load func() ([]byte, error)) (*gzipEntry, error) {
	if e := c.get(etag); e != nil {
		return e, nil
	}
	v, err, _ := c.flight.Do(etag, func() (any, error) {
		if e := c.get(etag); e != nil {
			return e, nil // stored while this call waited to start
		}
		content, err := load()
		if err != nil {
			return nil, err
		}
		e, err := gzipBody(etag, content)
		if err != nil {
			return nil, err
		}
		c.compressions.Add(1)
		c.put(etag, e)
		return e, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*gzipEntry), nil
}

// gzipBody compresses content, whose identity ETag is etag, at gzipLevel.
func gzipBody(etag string, content []byte) (*gzipEntry, error) {
	var buf bytes.Buffer
	buf.Grow(len(content) / 3)
	zw, err := gzip.NewWriterLevel(&buf, gzipLevel)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(content); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	// A distinct validator: the gzip body is another representation (RFC 9110
	// §8.8.3). Derived from the identity ETag, so it is stable across restarts.
	return &gzipEntry{
		data:   buf.Bytes(),
		etag:   []string{strings.TrimSuffix(etag, `"`) + `-gzip"`},
		length: []string{strconv.Itoa(buf.Len())},
	}, nil
}
