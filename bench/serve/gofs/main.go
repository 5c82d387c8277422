// Command gofs is the Go standard library's file server and nothing else:
// http.FileServer over http.Dir, on a plain http.Server, for bench/serve.
//
//	go run ./bench/serve/gofs -addr 127.0.0.1:18082 DIR
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18082", "address to listen on")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: gofs [-addr 127.0.0.1:18082] DIR")
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("gofs: serving %s at http://%s/\n", flag.Arg(0), ln.Addr())
	log.Fatal(http.Serve(ln, http.FileServer(http.Dir(flag.Arg(0)))))
}
