// Command swkit serves a folder with package swkit, which generates the
// worker at start-up and so links the bundler.
package main

import (
	"log"
	"net/http"
	"os"

	"github.com/swkit/swkit"
)

func main() {
	site := os.DirFS(os.Args[1])
	cfg, err := swkit.LoadConfig(site, "swkit.json")
	if err != nil {
		log.Fatal(err)
	}
	h, err := swkit.New(site, cfg)
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", h))
}
