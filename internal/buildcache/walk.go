package buildcache

import (
	"io/fs"
	"os"
	"path"
	"slices"
	"sync"
	"sync/atomic"
)

// A rebuild with nothing changed needs none of a walk's results: it needs
// to know that the folder is as the last build saw it. The cache keeps
// what that takes (Walk) with the last build's records, and Unchanged
// checks it with one stat a folder and one a file, where a walk would list
// every folder and stat every entry, look every file up, make the entries
// and the build key.

// StoreDir records a folder that the walk entered, whose stat is info,
// taken before the folder was listed. The root "." comes first and starts
// the record of a new walk.
func (c *Cache) StoreDir(p string, info fs.FileInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p == "." {
		c.dirs, c.oversized = c.dirs[:0], nil
	}
	c.dirs = append(c.dirs, PathStat{Path: p, Stat: StatOf(info)})
}

// StoreOversized records a file that the walk selected and left out for
// its size, whose stat is info.
func (c *Cache) StoreOversized(p string, info fs.FileInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.oversized = append(c.oversized, PathStat{Path: p, Stat: StatOf(info)})
}

// SetWalk records that this build walked the whole folder (reporting each
// folder with StoreDir), listing files files for the precache, with inputs
// and giving the build key key, and that the generated files recorded by
// SetOutput are those of key. Call it after the walk, with the Output set.
// Save keeps it only if the records it writes are that walk's.
func (c *Cache) SetWalk(inputs, key string, files int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := Walk{Inputs: inputs, Key: key, Files: files, Oversized: slices.Clone(c.oversized), dirs: slices.Clone(c.dirs)}
	c.walkKept = true
	if !sameWalk(w, c.walk) {
		c.walk, c.walkSet = w, true
	}
}

func sameWalk(a, b Walk) bool {
	return a.Inputs == b.Inputs && a.Key == b.Key && a.Files == b.Files && slices.Equal(a.Oversized, b.Oversized) && slices.Equal(a.dirs, b.dirs)
}

// Unchanged reports whether the folder root is as the last complete walk
// recorded it (SetWalk) for these inputs: every folder it entered, every
// file it listed and every file it left out for its size with the stat
// recorded, trusted as Lookup trusts it (an oversized file: the same size).
// A folder whose stat is the same has the same names, so the walk would
// select the same files. Then that walk's result stands: its Key, its
// Files (totalling Bytes) and its Oversized files, and the records count
// as confirmed by this build. Otherwise (a file written, added or removed,
// sw.js replaced) the caller walks the folder as usual. workers stat at
// once.
func (c *Cache) Unchanged(root *os.Root, inputs string, workers int) (Walk, bool) {
	w := c.walk
	if w.Inputs == "" || w.Inputs != inputs || len(w.dirs) == 0 || w.Files != len(c.recs) {
		return Walk{}, false
	}
	files := slices.Clip(c.paths)
	for _, o := range w.Oversized {
		files = append(files, o.Path)
	}
	sameDir := func(i int, info fs.FileInfo) bool {
		s := w.dirs[i].Stat
		return info.IsDir() && s == StatOf(info) && trusted(s, c.recStart)
	}
	sameFile := func(k int, info fs.FileInfo) bool {
		if k < len(c.recs) {
			r := &c.recs[k]
			return r.Stat == StatOf(info) && trusted(r.Stat, c.recStart)
		}
		// Only the size of an oversized file matters.
		return w.Oversized[k-len(c.recs)].Stat.Size == info.Size()
	}
	if !restat(root, w.dirs, files, sameDir, sameFile, workers) {
		return Walk{}, false
	}
	for i := range c.seen {
		c.seen[i].Store(true)
		w.Bytes += c.recs[i].Size
	}
	c.nseen.Store(int64(len(c.seen)))
	c.mu.Lock()
	c.walkKept = true
	c.mu.Unlock()
	return w, true
}

// restat reports whether sameDir accepts the stat of every folder dirs[i]
// and sameFile the lstat of every regular file files[k] (slash paths in
// root; each file's folder among dirs), stat'ing them with workers
// goroutines at once: each folder opened once, its files stat'ed in it. It
// returns false as soon as one is rejected, gone, of another kind or
// cannot be stat'ed. No symbolic link leads out of root.
func restat(root *os.Root, dirs []PathStat, files []string, sameDir, sameFile func(int, fs.FileInfo) bool, workers int) bool {
	index := make(map[string]int, len(dirs))
	for i, d := range dirs {
		index[d.Path] = i
	}
	mine := make([][]int, len(dirs)) // the indexes in files of each folder's files
	for k, f := range files {
		i, ok := index[path.Dir(f)]
		if !ok {
			return false
		}
		mine[i] = append(mine[i], k)
	}
	var next atomic.Int64
	var changed atomic.Bool
	var wg sync.WaitGroup
	for range min(max(workers, 1), len(dirs)) {
		wg.Go(func() {
			for !changed.Load() {
				i := int(next.Add(1)) - 1
				if i >= len(dirs) {
					return
				}
				if !restatDir(root, dirs[i].Path, func(info fs.FileInfo) bool { return sameDir(i, info) }, files, mine[i], sameFile) {
					changed.Store(true)
				}
			}
		})
	}
	wg.Wait()
	return !changed.Load()
}

// restatDir checks the folder dir with sameDir, then its files, files[k]
// for k in mine, with sameFile.
func restatDir(root *os.Root, dir string, sameDir func(fs.FileInfo) bool, files []string, mine []int, sameFile func(int, fs.FileInfo) bool) bool {
	r := root
	if dir != "." {
		var err error
		if r, err = root.OpenRoot(dir); err != nil {
			return false
		}
		defer r.Close()
	}
	// A folder replaced by a link inside the root would be followed here,
	// but the rename changed its parent folder, checked too.
	if info, err := r.Stat("."); err != nil || !sameDir(info) {
		return false
	}
	for _, k := range mine {
		info, err := r.Lstat(path.Base(files[k]))
		if err != nil || !info.Mode().IsRegular() || !sameFile(k, info) {
			return false
		}
	}
	return true
}
