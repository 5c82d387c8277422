package buildcache

import (
	"io/fs"
	"maps"
	"os"
	"path"
	"slices"

	"github.com/swkit/swkit/internal/manifest"
)

// A rebuild with nothing changed needs none of a walk's results: it needs
// to know that the folder is as the last build saw it. The cache keeps
// what that takes (Walk) with the last build's records, and Unchanged
// checks it with one stat a folder and one a file.

// StoreOversized records a file that the walk selected and left out for
// its size, whose stat is info: for SetWalk.
func (c *Cache) StoreOversized(p string, info fs.FileInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.oversized == nil {
		c.oversized = map[string]Stat{}
	}
	c.oversized[p] = StatOf(info)
}

// SetWalk records that this build walked the whole folder, listing files
// files for the precache in dirs folders (manifest.Result), with inputs
// and giving the build key key, and that the generated files recorded by
// SetOutput are those of key. Call it after the walk, with the Output set.
// Save keeps it only if the records it writes are that walk's.
func (c *Cache) SetWalk(inputs, key string, files, dirs int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := Walk{Inputs: inputs, Key: key, Files: files, Dirs: dirs}
	for _, p := range slices.Sorted(maps.Keys(c.oversized)) {
		w.Oversized = append(w.Oversized, Oversized{Path: p, Stat: c.oversized[p]})
	}
	c.walkKept = true
	if !sameWalk(w, c.walk) {
		c.walk, c.walkSet = w, true
	}
}

func sameWalk(a, b Walk) bool {
	return a.Inputs == b.Inputs && a.Key == b.Key && a.Files == b.Files && a.Dirs == b.Dirs && slices.Equal(a.Oversized, b.Oversized)
}

// Unchanged reports whether the folder root is as the last complete walk
// recorded it (SetWalk) for these inputs: every folder with its recorded
// stat, or else its recorded listing, or the same entries that relevant
// accepts (manifest.Relevant of the walk's options; nil: every entry);
// every file and oversized file with its recorded stat, trusted as Lookup
// trusts it. Then that walk's result stands: its Key, its Files (totalling
// Bytes) and its Oversized files, and the records count as confirmed by
// this build. Otherwise the caller walks the folder as usual. workers stat
// at once.
func (c *Cache) Unchanged(root *os.Root, inputs string, relevant func(p string, typ fs.FileMode) bool, workers int) (Walk, bool) {
	w := c.walk
	// A walk enters at least the folder itself.
	if w.Inputs == "" || w.Inputs != inputs || w.Dirs == 0 || w.Files != len(c.paths) || w.Dirs != len(c.dirs) {
		return Walk{}, false
	}
	files := c.paths
	if len(w.Oversized) > 0 {
		files = slices.Clip(files)
		for _, o := range w.Oversized {
			files = append(files, o.Path)
		}
	}
	relisted := make([]dirRecord, len(c.dirs)) // by folders listed again, else zero
	ok := manifest.Restat(root, c.dirs, files, manifest.RestatCheck{
		Dir: func(i int, info fs.FileInfo, list func() ([]string, []fs.FileMode, error)) bool {
			r := &c.drecs[i]
			st := StatOf(info)
			if st == r.Stat && trusted(r.Stat, c.recStart) {
				return true
			}
			// Its stat changed (sw.js replaced, say), or is too recent to
			// trust: the same entries that matter are enough.
			names, types, err := list()
			if err != nil {
				return false
			}
			l := encodeList(names, types)
			if l != r.list && (relevant == nil || !sameRelevant(c.dirs[i], r.list, names, types, relevant)) {
				return false
			}
			relisted[i] = dirRecord{Stat: st, list: l}
			return true
		},
		File: func(k int, info fs.FileInfo) bool {
			if k < len(c.recs) {
				r := &c.recs[k]
				return r.Stat == StatOf(info) && trusted(r.Stat, c.recStart)
			}
			// Only the size of an oversized file matters.
			return w.Oversized[k-len(c.recs)].Stat.Size == info.Size()
		},
	}, workers)
	if !ok {
		return Walk{}, false
	}
	for i := range c.seen {
		c.seen[i].Store(true)
		w.Bytes += c.recs[i].Size
	}
	c.nseen.Store(int64(len(c.seen)))
	c.mu.Lock()
	for i := range c.dseen {
		if relisted[i].list != "" {
			// Listed again, the same where it matters: like a folder
			// listed again to the same names (StoreDir), saved with other
			// changes, else listed again next time.
			c.dstored[c.dirs[i]] = relisted[i]
			c.nrestat.Add(1)
			continue
		}
		c.dseen[i].Store(true)
		c.ndseen.Add(1)
	}
	c.walkKept = true
	c.mu.Unlock()
	return w, true
}

// sameRelevant reports whether the listing list, recorded for the folder
// dir, and the listing names and types (both in walk order) have the same
// entries that relevant accepts, in the same order.
func sameRelevant(dir, list string, names []string, types []fs.FileMode, relevant func(string, fs.FileMode) bool) bool {
	oldNames, oldTypes, ok := decodeList(list)
	if !ok {
		return false
	}
	next := func(names []string, types []fs.FileMode, k int) int {
		for ; k < len(names); k++ {
			if relevant(path.Join(dir, names[k]), types[k]) {
				return k
			}
		}
		return k
	}
	i, j := next(oldNames, oldTypes, 0), next(names, types, 0)
	for i < len(oldNames) && j < len(names) {
		if oldNames[i] != names[j] || oldTypes[i] != types[j] {
			return false
		}
		i, j = next(oldNames, oldTypes, i+1), next(names, types, j+1)
	}
	return i == len(oldNames) && j == len(names)
}
