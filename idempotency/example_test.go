package idempotency_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/swkit/swkit/idempotency"
	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/open"
)

// Mount the middleware on the routes the service worker replays. The DSN
// picks the store: a SQLite file here, postgres://... for several servers.
func ExampleMiddleware() {
	dir, err := os.MkdirTemp("", "swkit-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	s, err := open.Open(context.Background(), filepath.Join(dir, "swkit.db"), store.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	votes := 0
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		votes++ // a real handler writes to its database
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, "vote %d recorded\n", votes)
	})
	mux := http.NewServeMux()
	mux.Handle("POST /api", idempotency.Middleware(s, idempotency.Options{})(api))

	srv := httptest.NewServer(mux)
	defer srv.Close()
	for range 3 { // the same request, replayed
		req, _ := http.NewRequest("POST", srv.URL+"/api", strings.NewReader("cat=3"))
		req.Header.Set("Idempotency-Key", `"5b1e7c1e-8f1a-4b4e-9d3c-0c1f5b2a9e71"`)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("%d replayed=%q %s", resp.StatusCode, resp.Header.Get("Idempotent-Replayed"), body)
	}
	fmt.Println("votes:", votes)
	// Output:
	// 201 replayed="" vote 1 recorded
	// 201 replayed="true" vote 1 recorded
	// 201 replayed="true" vote 1 recorded
	// votes: 1
}
