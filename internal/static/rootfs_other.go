//go:build !unix

package static

import (
	"io/fs"
	"os"
)

// RootFS returns root.FS(); on Unix files are opened with O_NONBLOCK.
func RootFS(root *os.Root) fs.FS { return root.FS() }
