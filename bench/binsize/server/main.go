// Command server serves a folder whose worker `swkit build` wrote
// beforehand, with package server: no bundler linked.
package main

import (
	"log"
	"net/http"
	"os"

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/server"
)

func main() {
	site := os.DirFS(os.Args[1])
	cfg, err := config.LoadFS(site, "swkit.json")
	if err != nil {
		log.Fatal(err)
	}
	h, err := server.New(site, cfg, server.Options{})
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", h))
}
