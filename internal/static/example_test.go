package static_test

import (
	"log"
	"net/http"
	"os"

	"github.com/swkit/swkit/internal/static"
)

// Serve a folder through os.Root, so that no symbolic link inside it can lead
// outside, with a generated worker served from memory.
func ExampleNew() {
	root, err := os.OpenRoot("public")
	if err != nil {
		log.Fatal(err)
	}
	defer root.Close()
	h, err := static.New(root.FS(), static.Options{
		Files:   map[string][]byte{"sw.js": []byte("/* generated worker */")},
		Headers: map[string]string{"Content-Security-Policy": "default-src 'self'"},
	})
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", h))
}
