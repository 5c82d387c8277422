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
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"sync"
)

// formatVersion changes whenever the file's layout or meaning does; a file
// of another version is ignored.
const formatVersion = 1

// Cache is the digests of one folder's files. It implements
// manifest.HashCache and is safe for concurrent use.
type Cache struct {
	path string
	root string

	mu    sync.Mutex
	old   map[string]record // as loaded
	now   map[string]record // what this build confirmed or stored
	dirty bool              // now differs from old in a stored record
}

// file is the JSON layout of a cache file.
type file struct {
	Version int               `json:"version"`
	Root    string            `json:"root"` // the folder's absolute path
	Files   map[string]record `json:"files"`
}

// record is what a file's stat said when its digest was computed.
type record struct {
	Size  int64  `json:"size"`
	MTime int64  `json:"mtime"`           // nanoseconds since 1970
	Ino   uint64 `json:"ino,omitempty"`   // inode number, where cheap (Linux)
	CTime int64  `json:"ctime,omitempty"` // status-change time, where cheap (Linux)
	Sum   string `json:"sha256"`          // hex
}

// DefaultPath is the cache file of the folder dir:
// os.UserCacheDir()/swkit/<hex SHA-256 of dir's absolute path>.json.
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
	return filepath.Join(base, "swkit", hex.EncodeToString(sum[:])+".json"), nil
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
	c := &Cache{path: path, root: root, old: map[string]record{}, now: map[string]record{}}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return c, nil
	case err != nil:
		return c, fmt.Errorf("build cache %s unreadable, hashing every file: %w", path, err)
	}
	var f file
	if err := json.Unmarshal(data, &f); err != nil {
		return c, fmt.Errorf("build cache %s is corrupt, hashing every file: %w", path, err)
	}
	switch {
	case f.Version != formatVersion:
		return c, fmt.Errorf("build cache %s has format %d, want %d: hashing every file", path, f.Version, formatVersion)
	case f.Root != root:
		return c, fmt.Errorf("build cache %s belongs to %s, not %s: hashing every file", path, f.Root, root)
	}
	if f.Files != nil {
		c.old = f.Files
	}
	return c, nil
}

// Lookup returns the digest recorded for the file at p if info matches
// what was recorded with it.
func (c *Cache) Lookup(p string, info fs.FileInfo) (sum [sha256.Size]byte, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, found := c.old[p]
	if !found || r != recordOf(info, r.Sum) {
		return sum, false
	}
	if n, err := hex.Decode(sum[:], []byte(r.Sum)); err != nil || n != len(sum) {
		return sum, false
	}
	c.now[p] = r
	return sum, true
}

// Store records the digest of the file at p, whose stat info was taken
// before it was read.
func (c *Cache) Store(p string, info fs.FileInfo, sum [sha256.Size]byte) {
	r := recordOf(info, hex.EncodeToString(sum[:]))
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now[p] = r
	if c.old[p] != r {
		c.dirty = true
	}
}

// Save writes the records this build looked up or stored, and only those
// (files gone from the folder are forgotten), when they differ from what
// was loaded. The write is atomic: a crash leaves the old file or the new.
func (c *Cache) Save() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.dirty && len(c.now) == len(c.old) {
		return nil // every old record was confirmed, none changed
	}
	data, err := json.Marshal(file{Version: formatVersion, Root: c.root, Files: c.now})
	if err != nil {
		return fmt.Errorf("build cache: %w", err)
	}
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
	c.old, c.dirty = maps.Clone(c.now), false
	return nil
}

func recordOf(info fs.FileInfo, sum string) record {
	ino, ctime := inodeAndCTime(info)
	return record{Size: info.Size(), MTime: info.ModTime().UnixNano(), Ino: ino, CTime: ctime, Sum: sum}
}
