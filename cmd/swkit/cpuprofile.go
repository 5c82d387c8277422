//go:build swkitprofile

package main

import (
	"os"
	"runtime/pprof"
	"time"
)

// With -tags swkitprofile, SWKIT_CPUPROFILE=FILE writes a CPU profile of
// the process's first 10 seconds: how bench/push -cpuprofile looks inside
// a worker under load. Not in normal builds.
func init() {
	path := os.Getenv("SWKIT_CPUPROFILE")
	if path == "" {
		return
	}
	f, err := os.Create(path)
	if err != nil {
		return
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return
	}
	time.AfterFunc(10*time.Second, func() {
		pprof.StopCPUProfile()
		f.Close()
	})
}
