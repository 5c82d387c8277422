package sitebuild

import (
	"fmt"
	"io/fs"
	"syscall"
)

// fileID is the device, inode and status-change time of a file on Linux.
func fileID(info fs.FileInfo) string {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	return fmt.Sprintf("%d %d %d", st.Dev, st.Ino, st.Ctim.Nano())
}
