//go:build !(linux && (amd64 || arm64))

package manifest

import (
	"io/fs"
	"os"
)

// statBuf is unused here: stats are os.Root's.
type statBuf struct{}

func keepStat(info fs.FileInfo, _ *statBuf) fs.FileInfo { return info }

// openRootHandle returns the handle of root's folder for the walk: root
// itself (os.Root), which the walk does not close.
func openRootHandle(root *os.Root) (dirHandle, error) { return rootHandle{r: root}, nil }
