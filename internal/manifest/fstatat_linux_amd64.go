package manifest

import (
	"syscall"
	"unsafe"
)

// fstatat is fstatat(2), which package syscall does not export on amd64,
// with name made a C string in *scratch (see cString).
func fstatat(dirfd int, name string, st *syscall.Stat_t, flags int, scratch *[]byte) error {
	p, err := cString(name, scratch)
	if err != nil {
		return err
	}
	_, _, e := syscall.Syscall6(syscall.SYS_NEWFSTATAT, uintptr(dirfd), uintptr(unsafe.Pointer(p)), uintptr(unsafe.Pointer(st)), uintptr(flags), 0, 0)
	if e != 0 {
		return e
	}
	return nil
}
