package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"

	"github.com/swkit/swkit/internal/buildcache"
	"github.com/swkit/swkit/internal/manifest"
	"github.com/swkit/swkit/internal/sitebuild"
	"github.com/swkit/swkit/internal/swgen"
)

// cacheFlags are --cache and --no-cache, shared by build and serve.
type cacheFlags struct {
	path *string
	off  *bool
}

func addCacheFlags(fl *flag.FlagSet) cacheFlags {
	return cacheFlags{
		path: fl.String("cache", "", "build cache `FILE` of file digests (default: in the user's cache folder, named by DIR's absolute path; never inside DIR)"),
		off:  fl.Bool("no-cache", false, "hash every file, ignoring the build cache (a file rewritten with the same size and modification time is otherwise trusted unchanged)"),
	}
}

// open returns the build cache for dir, or nil when it is off or has no
// place to live. Problems are warnings: a build never fails for its cache.
func (c cacheFlags) open(dir string, stderr io.Writer) *buildcache.Cache {
	if *c.off {
		return nil
	}
	p := *c.path
	if p == "" {
		var err error
		if p, err = buildcache.DefaultPath(dir); err != nil {
			fmt.Fprintf(stderr, "warning: no build cache: %v\n", err)
			return nil
		}
	}
	cache, err := buildcache.Load(p, dir)
	if err != nil {
		fmt.Fprintf(stderr, "warning: %v\n", err)
	}
	return cache
}

// save writes cache back (a nil cache is off), warning on failure.
func (c cacheFlags) save(cache *buildcache.Cache, stderr io.Writer) {
	if cache == nil {
		return
	}
	if err := cache.Save(); err != nil {
		fmt.Fprintf(stderr, "warning: %v\n", err)
	}
}

// hashCache is cache as a manifest.HashCache: nil stays an untyped nil.
func hashCache(cache *buildcache.Cache) manifest.HashCache {
	if cache == nil {
		return nil
	}
	return cache
}

// removeOldManifests deletes the manifest files an earlier build wrote beside
// the worker and this one no longer uses (keep, by slash path in dir). Only
// files that swkit generated are removed.
func removeOldManifests(dir, swDest string, keep map[string][]byte) error {
	folder := path.Dir(swDest)
	matches, err := filepath.Glob(filepath.Join(dir, filepath.FromSlash(folder), swgen.ManifestFileGlob))
	if err != nil {
		return err
	}
	for _, m := range matches {
		if _, ok := keep[path.Join(folder, filepath.Base(m))]; ok {
			continue
		}
		data, err := os.ReadFile(m)
		if err != nil || !sitebuild.IsOurs(data) {
			continue
		}
		if err := os.Remove(m); err != nil {
			return fmt.Errorf("remove old manifest: %w", err)
		}
	}
	return nil
}
