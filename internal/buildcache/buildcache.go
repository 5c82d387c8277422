// Package buildcache remembers the SHA-256 of a site's files between builds,
// so that a rebuild reads only the files that changed. A file is trusted
// unchanged when its path, size and modification time (and, on Linux, its
// inode and status-change time) are the ones recorded with its digest; make
// and rsync decide the same way.
//
// The cache of a folder is one JSON file in the user's cache folder, never in
// the site (DefaultPath). A missing, unreadable, corrupt or foreign cache file
// is not an error: the build hashes everything, as without a cache, and
// rewrites it.
package buildcache

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"sync"
)

// magic starts every cache file, followed by the format version byte,
// which changes whenever the file's layout or meaning does; a file of
// another version is ignored.
const magic = "swkit build cache\n"

const formatVersion = 2

// Cache is the digests of one folder's files. It implements
// manifest.HashCache and is safe for concurrent use.
type Cache struct {
	path string
	root string

	mu     sync.Mutex
	paths  []string          // as loaded, sorted
	recs   []record          // recs[i] is the record of paths[i]
	index  map[string]int32  // path -> index in paths
	seen   []bool            // recs confirmed by this build (Lookup)
	nseen  int               // true values in seen
	stored map[string]record // records this build stored that differ from recs
	dirty  bool              // stored is not empty

	output    Output // the last build's generated files, as loaded or set
	outputSet bool   // SetOutput changed output
}

// Output is what a build generated from a given set of inputs: the key of
// those inputs (the listed files' entries, the config, the swkit build) and
// the SHA-256 of each file it wrote, by slash path in the folder. A later
// build whose inputs have the same key and whose files on disk still have
// these digests can skip generating them.
type Output struct {
	Key   string
	Files map[string]string // path -> hex SHA-256
}

// record is what a file's stat said when its digest was computed.
type record struct {
	size  int64
	mtime int64  // nanoseconds since 1970
	ino   uint64 // inode number, where cheap (Linux)
	ctime int64  // status-change time, where cheap (Linux)
	sum   [sha256.Size]byte
}

// DefaultPath is the cache file of the folder dir:
// os.UserCacheDir()/swkit/<hex SHA-256 of dir's absolute path>.bin.
func DefaultPath(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("buildcache: %w", err)
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("buildcache: %w", err)
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(base, "swkit", hex.EncodeToString(sum[:])+".bin"), nil
}

// Load reads the cache file at path for the folder dir. It always returns a
// usable Cache. A missing file gives an empty cache and no error; a file that
// cannot be read, does not parse, has another format version or belongs to
// another folder gives an empty cache and an error to show as a warning
// (Save then replaces the file).
func Load(path, dir string) (*Cache, error) {
	root, err := filepath.Abs(dir)
	if err != nil {
		root = dir
	}
	c := &Cache{path: path, root: root, index: map[string]int32{}, stored: map[string]record{}}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return c, nil
	case err != nil:
		return c, fmt.Errorf("build cache %s unreadable, hashing every file: %w", path, err)
	}
	if len(data) > len(magic) && string(data[:len(magic)]) == magic && data[len(magic)] != formatVersion {
		return c, fmt.Errorf("build cache %s has format %d, want %d: hashing every file", path, data[len(magic)], formatVersion)
	}
	f, err := decode(data)
	if err != nil {
		return c, fmt.Errorf("build cache %s is corrupt, hashing every file: %w", path, err)
	}
	if f.root != root {
		return c, fmt.Errorf("build cache %s belongs to %s, not %s: hashing every file", path, f.root, root)
	}
	c.paths, c.recs, c.output = f.paths, f.recs, f.output
	c.seen = make([]bool, len(c.paths))
	c.index = make(map[string]int32, len(c.paths))
	for i, p := range c.paths {
		c.index[p] = int32(i)
	}
	return c, nil
}

// Lookup returns the digest recorded for the file at p if info matches
// what was recorded with it.
func (c *Cache) Lookup(p string, info fs.FileInfo) (sum [sha256.Size]byte, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	i, found := c.index[p]
	if !found || !c.recs[i].matches(info) {
		return sum, false
	}
	if !c.seen[i] {
		c.seen[i] = true
		c.nseen++
	}
	return c.recs[i].sum, true
}

// Store records the digest of the file at p, whose stat info was taken
// before it was read.
func (c *Cache) Store(p string, info fs.FileInfo, sum [sha256.Size]byte) {
	r := recordOf(info, sum)
	c.mu.Lock()
	defer c.mu.Unlock()
	if i, found := c.index[p]; found && c.recs[i] == r {
		if !c.seen[i] {
			c.seen[i] = true
			c.nseen++
		}
		return
	}
	c.stored[p] = r
	c.dirty = true
}

// Save writes the records this build looked up or stored, and only those
// (files gone from the folder are forgotten), and the Output set, when they
// differ from what was loaded. The write is atomic: a crash leaves the old
// file or the new.
func (c *Cache) Save() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.dirty && !c.outputSet && c.nseen == len(c.paths) {
		return nil // every old record was confirmed, none changed
	}
	var f contents
	f.root, f.output = c.root, c.output
	for i, p := range c.paths {
		if _, ok := c.stored[p]; !ok && c.seen[i] {
			f.paths = append(f.paths, p)
			f.recs = append(f.recs, c.recs[i])
		}
	}
	for p, r := range c.stored {
		f.paths = append(f.paths, p)
		f.recs = append(f.recs, r)
	}
	f.sort()
	data := f.encode()
	if err := os.MkdirAll(filepath.Dir(c.path), 0o700); err != nil {
		return fmt.Errorf("build cache: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.path), ".swkit-cache-*")
	if err != nil {
		return fmt.Errorf("build cache: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("build cache: write %s: %w", c.path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("build cache: write %s: %w", c.path, err)
	}
	if err := os.Rename(tmp.Name(), c.path); err != nil {
		return fmt.Errorf("build cache: %w", err)
	}
	// What was written is now what was loaded, all of it confirmed.
	c.paths, c.recs = f.paths, f.recs
	c.index = make(map[string]int32, len(c.paths))
	for i, p := range c.paths {
		c.index[p] = int32(i)
	}
	c.seen = make([]bool, len(c.paths))
	for i := range c.seen {
		c.seen[i] = true
	}
	c.nseen = len(c.paths)
	c.stored, c.dirty, c.outputSet = map[string]record{}, false, false
	return nil
}

// Output returns the generated files recorded by SetOutput in this build or
// an earlier one (zero when none).
func (c *Cache) Output() Output {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Output{Key: c.output.Key, Files: maps.Clone(c.output.Files)}
}

// SetOutput records what this build generated, for Save to write. A zero
// Output forgets the record.
func (c *Cache) SetOutput(o Output) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if o.Key == c.output.Key && maps.Equal(o.Files, c.output.Files) {
		return
	}
	c.output = Output{Key: o.Key, Files: maps.Clone(o.Files)}
	c.outputSet = true
}

func recordOf(info fs.FileInfo, sum [sha256.Size]byte) record {
	ino, ctime := inodeAndCTime(info)
	return record{size: info.Size(), mtime: info.ModTime().UnixNano(), ino: ino, ctime: ctime, sum: sum}
}

// matches reports whether info is the stat r was recorded with.
func (r *record) matches(info fs.FileInfo) bool {
	if r.size != info.Size() || r.mtime != info.ModTime().UnixNano() {
		return false
	}
	ino, ctime := inodeAndCTime(info)
	return r.ino == ino && r.ctime == ctime
}
