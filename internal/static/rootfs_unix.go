//go:build unix

package static

import (
	"github.com/swkit/swkit/internal/experiment"
	"io/fs"
	"os"
	"syscall"
)

// RootFS returns root.FS() (see the package documentation: links cannot lead
// out of root), except that files are opened with O_NONBLOCK. os.File then
// skips the four fcntl calls it makes to try, and fail, to register a
// regular file with the poller (one openat and an epoll_ctl remain), and a
// FIFO placed in the folder cannot block the open; reads of regular files
// ignore the flag. swkit serve uses it; root.FS() serves the same.
func RootFS(root *os.Root) fs.FS {
	if experiment.Off("plainfs") {
		return root.FS()
	}
	return &rootFS{FS: root.FS(), root: root}
}

type rootFS struct {
	fs.FS // root.FS()
	root  *os.Root
}

func (r *rootFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	f, err := r.root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	return f, nil
}

func (r *rootFS) Stat(name string) (fs.FileInfo, error)  { return fs.Stat(r.FS, name) }
func (r *rootFS) Lstat(name string) (fs.FileInfo, error) { return fs.Lstat(r.FS, name) }
func (r *rootFS) ReadLink(name string) (string, error)   { return fs.ReadLink(r.FS, name) }
func (r *rootFS) ReadFile(name string) ([]byte, error)   { return fs.ReadFile(r.FS, name) }
func (r *rootFS) ReadDir(name string) ([]fs.DirEntry, error) {
	return fs.ReadDir(r.FS, name)
}
