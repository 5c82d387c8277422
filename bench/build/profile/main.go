// Command profile runs the work of `swkit build` (sitebuild.Build: list,
// hash, generate the worker) in-process on a folder, repeatedly, under the
// CPU profiler, so that bench/build can say where a build's time goes.
//
//	go run ./bench/build/profile -n 10 -cpuprofile bench/work/build.pprof bench/work/large
//	go tool pprof -top bench/work/build.pprof
//	go run ./bench/build/profile -nochange -n 100 -cpuprofile bench/work/nochange.pprof bench/work/large
//
// It writes nothing into the folder; the files swkit build would write are
// only generated in memory.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"github.com/swkit/swkit"
	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/buildcache"
	"github.com/swkit/swkit/internal/manifest"
	"github.com/swkit/swkit/internal/swgen"
)

func main() {
	n := flag.Int("n", 10, "builds")
	openers := flag.Bool("openers", false, "instead, time hashing every file (2 workers) opened three ways: os.Root.FS, os.DirFS, and one os.Root per folder")
	nochange := flag.Bool("nochange", false, "instead, time the walk of a no-change rebuild: buildcache.Load, manifest.Build over the os.Root with the cache, Save (the cache in a temporary file, filled by one build first)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile here")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: profile [-n 10] [-cpuprofile FILE] [-openers | -nochange] DIR")
		os.Exit(2)
	}
	root, err := os.OpenRoot(flag.Arg(0))
	check(err)
	defer root.Close()
	if *openers {
		compareOpeners(flag.Arg(0), root, *n)
		return
	}
	cfg := config.Defaults(config.Config{})
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		check(err)
		check(pprof.StartCPUProfile(f))
		defer pprof.StopCPUProfile()
	}
	if *nochange {
		noChange(flag.Arg(0), root, cfg, *n)
		return
	}
	// The phases on their own, once each, then whole builds.
	t := time.Now()
	_, err = swgen.PageHelper()
	check(err)
	fmt.Printf("page helper bundle: %s\n", time.Since(t))
	opts, err := manifest.FromConfig(cfg)
	check(err)
	t = time.Now()
	opts.Root = root
	res, err := manifest.Build(nil, opts)
	check(err)
	fmt.Printf("manifest (walk + hash %d files): %s\n", len(res.Entries), time.Since(t))
	t = time.Now()
	w, err := swgen.Generate(cfg, res.Entries)
	check(err)
	fmt.Printf("generate worker (%d bytes): %s\n", len(w), time.Since(t))
	var total time.Duration
	for range *n {
		out, err := swkit.BuildDir(flag.Arg(0), cfg, swkit.DirOptions{NoCache: true})
		check(err)
		total += out.Elapsed
	}
	fmt.Printf("swkit.BuildDir: %s a build, mean of %d\n", total/time.Duration(*n), *n)
}

// noChange times the cached walk of a no-change rebuild, the part of
// `swkit build` that grows with the site when nothing changed (the rest:
// process start, the build key, checking the generated files).
func noChange(dir string, root *os.Root, cfg config.Config, n int) {
	tmp, err := os.MkdirTemp("", "swkit-profile-")
	check(err)
	defer os.RemoveAll(tmp)
	path := filepath.Join(tmp, "cache.bin")
	opts, err := manifest.FromConfig(cfg)
	check(err)
	opts.Root = root
	build := func() {
		c, err := buildcache.Load(path, dir)
		check(err)
		opts.Cache = c
		_, err = manifest.Build(nil, opts)
		check(err)
		check(c.Save())
	}
	build()
	// Stats are trusted once the build that took them began RacyWindow
	// after the files' last change: a second build records them so.
	time.Sleep(buildcache.RacyWindow)
	build()
	var wall, cpu time.Duration
	for range n {
		t, c := time.Now(), cpuTime()
		build()
		wall += time.Since(t)
		cpu += cpuTime() - c
	}
	fmt.Printf("no-change walk (Load, Build, Save): %s wall, %s CPU a build, mean of %d\n",
		wall/time.Duration(n), cpu/time.Duration(n), n)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		os.Exit(1)
	}
}
