//go:build linux && (amd64 || arm64)

package manifest

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/swkit/swkit/internal/experiment"
	"golang.org/x/sys/unix"
)

// openRootHandle returns the handle of root's folder for the walk: on Linux
// its descriptor, used with the *at system calls directly. A folder then
// costs openat, getdents64 and close, and a file one fstatat (and, to hash
// it, openat, reads and close), without the os.File set-up (fcntl, epoll)
// or os.Root's per-call checks: each name is one path element opened with
// O_NOFOLLOW, so no link can lead out of the folder.
func openRootHandle(root *os.Root) (dirHandle, error) {
	if experiment.Off("portable") {
		return rootHandle{r: root}, nil
	}
	f, err := root.Open(".")
	if err != nil {
		return nil, err
	}
	return &fdDir{fd: int(f.Fd()), file: f}, nil
}

// fdDir is an open folder's descriptor.
type fdDir struct {
	fd   int
	file *os.File // the root's, which owns fd
}

func (d *fdDir) close() {
	if d.file != nil {
		d.file.Close()
		return
	}
	syscall.Close(d.fd)
}

func (d *fdDir) openDir(name string) (dirHandle, error) {
	for {
		fd, err := syscall.Openat(d.fd, name, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW, 0)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "openat", Path: name, Err: err}
		}
		return &fdDir{fd: fd}, nil
	}
}

// openPath opens the folder at p with one openat2 that resolves no link
// and stays below d (Linux 5.6), or, where the kernel or a sandbox refuses
// openat2, one element at a time.
func (d *fdDir) openPath(p string) (dirHandle, error) {
	if !cleanPath(p) {
		return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrInvalid}
	}
	if !noOpenat2.Load() {
		how := unix.OpenHow{
			Flags:   unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC,
			Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
		}
		for {
			fd, err := unix.Openat2(d.fd, p, &how)
			switch err {
			case nil:
				return &fdDir{fd: fd}, nil
			case unix.EINTR, unix.EAGAIN: // EAGAIN: a concurrent rename, retry
				continue
			case unix.ENOSYS, unix.EPERM:
				noOpenat2.Store(true)
			default:
				return nil, &fs.PathError{Op: "openat2", Path: p, Err: err}
			}
			break
		}
	}
	return openPathByName(d, p)
}

// noOpenat2 is set once openat2 turned out to be missing or forbidden.
var noOpenat2 atomic.Bool

func (d *fdDir) openFile(name string) (io.ReadCloser, error) { return fdFolder(d.fd).open(name) }

// readDir lists the folder with getdents64, the names sharing one string.
func (d *fdDir) readDir(buf []byte) ([]dirEntry, error) {
	var entries []dirEntry
	var names []byte
	var ends []int // of each entry's name in names
	for {
		n, err := syscall.Getdents(d.fd, buf)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "getdents64", Path: ".", Err: err}
		}
		if n <= 0 {
			break
		}
		// struct linux_dirent64: ino u64, off s64, reclen u16, type u8, name.
		for b := buf[:n]; len(b) >= 19; {
			reclen := int(*(*uint16)(unsafe.Pointer(&b[16])))
			if reclen < 19 || reclen > len(b) {
				break
			}
			typ, name := b[18], b[19:reclen]
			b = b[reclen:]
			if i := bytes.IndexByte(name, 0); i >= 0 {
				name = name[:i]
			}
			if len(name) == 0 || string(name) == "." || string(name) == ".." {
				continue
			}
			e := dirEntry{known: true}
			switch typ {
			case syscall.DT_REG:
			case syscall.DT_DIR:
				e.typ = fs.ModeDir
			case syscall.DT_LNK:
				e.typ = fs.ModeSymlink
			case syscall.DT_UNKNOWN:
				e.known = false
			default:
				e.typ = fs.ModeIrregular
			}
			entries = append(entries, e)
			names = append(names, name...)
			ends = append(ends, len(names))
		}
	}
	all, start := string(names), 0
	for i, end := range ends {
		entries[i].name, start = all[start:end], end
	}
	return entries, nil
}

// stat is fstat(2) of the folder.
func (d *fdDir) stat() (fs.FileInfo, error) {
	s := &fdStat{name: "."}
	for {
		err := syscall.Fstat(d.fd, &s.st)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "fstat", Path: ".", Err: err}
		}
		return s, nil
	}
}

// statBuf is a stat the walk reuses: on a rebuild, most files' stats are
// only compared with the cache's records, and not allocating one for each
// saves the memory (and this VM's page faults) of 10,000 of them.
type statBuf = fdStat

// keepStat returns info, copied out of buf if it is buf.
func keepStat(info fs.FileInfo, buf *statBuf) fs.FileInfo {
	if s, ok := info.(*fdStat); ok && s == buf {
		c := *s
		c.cname = nil // buf's
		return &c
	}
	return info
}

// lstat is fstatat(2) of name in the folder, not following a link.
func (d *fdDir) lstat(name string, buf *statBuf) (fs.FileInfo, error) {
	s := buf
	if s == nil {
		s = &fdStat{}
	}
	s.name = name
	for {
		err := fstatat(d.fd, name, &s.st, _AT_SYMLINK_NOFOLLOW, &s.cname)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "fstatat", Path: name, Err: err}
		}
		return s, nil
	}
}

const _AT_SYMLINK_NOFOLLOW = 0x100

// fstatat is fstatat(2), with name made a C string in *scratch.
func fstatat(dirfd int, name string, st *syscall.Stat_t, flags int, scratch *[]byte) error {
	p, err := cString(name, scratch)
	if err != nil {
		return err
	}
	_, _, e := syscall.Syscall6(sysFstatat, uintptr(dirfd), uintptr(unsafe.Pointer(p)), uintptr(unsafe.Pointer(st)), uintptr(flags), 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// cString returns name NUL-terminated in *scratch, grown as needed: a
// rebuild stats every file of the site, and syscall's conversion would
// allocate for each.
func cString(name string, scratch *[]byte) (*byte, error) {
	if strings.IndexByte(name, 0) >= 0 {
		return nil, syscall.EINVAL
	}
	b := append(append((*scratch)[:0], name...), 0)
	*scratch = b
	return &b[0], nil
}

// fdStat is an fs.FileInfo from a stat(2), as os.Lstat gives (Sys is the
// *syscall.Stat_t).
type fdStat struct {
	name  string
	st    syscall.Stat_t
	cname []byte // lstat's scratch for the name as a C string
}

func (s *fdStat) Name() string       { return s.name }
func (s *fdStat) Size() int64        { return s.st.Size }
func (s *fdStat) ModTime() time.Time { return time.Unix(s.st.Mtim.Unix()) }
func (s *fdStat) IsDir() bool        { return s.Mode().IsDir() }
func (s *fdStat) Sys() any           { return &s.st }

// Mode is the os package's conversion of st_mode.
func (s *fdStat) Mode() fs.FileMode {
	m := fs.FileMode(s.st.Mode & 0o777)
	switch s.st.Mode & syscall.S_IFMT {
	case syscall.S_IFBLK:
		m |= fs.ModeDevice
	case syscall.S_IFCHR:
		m |= fs.ModeDevice | fs.ModeCharDevice
	case syscall.S_IFDIR:
		m |= fs.ModeDir
	case syscall.S_IFIFO:
		m |= fs.ModeNamedPipe
	case syscall.S_IFLNK:
		m |= fs.ModeSymlink
	case syscall.S_IFSOCK:
		m |= fs.ModeSocket
	}
	if s.st.Mode&syscall.S_ISGID != 0 {
		m |= fs.ModeSetgid
	}
	if s.st.Mode&syscall.S_ISUID != 0 {
		m |= fs.ModeSetuid
	}
	if s.st.Mode&syscall.S_ISVTX != 0 {
		m |= fs.ModeSticky
	}
	return m
}

// fdFolder is the descriptor of an open folder.
type fdFolder uintptr

// open opens the file named name (one path element, neither "." nor "..")
// in the folder. A symbolic link is not followed (O_NOFOLLOW): the walk
// only lists regular files, so a link there appeared since, and fails.
func (d fdFolder) open(name string) (io.ReadCloser, error) {
	for {
		fd, err := syscall.Openat(int(d), name, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW, 0)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "openat", Path: name, Err: err}
		}
		return fdFile(fd), nil
	}
}

// fdFile is a file open for reading by descriptor.
type fdFile int

func (f fdFile) Read(b []byte) (int, error) {
	for {
		n, err := syscall.Read(int(f), b)
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return 0, err
		case n == 0 && len(b) > 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

func (f fdFile) Close() error { return syscall.Close(int(f)) }
