// Package sitebuild turns a site folder and a config into the files swkit adds to
// it: the service worker and the page helper. The build and serve commands and the
// library share it, so a worker generated in memory is byte-for-byte the one
// `swkit build` would write.
package sitebuild

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/swkit/swkit/internal/config"
	"github.com/swkit/swkit/internal/manifest"
	"github.com/swkit/swkit/internal/swgen"
)

// PageHelperName is the page helper's file name beside the worker.
const PageHelperName = "swkit.js"

// Output is what a build produces.
type Output struct {
	Worker     []byte // sw.js
	PageHelper []byte // swkit.js
	// Imports are the files the worker imports, by slash path in the folder
	// (beside the worker): the parts of a manifest too large to stay inline
	// (swgen.GenerateWorker), named by their content. Nil for most sites.
	Imports  map[string][]byte
	Manifest *manifest.Result // what the worker precaches
	Elapsed  time.Duration
	// Key identifies the inputs of the generated files (BuildRootReusing):
	// the site's entries, the config and Reuse.Extra. Empty from Build.
	Key string
	// Reused reports that Worker, PageHelper and Imports were not generated
	// but are what Reuse.Previous returned for Key.
	Reused bool
}

// Reuse lets BuildRootReusing skip generating the worker and the page helper
// when an earlier build generated them from the same inputs.
type Reuse struct {
	// Extra is whatever else the generated files depend on besides the
	// site's entries and the config: the swkit build (BuildID).
	Extra []byte
	// Previous returns the Worker, PageHelper and Imports that an earlier
	// build with this key generated, as they are now (read back and checked
	// against what was written), or false.
	Previous func(key string) (*Output, bool)
}

// Build lists and hashes the files of fsys that cfg selects and generates the
// worker. cfg must have had config.Defaults applied. The page helper is added to
// the precache as if it were a file of the site (overriding one there), so pages
// that import it work offline; the worker itself is never precached.
func Build(fsys fs.FS, cfg config.Config) (*Output, error) {
	return build(fsys, nil, cfg, nil, nil)
}

// BuildRoot is Build for a folder on disk, read through root (no symbolic link
// leads out of it) and opening each folder once rather than every file's path
// from the root (manifest.Options.Root), with the files' digests taken from
// cache when it still trusts them (nil: hash every file).
func BuildRoot(root *os.Root, cfg config.Config, cache manifest.HashCache) (*Output, error) {
	return build(root.FS(), root, cfg, cache, nil)
}

// BuildRootReusing is BuildRoot, except that the worker and page helper are
// taken from reuse.Previous when it has them for this build's key (the
// site's entries, the config and reuse.Extra) instead of being generated.
func BuildRootReusing(root *os.Root, cfg config.Config, cache manifest.HashCache, reuse Reuse) (*Output, error) {
	return build(root.FS(), root, cfg, cache, &reuse)
}

// Key returns the key of a build's inputs: the site's entries (without the
// page helper), the config and extra.
func Key(entries []manifest.Entry, cfg config.Config, extra []byte) (string, error) {
	c, err := json.Marshal(cfg)
	if err != nil {
		return "", fmt.Errorf("build key: %w", err)
	}
	// The entries in chunks of keyChunk, hashed at once by GOMAXPROCS
	// goroutines (a no-change rebuild keys every entry of the site after
	// the walk, with nothing else to do), then the chunks' digests in order.
	chunks := make([][sha256.Size]byte, (len(entries)+keyChunk-1)/keyChunk)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(chunks)) {
		wg.Go(func() {
			b := make([]byte, 0, 64<<10)
			for {
				k := int(next.Add(1)) - 1
				if k >= len(chunks) {
					return
				}
				b = b[:0]
				for _, e := range entries[k*keyChunk : min((k+1)*keyChunk, len(entries))] {
					b = appendField(b, e.URL)
					b = appendField(b, e.Integrity)
					// The revision is a part of the integrity's digest:
					// whether there is one is enough.
					flags := uint64(e.Size) << 1
					if e.Revision != "" {
						flags |= 1
					}
					b = binary.AppendUvarint(b, flags)
				}
				chunks[k] = sha256.Sum256(b)
			}
		})
	}
	wg.Wait()
	b := appendField(nil, "swkit build key 3")
	b = appendField(b, string(c))
	b = appendField(b, string(extra))
	b = binary.AppendUvarint(b, uint64(len(entries)))
	for _, sum := range chunks {
		b = append(b, sum[:]...)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// Inputs identifies what decides a build besides the site's files: the
// config and extra (the swkit build, as Reuse.Extra). The same folder walked
// with the same inputs gives the same entries, and from them the same Key.
func Inputs(cfg config.Config, extra []byte) (string, error) {
	c, err := json.Marshal(cfg)
	if err != nil {
		return "", fmt.Errorf("build inputs: %w", err)
	}
	b := appendField(nil, "swkit build inputs 1")
	b = appendField(b, string(c))
	b = appendField(b, string(extra))
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// keyChunk is the number of entries Key hashes in one piece.
const keyChunk = 1024

// appendField appends s to b as its length and bytes.
func appendField(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func build(fsys fs.FS, root *os.Root, cfg config.Config, cache manifest.HashCache, reuse *Reuse) (*Output, error) {
	start := time.Now()
	opts, err := ManifestOptions(cfg)
	if err != nil {
		return nil, err
	}
	opts.Cache = cache
	opts.Root = root
	res, err := manifest.Build(fsys, opts)
	if err != nil {
		return nil, fmt.Errorf("list files: %w", err)
	}
	var key string
	if reuse != nil {
		if key, err = Key(res.Entries, cfg, reuse.Extra); err != nil {
			return nil, err
		}
		if reuse.Previous != nil {
			if prev, ok := reuse.Previous(key); ok {
				// The build that generated prev checked the precached
				// pages of the same entries and config.
				addHelper(res, prev.PageHelper)
				out := &Output{Worker: prev.Worker, PageHelper: prev.PageHelper, Imports: prev.Imports,
					Manifest: res, Key: key, Reused: true}
				out.Elapsed = time.Since(start)
				return out, nil
			}
		}
	}
	helper, err := swgen.PageHelper()
	if err != nil {
		return nil, fmt.Errorf("bundle page helper: %w", err)
	}
	addHelper(res, helper)
	if err := checkPrecachedPages(cfg, res.Entries); err != nil {
		return nil, err
	}
	worker, err := swgen.GenerateWorker(cfg, res.Entries)
	if err != nil {
		return nil, fmt.Errorf("generate worker: %w", err)
	}
	out := &Output{Worker: worker.Script, PageHelper: helper, Manifest: res, Key: key}
	for name, data := range worker.Imports {
		if out.Imports == nil {
			out.Imports = map[string][]byte{}
		}
		out.Imports[path.Join(path.Dir(cfg.SwDest), name)] = data
	}
	out.Elapsed = time.Since(start)
	return out, nil
}

// ManifestOptions are the options a build lists the site with: cfg's
// (manifest.FromConfig), less the files swkit generates there.
func ManifestOptions(cfg config.Config) (manifest.Options, error) {
	opts, err := manifest.FromConfig(cfg)
	if err != nil {
		return manifest.Options{}, err
	}
	// The page helper is always precached, whatever the globs and size limit
	// say: pages import it, so without it they would not start offline. A
	// site file of the same name is replaced by it.
	opts.Exclude = append(opts.Exclude, cfg.SwDest, PageHelperName)
	// Manifest files an earlier build wrote are the worker's, not the site's.
	opts.GlobIgnores = append(opts.GlobIgnores, path.Join(path.Dir(cfg.SwDest), swgen.ManifestFileGlob))
	return opts, nil
}

// addHelper adds the page helper to the precache entries of res, which are
// sorted by URL and stay so.
func addHelper(res *manifest.Result, helper []byte) {
	e := manifest.EntryFor(PageHelperName, helper)
	i, _ := slices.BinarySearchFunc(res.Entries, e.URL, func(a manifest.Entry, url string) int { return strings.Compare(a.URL, url) })
	res.Entries = slices.Insert(res.Entries, i, e)
	res.Bytes += e.Size
}

// BuildID identifies the running swkit build, for Reuse.Extra: its module
// version and VCS stamp, and the executable's path, size, modification time
// and (on Linux) inode, so that any rebuilt binary, and with it any change to
// the runtime or the generator, gives other keys.
func BuildID() []byte {
	var b bytes.Buffer
	if bi, ok := debug.ReadBuildInfo(); ok {
		fmt.Fprintf(&b, "%s %s %s\n", bi.GoVersion, bi.Main.Path, bi.Main.Version)
		for _, s := range bi.Settings {
			fmt.Fprintf(&b, "%s=%s\n", s.Key, s.Value)
		}
		for _, d := range bi.Deps {
			fmt.Fprintf(&b, "%s %s %s\n", d.Path, d.Version, d.Sum)
		}
	}
	if exe, err := os.Executable(); err == nil {
		fmt.Fprintf(&b, "exe %s\n", exe)
		if info, err := os.Stat(exe); err == nil {
			fmt.Fprintf(&b, "%d %d %s\n", info.Size(), info.ModTime().UnixNano(), fileID(info))
		}
	} else {
		fmt.Fprintf(&b, "exe unknown %v\n", err)
	}
	return b.Bytes()
}

// IsOurs reports whether data is a file swkit generated (so rewriting it loses
// nothing a person wrote).
func IsOurs(data []byte) bool {
	return bytes.Contains(data[:min(len(data), 200)], []byte("swkit"))
}

// ErrNotOurs is returned when a file swkit would write exists and was not written
// by swkit.
var ErrNotOurs = errors.New("exists and was not generated by swkit")
