//go:build !linux

package sitebuild

import "io/fs"

func fileID(fs.FileInfo) string { return "" }
