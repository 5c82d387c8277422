package manifest

import (
	"io/fs"
	"os"
	"path"
	"strings"
	"sync"
	"sync/atomic"
)

// RestatCheck is what Restat asks about each folder and file it stats.
// Its functions are called from several goroutines at once.
type RestatCheck struct {
	// Dir reports whether the folder dirs[i], whose stat is info, is as
	// recorded. Where its stat is not the recorded one, Dir may call list
	// for the folder's listing (names not starting with ".", and their
	// types as fs.FileMode.Type gives them, in the order a walk meets
	// them) and compare that instead.
	Dir func(i int, info fs.FileInfo, list func() (names []string, types []fs.FileMode, err error)) bool
	// File reports whether the file files[i], whose lstat is info (valid
	// only during the call), is as recorded.
	File func(i int, info fs.FileInfo) bool
}

// Relevant returns what decides whether a folder entry matters to Build
// with opts: the entry at the slash path p, of type typ (as
// fs.FileMode.Type gives it), is a folder Build enters or a regular file it
// selects. Build skips every other entry (names starting with ".", links,
// files the options leave out), so a folder whose listing changed only in
// those gives the same result.
func Relevant(opts Options) (func(p string, typ fs.FileMode) bool, error) {
	o, err := withDefaults(opts)
	if err != nil {
		return nil, err
	}
	return func(p string, typ fs.FileMode) bool {
		if strings.HasPrefix(path.Base(p), ".") {
			return false
		}
		switch {
		case typ.IsDir():
			return !o.ignoresTree(p)
		case typ.IsRegular():
			return o.takes(p)
		}
		return false
	}, nil
}

// Restat tells whether a folder tree is as an earlier walk recorded it,
// without walking it: it stats the folders dirs and the files files (slash
// paths from root's folder, "." for the folder itself; each file's folder
// must be among dirs) with workers goroutines at once, and asks check about
// each. It returns false as soon as check rejects one, or one is gone, is
// not of its kind or cannot be stat'ed: the caller then walks the tree,
// which reports any error. As in Build, no symbolic link is followed.
//
// A rebuild of a site where nothing changed is nearly all this: one stat a
// folder and one a file, without listing folders, looking files up by path
// or making entries.
func Restat(root *os.Root, dirs, files []string, check RestatCheck, workers int) bool {
	top, err := openRootHandle(root)
	if err != nil {
		return false
	}
	defer top.close()
	return restat(top, dirs, files, check, workers)
}

// restat is Restat below the folder top.
func restat(top dirHandle, dirs, files []string, check RestatCheck, workers int) bool {
	// The files of each folder, by counting sort: byDir[start[i]:start[i+1]]
	// are the indexes in files of the files of dirs[i].
	index := make(map[string]int32, len(dirs))
	for i, d := range dirs {
		index[d] = int32(i)
	}
	folder := make([]int32, len(files))
	start := make([]int32, len(dirs)+1)
	for k, f := range files {
		d := "."
		if j := strings.LastIndexByte(f, '/'); j >= 0 {
			d = f[:j]
		}
		i, ok := index[d]
		if !ok {
			return false
		}
		folder[k] = i
		start[i+1]++
	}
	for i := range dirs {
		start[i+1] += start[i]
	}
	byDir := make([]int32, len(files))
	fill := append([]int32(nil), start[:len(dirs)]...)
	for k, i := range folder {
		byDir[fill[i]] = int32(k)
		fill[i]++
	}

	var next atomic.Int64
	var changed atomic.Bool
	var wg sync.WaitGroup
	for range min(max(workers, 1), len(dirs)) {
		wg.Go(func() {
			var st workerState
			for !changed.Load() {
				i := int(next.Add(1)) - 1
				if i >= len(dirs) {
					return
				}
				if !restatDir(top, dirs[i], i, files, byDir[start[i]:start[i+1]], check, &st) {
					changed.Store(true)
				}
			}
		})
	}
	wg.Wait()
	return !changed.Load()
}

// restatDir checks the folder dir (dirs[i]) and its files, files[k] for k
// in mine.
func restatDir(top dirHandle, dir string, i int, files []string, mine []int32, check RestatCheck, st *workerState) bool {
	h := top
	if dir != "." {
		var err error
		if h, err = top.openPath(dir); err != nil {
			return false
		}
		defer h.close()
	}
	info, err := h.stat()
	if err != nil || !info.IsDir() {
		return false
	}
	list := func() ([]string, []fs.FileMode, error) {
		entries, _, err := listSorted(h, st)
		if err != nil {
			return nil, nil, err
		}
		names, types := make([]string, len(entries)), make([]fs.FileMode, len(entries))
		for k, e := range entries {
			names[k], types[k] = e.name, e.typ
		}
		return names, types, nil
	}
	if !check.Dir(i, info, list) {
		return false
	}
	for _, k := range mine {
		name := files[k]
		if dir != "." {
			name = name[len(dir)+1:]
		}
		info, err := h.lstat(name, &st.stat)
		if err != nil || !info.Mode().IsRegular() || !check.File(int(k), info) {
			return false
		}
	}
	return true
}

// openPathByName opens the folder at the slash path p below h one element
// at a time, each with h's openDir (no link followed): the portable
// dirHandle.openPath.
func openPathByName(h dirHandle, p string) (dirHandle, error) {
	if !cleanPath(p) {
		return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrInvalid}
	}
	cur, owned := h, false
	for elem := range strings.SplitSeq(p, "/") {
		sub, err := cur.openDir(elem)
		if owned {
			cur.close()
		}
		if err != nil {
			return nil, err
		}
		cur, owned = sub, true
	}
	return cur, nil
}

// cleanPath reports whether p is a slash path of names: no empty, "." or
// ".." element.
func cleanPath(p string) bool {
	return fs.ValidPath(p) && p != "."
}
