// Command sitegen writes a deterministic site tree for the build and serve
// benchmarks: a realistic mix of HTML, CSS, JavaScript, source maps, JSON,
// SVG, images (PNG, JPEG, WebP, GIF) and WOFF2 fonts in folders up to four
// deep, about 15% of them with fingerprinted names ("app.3f9a1c2b.js",
// "index-BfK2x9Qa.js"), and a few files over 2 MiB.
//
//	go run ./bench/sitegen -files 1000 -size 20MB -out bench/work/small
//	go run ./bench/sitegen -files 10000 -size 400MB -out bench/work/large
//
// The same flags give a byte-identical tree on any machine: the layout and
// every file's content come from seeded generators (PCG for the layout,
// ChaCha8 per file), and sizes are computed in integers only. Text files are
// made of words and markup, so they compress like real ones; images and fonts
// are seeded random bytes behind correct magic headers, so they do not.
//
// The total size is exact: the files' sizes add up to -size. The out folder
// must not exist or be empty.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func main() {
	var o options
	var size string
	flag.IntVar(&o.Files, "files", 1000, "number of files")
	flag.StringVar(&size, "size", "20MB", "total size (B, KB, MB, GB = powers of 10; KiB, MiB, GiB = powers of 2)")
	flag.StringVar(&o.Out, "out", "", "folder to write (must not exist or be empty)")
	flag.Uint64Var(&o.Seed, "seed", 1, "seed: the same seed and flags give the same tree")
	flag.BoolVar(&o.ServeFixtures, "serve-fixtures", false,
		"also write bench-page.html (10 KiB) and bench-photo.jpg (100 KiB) at the root, for bench/serve")
	flag.Parse()
	if o.Out == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: sitegen -files N -size 20MB -out DIR [-seed N] [-serve-fixtures]")
		os.Exit(2)
	}
	n, err := parseSize(size)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sitegen:", err)
		os.Exit(2)
	}
	o.Size = n
	start := time.Now()
	st, err := generate(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sitegen:", err)
		os.Exit(1)
	}
	fmt.Printf("sitegen: wrote %d files (%d fingerprinted, %d over 2 MiB), %d bytes, %d folders, to %s in %s\n",
		st.Files, st.Fingerprinted, st.Big, st.Bytes, st.Dirs, o.Out, time.Since(start).Round(time.Millisecond))
}

// parseSize reads "20MB", "400MB", "1.5GiB", "12345".
func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   float64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {"B", 1},
	}
	mult := 1.0
	num := strings.TrimSpace(s)
	for _, u := range units {
		if rest, ok := strings.CutSuffix(num, u.suffix); ok {
			num, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f <= 0 {
		return 0, fmt.Errorf("bad -size %q: want a positive size such as 20MB", s)
	}
	return int64(f * mult), nil
}

// checkEmpty makes sure dir is absent or an empty folder, and creates it.
func checkEmpty(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	case len(entries) > 0:
		return fmt.Errorf("%s is not empty: remove it first", dir)
	}
	return os.MkdirAll(filepath.Clean(dir), 0o755)
}
