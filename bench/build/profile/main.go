// Command profile runs the work of `swkit build` (sitebuild.Build: list,
// hash, generate the worker) in-process on a folder, repeatedly, under the
// CPU profiler, so that bench/build can say where a build's time goes.
//
//	go run ./bench/build/profile -n 10 -cpuprofile bench/work/build.pprof bench/work/large
//	go tool pprof -top bench/work/build.pprof
//
// It writes nothing into the folder; the files swkit build would write are
// only generated in memory.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"github.com/swkit/swkit/internal/config"
	"github.com/swkit/swkit/internal/manifest"
	"github.com/swkit/swkit/internal/sitebuild"
	"github.com/swkit/swkit/internal/swgen"
)

func main() {
	n := flag.Int("n", 10, "builds")
	openers := flag.Bool("openers", false, "instead, time hashing every file (2 workers) opened three ways: os.Root.FS, os.DirFS, and one os.Root per folder")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile here")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: profile [-n 10] [-cpuprofile FILE] DIR")
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
		out, err := sitebuild.BuildRoot(root, cfg, nil)
		check(err)
		total += out.Elapsed
	}
	fmt.Printf("sitebuild.Build: %s a build, mean of %d\n", total/time.Duration(*n), *n)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		os.Exit(1)
	}
}
