package main

import (
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/swkit/swkit/internal/buildcache"
	"github.com/swkit/swkit/internal/config"
	"github.com/swkit/swkit/internal/manifest"
	"github.com/swkit/swkit/internal/sitebuild"
)

func runBuild(args []string, stdout, stderr io.Writer) error {
	fl := newFlagSet("build", "[--config swkit.json] [--inject SRC] [--cache FILE | --no-cache] [DIR]", stderr)
	configPath := fl.String("config", "", "config file (default: DIR/swkit.json when it exists)")
	inject := fl.String("inject", "", "bundle your own worker source SRC (importing 'swkit/sw', using self.__SWKIT_MANIFEST) instead of generating one")
	cacheFlags := addCacheFlags(fl)
	dir, err := folderArg(fl, args)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(*configPath, dir)
	if err != nil {
		return err
	}
	if *inject != "" {
		if cfg, err = injectConfig(cfg, *inject, dir, stderr); err != nil {
			return err
		}
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("open folder: %w", err)
	}
	defer root.Close()

	if os.Getenv("GOGC") == "" {
		// A build's heap is mostly the listing and the cache, alive to the
		// end: collecting at five times the live heap instead of twice saves
		// 16-29% of the CPU of a rebuild after a one-file change
		// (docs/benchmarks.md), and the heap stays small.
		debug.SetGCPercent(400)
	}
	cache := cacheFlags.open(dir, stderr)
	var out *sitebuild.Output
	var inputs string
	if cache != nil && *inject == "" {
		extra := sitebuild.BuildID()
		if inputs, err = sitebuild.Inputs(cfg, extra); err != nil {
			return err
		}
		if done, err := buildUnchanged(stdout, stderr, dir, root, cfg, cache, inputs); done {
			if err == nil {
				cacheFlags.save(cache, stderr)
			}
			return err
		}
		// With the cache on, a build whose inputs are those of the last one
		// and whose generated files are still on disk as written keeps them.
		out, err = sitebuild.BuildRootReusing(root, cfg, cache, sitebuild.Reuse{
			Extra:    extra,
			Previous: func(key string) (*sitebuild.Output, bool) { return previousOutput(dir, cfg, cache, key) },
		})
	} else {
		out, err = sitebuild.BuildRoot(root, cfg, hashCache(cache))
	}
	if err != nil {
		return err
	}
	if cache != nil && *inject != "" {
		cache.SetOutput(buildcache.Output{}) // the files written are not the generated ones
	}
	if out.Reused {
		// The files on disk are the ones this build would write.
		setWalk(cache, inputs, out)
		cacheFlags.save(cache, stderr)
		printWarnings(stderr, out.Manifest.Warnings)
		if err := removeOldManifests(dir, cfg.SwDest, out.Imports); err != nil {
			return err
		}
		printBuilt(stdout, dir, cfg, out, len(out.Manifest.Entries), out.Manifest.Bytes)
		return nil
	}
	if cache != nil && out.Key != "" {
		// Forget the last output until this one is written.
		cache.SetOutput(buildcache.Output{})
	}
	defer func() {
		if cache != nil {
			cacheFlags.save(cache, stderr)
		}
	}()
	printWarnings(stderr, out.Manifest.Warnings)
	if *inject != "" {
		if out.Worker, err = injectWorker(*inject, out.Manifest.Entries); err != nil {
			return err
		}
	}
	if err := writeGenerated(dir, sitebuild.PageHelperName, out.PageHelper); err != nil {
		return err
	}
	if *inject != "" {
		out.Imports = nil // the injected worker carries its manifest inline
	}
	// The manifest files first: the new sw.js names them.
	for name, data := range out.Imports {
		folder, file := path.Split(name)
		if err := writeGenerated(filepath.Join(dir, filepath.FromSlash(folder)), file, data); err != nil {
			return err
		}
	}
	if err := writeGenerated(dir, cfg.SwDest, out.Worker); err != nil {
		return err
	}
	if err := removeOldManifests(dir, cfg.SwDest, out.Imports); err != nil {
		return err
	}
	if cache != nil && out.Key != "" {
		cache.SetOutput(outputRecord(dir, cfg, out))
		setWalk(cache, inputs, out)
	}
	printBuilt(stdout, dir, cfg, out, len(out.Manifest.Entries), out.Manifest.Bytes)
	return nil
}

// buildUnchanged finishes the build when the folder is as the last build
// walked it, for the same inputs (buildcache.Cache.Unchanged), and the files
// that build generated are still there as written: it prints what a walk
// would have. It is done (true) then or when it failed, and false when the
// build must walk the folder.
func buildUnchanged(stdout, stderr io.Writer, dir string, root *os.Root, cfg config.Config, cache *buildcache.Cache, inputs string) (bool, error) {
	start := time.Now()
	w, ok := cache.Unchanged(root, inputs, runtime.GOMAXPROCS(0))
	if !ok {
		return false, nil
	}
	out, ok := previousOutput(dir, cfg, cache, w.Key)
	if !ok {
		return false, nil
	}
	warnings := make([]manifest.Warning, len(w.Oversized))
	for i, o := range w.Oversized { // in walk order, as the walk warns
		warnings[i] = manifest.OversizeWarning(o.Path, o.Stat.Size, cfg.MaximumFileSizeToCacheInBytes)
	}
	printWarnings(stderr, warnings)
	if err := removeOldManifests(dir, cfg.SwDest, out.Imports); err != nil {
		return true, err
	}
	out.Elapsed = time.Since(start)
	// The walk's files and the page helper, as the walk would count them.
	printBuilt(stdout, dir, cfg, out, w.Files+1, w.Bytes+int64(len(out.PageHelper)))
	return true, nil
}

// printWarnings prints a build's warnings, one a line.
func printWarnings(stderr io.Writer, warnings []manifest.Warning) {
	for _, w := range warnings {
		fmt.Fprintf(stderr, "warning: %s\n", w.Message)
	}
}

// setWalk records in cache that out's walk covered the whole folder with
// these inputs, for the next build's buildUnchanged.
func setWalk(cache *buildcache.Cache, inputs string, out *sitebuild.Output) {
	if cache == nil || inputs == "" || out.Key == "" {
		return
	}
	// The entries are the walk's files and the page helper (sitebuild).
	cache.SetWalk(inputs, out.Key, len(out.Manifest.Entries)-1)
}

// outputRecord is what the build cache keeps of out's generated files, just
// written to dir: their digests and stats.
func outputRecord(dir string, cfg config.Config, out *sitebuild.Output) buildcache.Output {
	files := map[string]buildcache.OutputFile{}
	add := func(name string, data []byte) {
		f := buildcache.OutputFile{Sum: sha256.Sum256(data)}
		// Without a stat, the next build reads the file to check it.
		if info, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name))); err == nil && info.Size() == int64(len(data)) {
			f.Stat = buildcache.StatOf(info)
		}
		files[name] = f
	}
	add(sitebuild.PageHelperName, out.PageHelper)
	add(cfg.SwDest, out.Worker)
	for name, data := range out.Imports {
		add(name, data)
	}
	return buildcache.Output{Key: out.Key, Files: files}
}

// refreshBytes is how many bytes of generated files a build must have read
// and hashed (their stat had changed, not their content) for it to record
// their new stats, rewriting the cache file, rather than leave the next
// build to read them again: the cache file is about 100 bytes a site file.
const refreshBytes = 256 << 10

// previousOutput returns the generated files recorded in cache, read from
// dir, when the record is for key and each file is there as written: with
// the stat recorded (buildcache.OutputUnchanged) or else the digest. The
// contents of manifest parts with the stat recorded are nil (not read).
func previousOutput(dir string, cfg config.Config, cache *buildcache.Cache, key string) (*sitebuild.Output, bool) {
	rec := cache.Output()
	if rec.Key == "" || rec.Key != key {
		return nil, false
	}
	out := &sitebuild.Output{}
	var rehashed int64
	for name, f := range rec.Files {
		if !fs.ValidPath(name) {
			return nil, false
		}
		p := filepath.Join(dir, filepath.FromSlash(name))
		if name != cfg.SwDest && name != sitebuild.PageHelperName {
			// A manifest part as recorded is not even read: the build
			// needs only its name (a megabyte of them for 10,000 files).
			if info, err := os.Stat(p); err == nil && cache.OutputUnchanged(f, info) {
				if out.Imports == nil {
					out.Imports = map[string][]byte{}
				}
				out.Imports[name] = nil
				continue
			}
		}
		data, info, err := readFileStat(p)
		if err != nil {
			return nil, false
		}
		if !cache.OutputUnchanged(f, info) {
			if sha256.Sum256(data) != f.Sum {
				return nil, false
			}
			rec.Files[name] = buildcache.OutputFile{Sum: f.Sum, Stat: buildcache.StatOf(info)}
			rehashed += int64(len(data))
		}
		switch name {
		case cfg.SwDest:
			out.Worker = data
		case sitebuild.PageHelperName:
			out.PageHelper = data
		default:
			if out.Imports == nil {
				out.Imports = map[string][]byte{}
			}
			out.Imports[name] = data
		}
	}
	if out.Worker == nil || out.PageHelper == nil {
		return nil, false
	}
	if rehashed >= refreshBytes {
		cache.SetOutput(rec)
	}
	return out, true
}

// readFileStat reads the file at name and returns its stat, taken before
// the read.
func readFileStat(name string) ([]byte, fs.FileInfo, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("%s is not a regular file", name)
	}
	data := make([]byte, info.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, nil, err
	}
	return data, info, nil
}

// printBuilt prints the summary of a build that precached files files
// (the page helper among them) of bytes bytes.
func printBuilt(stdout io.Writer, dir string, cfg config.Config, out *sitebuild.Output, files int, bytes int64) {
	imports := ""
	if len(out.Imports) > 0 {
		var n int64
		for name, data := range out.Imports {
			if data == nil { // reused, not read
				if info, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name))); err == nil {
					n += info.Size()
				}
			}
			n += int64(len(data))
		}
		imports = fmt.Sprintf(" and %d manifest files (%s)", len(out.Imports), humanBytes(n))
	}
	fmt.Fprintf(stdout, "precached %d files, %s; wrote %s (%s)%s in %s\n",
		files, humanBytes(bytes),
		filepath.Join(dir, cfg.SwDest), humanBytes(int64(len(out.Worker))), imports, roundDuration(out.Elapsed))
}

// folderArg parses the flags and returns the one optional folder argument
// (default "."), checked to be an existing folder.
func folderArg(fl *flag.FlagSet, args []string) (string, error) {
	pos, err := parseFlags(fl, args)
	if err != nil {
		return "", err
	}
	dir := "."
	switch len(pos) {
	case 0:
	case 1:
		dir = pos[0]
	default:
		fmt.Fprintf(fl.Output(), "%s: want at most one folder, got %d arguments\n", fl.Name(), len(pos))
		fl.Usage()
		return "", errUsage
	}
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("folder %q does not exist: pass the site's folder, e.g. %q", dir, fl.Name()+" public/")
	case err != nil:
		return "", fmt.Errorf("folder %q: %w", dir, err)
	case !info.IsDir():
		return "", fmt.Errorf("%q is a file, not a folder: pass the folder that holds the site", dir)
	}
	return dir, nil
}

// loadConfig reads the config named by --config, or DIR/swkit.json when it exists,
// or returns the defaults.
func loadConfig(path, dir string) (config.Config, error) {
	if path == "" {
		candidate := filepath.Join(dir, "swkit.json")
		if _, err := os.Stat(candidate); err == nil {
			path = candidate
		}
	}
	var cfg config.Config
	if path != "" {
		var err error
		cfg, err = config.Load(path)
		if err != nil {
			return config.Config{}, err
		}
	}
	return config.Defaults(cfg), nil
}

// writeGenerated writes data to dir/name atomically, refusing to overwrite a
// file that swkit did not generate, and leaves an identical file untouched.
func writeGenerated(dir, name string, data []byte) error {
	path := filepath.Join(dir, name)
	old, err := os.ReadFile(path)
	switch {
	case err == nil && string(old) == string(data):
		return nil
	case err == nil && !sitebuild.IsOurs(old):
		return fmt.Errorf("%s %w: move it away or set swDest to another name", path, sitebuild.ErrNotOurs)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("read %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, "."+name+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%d B", n)
	}
}

func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond)
	default:
		return d.Round(time.Microsecond)
	}
}
