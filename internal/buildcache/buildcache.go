// Package buildcache remembers the SHA-256 of a site's files between builds,
// so that a rebuild reads only the files that changed, and what the last
// walk saw, so that a rebuild where nothing changed needs no walk (see
// Unchanged). A file is trusted
// unchanged when its path, size and modification time (and, on Linux, its
// inode and status-change time) are the ones recorded with its digest; make
// and rsync decide the same way. A stat taken less than RacyWindow after the
// file last changed is not trusted: the file may have changed again within
// the same timestamp.
//
// The cache of a folder is one file in the user's cache folder, never in
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
	"sync/atomic"
	"time"
)

// magic starts every cache file, followed by the format version byte,
// which changes whenever the file's layout or meaning does; a file of
// another version is ignored.
const magic = "swkit build cache\n"

const formatVersion = 7

// RacyWindow is how long after a file's last change (its status-change
// time on Linux, else its modification time) a build must have begun for
// the stat it took to be trusted by the next build. File systems stamp
// changes with a coarse clock (a scheduler tick, 1-10 ms), so a file
// rewritten right after a build read it, within the same tick and to the
// same size, would otherwise look unchanged forever; such a file is read
// again by the next build instead. A time in whole seconds may come from a
// file system that keeps no more (ext3, FAT: two seconds): then the window
// is at least coarseWindow.
var RacyWindow = 50 * time.Millisecond

const coarseWindow = 2 * time.Second

// Cache is the digests of one folder's files, and the record of the last
// complete walk. It implements manifest.WalkRecorder: Lookup, Store,
// StoreDir and StoreOversized may be called from several goroutines at
// once, though not during Load or Save.
type Cache struct {
	path  string
	root  string
	start int64 // when this build began (Load), Unix nanoseconds

	paths    []string         // as loaded, sorted
	recs     []record         // recs[i] is the record of paths[i]
	index    map[string]int32 // path -> index in paths; read-only between Load and Save
	recStart int64            // when the build that took recs began
	seen     []atomic.Bool    // recs confirmed by this build (Lookup)
	nseen    atomic.Int64     // true values in seen
	refused  atomic.Int64     // matching records not trusted (racy): Save writes them anew

	mu     sync.Mutex
	stored map[string]record // records this build stored that differ from recs
	dirty  bool              // stored is not empty

	output      Output // the last build's generated files, as loaded or set
	outputStart int64  // when the build that took output's stats began
	outputSet   bool   // SetOutput changed output

	walk     Walk // the last complete walk, as loaded or set
	walkKept bool // this build confirmed walk (Unchanged) or set it (SetWalk)
	walkSet  bool // SetWalk changed walk
	// What this build's walk reported (StoreDir, StoreOversized), under mu.
	dirs, oversized []PathStat
}

// Walk is what a build's walk of the whole folder saw, beyond the records
// of its files: enough for the next build to tell, from stats alone, that
// nothing it depends on changed (Unchanged).
type Walk struct {
	// Inputs identifies what decides the walk and the generated files
	// besides the folder: the config and the swkit build.
	Inputs string
	// Key is the build key the walk's entries gave (Output.Key).
	Key string
	// Files is how many files the walk listed for the precache: the
	// cache's records must be these.
	Files int
	// Oversized are the files selected and left out for their size, in
	// walk order.
	Oversized []PathStat
	// Bytes is the total size of the Files (from their records; not
	// stored). Set by Unchanged.
	Bytes int64

	dirs []PathStat // the folders it entered, in walk order, "." first
}

// PathStat is a file or folder, by slash path in the site, and its stat.
type PathStat struct {
	Path string
	Stat Stat
}

// Output is what a build generated from a given set of inputs: the key of
// those inputs (the listed files' entries, the config, the swkit build) and
// each file it wrote, by slash path in the folder. A later build whose
// inputs have the same key and whose files on disk are still these can
// skip generating them.
type Output struct {
	Key   string
	Files map[string]OutputFile
}

// OutputFile is a generated file's SHA-256 and its stat when it last had
// that digest (zero when unknown).
type OutputFile struct {
	Sum  [sha256.Size]byte
	Stat Stat
}

// Stat is what the cache keeps of a file's stat.
type Stat struct {
	Size  int64
	MTime int64  // nanoseconds since 1970
	Ino   uint64 // inode number, where cheap (Linux)
	CTime int64  // status-change time, where cheap (Linux)
}

// StatOf returns what the cache keeps of info.
func StatOf(info fs.FileInfo) Stat {
	ino, ctime := inodeAndCTime(info)
	return Stat{Size: info.Size(), MTime: info.ModTime().UnixNano(), Ino: ino, CTime: ctime}
}

// record is what a file's stat said when its digest was computed.
type record struct {
	Stat
	sum [sha256.Size]byte
}

// trusted reports whether s, taken by a build that began at start, still
// stands for the file's content when the file's stat is s again: the file
// had not changed for RacyWindow when that build began.
func trusted(s Stat, start int64) bool {
	changed := s.CTime
	if changed == 0 {
		changed = s.MTime
	}
	window := RacyWindow
	if changed%int64(time.Second) == 0 {
		window = max(window, coarseWindow)
	}
	return start != 0 && changed < start-int64(window)
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

// Load reads the cache file at path for the folder dir, at the start of a
// build (the time of the call is when the build began: call it before
// taking any stat). It always returns a usable Cache. A missing file gives
// an empty cache and no error; a file that cannot be read, does not parse,
// has another format version or belongs to another folder gives an empty
// cache and an error to show as a warning (Save then replaces the file).
func Load(path, dir string) (*Cache, error) {
	root, err := filepath.Abs(dir)
	if err != nil {
		root = dir
	}
	c := &Cache{path: path, root: root, start: time.Now().UnixNano(), stored: map[string]record{}}
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
	c.paths, c.recs, c.recStart = f.paths, f.recs, f.start
	c.output, c.outputStart = f.output, f.outputStart
	c.walk = f.walk
	c.indexAll()
	return c, nil
}

// indexAll indexes paths, none of them seen yet.
func (c *Cache) indexAll() {
	c.index = make(map[string]int32, len(c.paths))
	for i, p := range c.paths {
		c.index[p] = int32(i)
	}
	c.seen = make([]atomic.Bool, len(c.paths))
	c.nseen.Store(0)
	c.refused.Store(0)
}

// Lookup returns the digest recorded for the file at p if info matches
// what was recorded with it, and the build that recorded it began
// RacyWindow or more after the file's last change.
func (c *Cache) Lookup(p string, info fs.FileInfo) (sum [sha256.Size]byte, ok bool) {
	i, found := c.index[p]
	if !found {
		return sum, false
	}
	r := &c.recs[i]
	if r.Stat != StatOf(info) {
		return sum, false
	}
	if !trusted(r.Stat, c.recStart) {
		c.refused.Add(1)
		return sum, false
	}
	if c.seen[i].CompareAndSwap(false, true) {
		c.nseen.Add(1)
	}
	return r.sum, true
}

// Store records the digest of the file at p, whose stat info was taken
// before it was read.
func (c *Cache) Store(p string, info fs.FileInfo, sum [sha256.Size]byte) {
	r := record{Stat: StatOf(info), sum: sum}
	if i, found := c.index[p]; found && c.recs[i] == r {
		if c.seen[i].CompareAndSwap(false, true) {
			c.nseen.Add(1)
		}
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
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
	if !c.dirty && !c.outputSet && !c.walkSet && c.nseen.Load() == int64(len(c.paths)) && c.refused.Load() == 0 {
		return nil // every old record was confirmed and trusted, none changed
	}
	// Every record written was stat'ed by this build, which began at start.
	f := contents{root: c.root, start: c.start, output: c.output, outputStart: c.outputStart}
	f.paths, f.recs = kept(c.paths, c.recs, c.seen, c.stored)
	f.sort()
	// The walk goes only with the records it describes: those of this
	// build's walk, or of the one it confirmed.
	if c.walkKept && len(f.paths) == c.walk.Files {
		f.walk = c.walk
	}
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
	c.paths, c.recs, c.recStart = f.paths, f.recs, f.start
	c.walk, c.walkKept, c.walkSet = f.walk, f.walk.Inputs != "", false
	c.indexAll()
	for i := range c.seen {
		c.seen[i].Store(true)
	}
	c.nseen.Store(int64(len(c.paths)))
	c.stored, c.dirty, c.outputSet = map[string]record{}, false, false
	return nil
}

// kept is what the cache file keeps of one kind of record: the loaded ones
// this build confirmed and did not replace, then the ones it stored.
func kept[R any](keys []string, recs []R, seen []atomic.Bool, stored map[string]R) ([]string, []R) {
	var ks []string
	var rs []R
	for i, k := range keys {
		if _, ok := stored[k]; !ok && seen[i].Load() {
			ks = append(ks, k)
			rs = append(rs, recs[i])
		}
	}
	for k, r := range stored {
		ks = append(ks, k)
		rs = append(rs, r)
	}
	return ks, rs
}

// Output returns the generated files recorded by SetOutput in this build or
// an earlier one (zero when none).
func (c *Cache) Output() Output {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Output{Key: c.output.Key, Files: maps.Clone(c.output.Files)}
}

// OutputUnchanged reports whether info, the stat of the generated file f
// now, is the stat recorded with its digest, and trusted (see RacyWindow):
// the file still has that digest without being read.
func (c *Cache) OutputUnchanged(f OutputFile, info fs.FileInfo) bool {
	c.mu.Lock()
	start := c.outputStart
	c.mu.Unlock()
	return f.Stat != (Stat{}) && f.Stat == StatOf(info) && trusted(f.Stat, start)
}

// SetOutput records what this build generated, for Save to write; the
// stats in o must have been taken by this build (after Load). A zero
// Output forgets the record.
func (c *Cache) SetOutput(o Output) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if o.Key == c.output.Key && maps.Equal(o.Files, c.output.Files) {
		return
	}
	c.output = Output{Key: o.Key, Files: maps.Clone(o.Files)}
	c.outputStart = c.start
	c.outputSet = true
}
