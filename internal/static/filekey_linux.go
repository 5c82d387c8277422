package static

import (
	"io/fs"
	"syscall"
)

// sysKey adds what Linux's stat reports beyond fs.FileInfo to the identity:
// a file replaced by a rename has another inode, and any write or chmod moves
// the change time, which no one can set back.
func sysKey(fi fs.FileInfo, k *fileKey) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		k.ino = uint64(st.Ino)
		k.dev = uint64(st.Dev)
		k.ctimeNsec = st.Ctim.Nano()
	}
}
