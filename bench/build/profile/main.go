// Command profile runs the work of `swkit build` (sitebuild.Build: list,
// hash, generate the worker) in-process on a folder, repeatedly, under the
// CPU profiler, so that bench/build can say where a build's time goes.
//
//	go run ./bench/build/profile -n 10 -cpuprofile bench/work/build.pprof bench/work/large
//	go tool pprof -top bench/work/build.pprof
//	go run ./bench/build/profile -nochange -n 100 -cpuprofile bench/work/nochange.pprof bench/work/large
//	go run ./bench/build/profile -nochange -walk -n 100 bench/work/large
//
// It writes nothing into the folder; the files swkit build would write are
// only generated in memory.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/swkit/swkit"
	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/buildcache"
	"github.com/swkit/swkit/internal/manifest"
	"github.com/swkit/swkit/internal/swgen"
)

func main() {
	n := flag.Int("n", 10, "builds")
	nochange := flag.Bool("nochange", false, "instead, time the cache work of a no-change rebuild: buildcache.Load, Cache.Unchanged, Save (the cache in a temporary file, filled by builds first)")
	walk := flag.Bool("walk", false, "with -nochange: the walk a rebuild falls back to instead of Unchanged (manifest.Build with the cache)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile here")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: profile [-n 10] [-cpuprofile FILE] [-nochange [-walk]] DIR")
		os.Exit(2)
	}
	root, err := os.OpenRoot(flag.Arg(0))
	check(err)
	defer root.Close()
	cfg := config.Defaults(config.Config{})
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		check(err)
		check(pprof.StartCPUProfile(f))
		defer pprof.StopCPUProfile()
	}
	if *nochange {
		noChange(flag.Arg(0), root, cfg, *n, *walk)
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
	res, err := manifest.Build(root.FS(), opts)
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

// noChange times the work of a no-change rebuild that grows with the site
// (the rest: process start, checking the generated files): loading the
// cache, Unchanged (or, with walk, the walk it saves), saving.
func noChange(dir string, root *os.Root, cfg config.Config, n int, walk bool) {
	tmp, err := os.MkdirTemp("", "swkit-profile-")
	check(err)
	defer os.RemoveAll(tmp)
	path := filepath.Join(tmp, "cache.bin")
	opts, err := manifest.FromConfig(cfg)
	check(err)
	const inputs = "profile"
	build := func(mustWalk bool) {
		c, err := buildcache.Load(path, dir)
		check(err)
		if _, ok := c.Unchanged(root, inputs, runtime.GOMAXPROCS(0)); !ok || mustWalk {
			opts.Cache = c
			res, err := manifest.Build(root.FS(), opts)
			check(err)
			c.SetWalk(inputs, "key", len(res.Entries))
		}
		check(c.Save())
	}
	build(true)
	// Stats are trusted once the build that took them began RacyWindow
	// after the files' last change: a second build records them so.
	time.Sleep(buildcache.RacyWindow)
	build(true)
	var wall, cpu time.Duration
	for range n {
		t, c := time.Now(), cpuTime()
		build(walk)
		wall += time.Since(t)
		cpu += cpuTime() - c
	}
	what := "Load, Unchanged, Save"
	if walk {
		what = "Load, walk, Save"
	}
	fmt.Printf("no-change rebuild (%s): %s wall, %s CPU a build, mean of %d\n",
		what, wall/time.Duration(n), cpu/time.Duration(n), n)
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	check(syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		os.Exit(1)
	}
}
