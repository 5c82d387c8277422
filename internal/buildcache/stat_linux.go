package buildcache

import (
	"io/fs"
	"syscall"
)

// inodeAndCTime returns the inode number and the status-change time of a
// file stat on Linux. The change time cannot be set by a program: a file
// rewritten and then given back its old modification time (touch -d, cp -p)
// still shows a new change time.
func inodeAndCTime(info fs.FileInfo) (uint64, int64) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0
	}
	return st.Ino, st.Ctim.Nano()
}
