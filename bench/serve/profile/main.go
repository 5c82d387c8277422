// Command profile serves a folder exactly as `swkit serve` does
// (swkit.NewDir: the worker generated in memory, on-the-fly gzip) under
// the CPU profiler, for a fixed time, so bench/serve can say where a
// request's time goes. Drive it with wrk meanwhile.
//
//	go run ./bench/serve/profile -addr 127.0.0.1:18090 -for 15s -cpuprofile bench/work/serve.pprof DIR &
//	wrk -t2 -c50 -d10s http://127.0.0.1:18090/bench-page.html
//	go tool pprof -top bench/work/serve.pprof
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"time"

	"github.com/swkit/swkit"
	"github.com/swkit/swkit/internal/coalesce"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18090", "address to listen on (loopback)")
	dur := flag.Duration("for", 15*time.Second, "serve this long, then stop")
	cpuprofile := flag.String("cpuprofile", "serve.pprof", "write the CPU profile here")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: profile [-addr A] [-for 15s] [-cpuprofile FILE] DIR")
		os.Exit(2)
	}
	h, err := swkit.NewDir(flag.Arg(0), swkit.Config{}, swkit.DirOptions{NoCache: true})
	check(err)
	defer h.Close()
	ln, err := net.Listen("tcp", *addr)
	check(err)
	f, err := os.Create(*cpuprofile)
	check(err)
	check(pprof.StartCPUProfile(f))
	// As swkit serve's listenAndServe: connections wrapped for one write per
	// response (internal/coalesce).
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute, ConnContext: coalesce.ConnContext}
	go srv.Serve(coalesce.Listen(ln))
	fmt.Printf("profile: serving %s at http://%s/ for %s\n", flag.Arg(0), ln.Addr(), *dur)
	time.Sleep(*dur)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	srv.Shutdown(ctx)
	pprof.StopCPUProfile()
	check(f.Close())
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		os.Exit(1)
	}
}
