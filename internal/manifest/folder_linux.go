package manifest

import (
	"io"
	"io/fs"
	"os"
	"syscall"
)

// openFolder returns how to open the files of the folder that dir (opened
// in root) is: with openat(2) on dir's descriptor directly. A file then
// costs openat, its reads and close, without the os.File set-up (fcntl and
// epoll calls, which fail for regular files anyway) of os.Root.Open.
func openFolder(_ *os.Root, dir *os.File) folder {
	return fdFolder(dir.Fd())
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
