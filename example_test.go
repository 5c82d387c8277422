package swkit_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing/fstest"

	"github.com/swkit/swkit"
)

// Serve a site and its generated worker. A real program would pass an
// embed.FS (through fs.Sub) or the FS of an os.Root; fstest.MapFS stands in
// for one here, without modification times, as embed.FS.
func ExampleNew() {
	site := fstest.MapFS{
		"index.html":          {Data: []byte(`<!doctype html><script type="module">import {register} from "/swkit.js"; register("/sw.js")</script>`)},
		"css/app.css":         {Data: []byte("body { font: 16px system-ui }")},
		"js/main.1a2b3c4d.js": {Data: []byte("console.log('hi')")},
		".env":                {Data: []byte("SECRET=never served")},
	}
	h, err := swkit.New(site, swkit.Config{})
	if err != nil {
		log.Fatal(err)
	}

	for _, path := range []string{"/sw.js", "/css/app.css", "/js/main.1a2b3c4d.js", "/.env"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		fmt.Println(strings.TrimSpace(fmt.Sprintf("%-22s %d %s", path, rec.Code, rec.Header().Get("Cache-Control"))))
	}
	fmt.Println("precached:")
	for _, e := range h.Result().Entries {
		if e.Revision == "" {
			fmt.Println(" ", e.URL, "(its name is its revision)")
		} else {
			fmt.Println(" ", e.URL)
		}
	}
	// Output:
	// /sw.js                 200 no-cache
	// /css/app.css           200 no-cache
	// /js/main.1a2b3c4d.js   200 public, max-age=31536000, immutable
	// /.env                  404
	// precached:
	//   css/app.css
	//   index.html
	//   js/main.1a2b3c4d.js (its name is its revision)
	//   swkit.js
}

// Mount the site at the root of a mux, beside an API. The worker precaches
// the site's files only; requests to /api/ go to the network unless a
// runtime route says otherwise.
func ExampleNew_mux() {
	site := fstest.MapFS{"index.html": {Data: []byte("<!doctype html><title>app</title>")}}
	h, err := swkit.New(site, swkit.Config{
		NavigateFallback:         "index.html",
		NavigateFallbackDenylist: []string{"^/api/"},
		RuntimeCaching: []swkit.RuntimeCaching{{
			URLPattern: "/api/*",
			Handler:    swkit.NetworkFirst,
			Options:    swkit.RuntimeOptions{NetworkTimeoutSeconds: 3, CacheName: "api"},
		}},
		Server: swkit.Server{
			Headers: map[string]string{"Content-Security-Policy": "default-src 'self'", "Referrer-Policy": "same-origin"},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/hello", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, `{"hello":"world"}`)
	})
	mux.Handle("/", h)

	for _, path := range []string{"/", "/api/hello"} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		// The API's responses are its own: no headers from swkit.
		fmt.Printf("%s %d %q\n", path, rec.Code, rec.Header().Get("Referrer-Policy"))
	}
	// Output:
	// / 200 "same-origin"
	// /api/hello 200 ""
}

// Read the options from a swkit.json, the file `swkit build` and `swkit
// serve` use, and change one in code.
func ExampleLoadConfig() {
	files := fstest.MapFS{
		"swkit.json": {Data: []byte(`{"globIgnores": ["drafts/**"], "runtimeCaching": [{"urlPattern": "/img/**", "handler": "CacheFirst"}]}`)},
	}
	cfg, err := swkit.LoadConfig(files, "swkit.json")
	if err != nil {
		log.Fatal(err)
	}
	cfg.Server.Headers = map[string]string{"Content-Security-Policy": "default-src 'self'"}
	fmt.Println(cfg.GlobIgnores, cfg.RuntimeCaching[0].Handler)

	_, err = swkit.LoadConfig(fstest.MapFS{"swkit.json": {Data: []byte("{\n\"skipWaitng\": true}")}}, "swkit.json")
	fmt.Println(err)
	// Output:
	// [drafts/**] cacheFirst
	// swkit.json:2: unknown key "skipWaitng" (did you mean "skipWaiting"?)
}
