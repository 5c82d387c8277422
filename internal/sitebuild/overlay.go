package sitebuild

import (
	"bytes"
	"io"
	"io/fs"
	"time"
)

// overlay is fsys with one extra (or replaced) top-level file.
type overlay struct {
	fs.FS
	name string
	data []byte
}

func (o overlay) Open(name string) (fs.File, error) {
	if name == o.name {
		return &memFile{name: name, Reader: bytes.NewReader(o.data), size: int64(len(o.data))}, nil
	}
	f, err := o.FS.Open(name)
	if err != nil || name != "." {
		return f, err
	}
	dir, ok := f.(fs.ReadDirFile)
	if !ok {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	return &rootDir{ReadDirFile: dir, extra: memInfo{name: o.name, size: int64(len(o.data))}}, nil
}

// rootDir lists the root folder with the overlaid file in place of any file of
// the same name.
type rootDir struct {
	fs.ReadDirFile
	extra   memInfo
	entries []fs.DirEntry // nil until first read
	read    bool
}

func (d *rootDir) ReadDir(n int) ([]fs.DirEntry, error) {
	if !d.read {
		all, err := d.ReadDirFile.ReadDir(-1)
		if err != nil {
			return nil, err
		}
		d.read = true
		for _, e := range all {
			if e.Name() != d.extra.name {
				d.entries = append(d.entries, e)
			}
		}
		d.entries = append(d.entries, fs.FileInfoToDirEntry(d.extra))
	}
	if n <= 0 {
		out := d.entries
		d.entries = nil
		return out, nil
	}
	if len(d.entries) == 0 {
		return nil, io.EOF
	}
	k := min(n, len(d.entries))
	out := d.entries[:k]
	d.entries = d.entries[k:]
	return out, nil
}

type memFile struct {
	*bytes.Reader
	name string
	size int64
}

func (f *memFile) Stat() (fs.FileInfo, error) { return memInfo{name: f.name, size: f.size}, nil }
func (f *memFile) Close() error               { return nil }

type memInfo struct {
	name string
	size int64
}

func (i memInfo) Name() string       { return i.name }
func (i memInfo) Size() int64        { return i.size }
func (i memInfo) Mode() fs.FileMode  { return 0o444 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }
