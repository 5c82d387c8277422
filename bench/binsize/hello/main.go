// Command hello serves a folder with net/http alone: the baseline that
// bench/binsize measures the other two against.
package main

import (
	"log"
	"net/http"
	"os"
)

func main() {
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", http.FileServerFS(os.DirFS(os.Args[1]))))
}
