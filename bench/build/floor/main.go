// Command floor is the lower bound for a precache build: it lists the
// regular files under a folder, then reads and SHA-256-hashes every byte of
// them with a fixed number of workers, and does nothing else (no globbing, no
// output file).
//
//	go run ./bench/build/floor [-workers 2] [-max BYTES] DIR
//
// With -max it skips files larger than BYTES, as a precache build skips files
// over maximumFileSizeToCacheInBytes: the same bytes a build hashes.
package main

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	workers := flag.Int("workers", 2, "files hashed at once")
	maxSize := flag.Int64("max", 0, "skip files larger than this many bytes (0: hash all)")
	flag.Parse()
	if flag.NArg() != 1 || *workers < 1 {
		fmt.Fprintln(os.Stderr, "usage: floor [-workers 2] [-max BYTES] DIR")
		os.Exit(2)
	}
	dir := flag.Arg(0)
	start := time.Now()
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if *maxSize > 0 {
			info, err := d.Info()
			if err != nil {
				return err
			}
			if info.Size() > *maxSize {
				return nil
			}
		}
		paths = append(paths, p)
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
	var next atomic.Int64
	var total atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	for range *workers {
		wg.Go(func() {
			h := sha256.New()
			buf := make([]byte, 256<<10)
			for {
				i := int(next.Add(1)) - 1
				if i >= len(paths) {
					return
				}
				f, err := os.Open(paths[i])
				if err != nil {
					failed.Store(err)
					return
				}
				h.Reset()
				n, err := io.CopyBuffer(h, struct{ io.Reader }{f}, buf)
				f.Close()
				if err != nil {
					failed.Store(err)
					return
				}
				h.Sum(nil)
				total.Add(n)
			}
		})
	}
	wg.Wait()
	if err, ok := failed.Load().(error); ok {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
	fmt.Printf("floor: hashed %d files, %d bytes, with %d workers in %s\n",
		len(paths), total.Load(), *workers, time.Since(start).Round(time.Microsecond))
}
