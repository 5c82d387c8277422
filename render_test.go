package swkit

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/swkit/swkit/config"
)

// notesApp is a server-rendered app: a template and the data behind it.
type notesApp struct {
	tmpl  *template.Template
	notes []string
}

func newNotesApp(tmpl string, notes ...string) http.Handler {
	app := &notesApp{tmpl: template.Must(template.New("page").Parse(tmpl)), notes: notes}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		app.tmpl.Execute(w, app.notes)
	})
	mux.HandleFunc("GET /notes", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		app.tmpl.Execute(w, app.notes)
	})
	mux.HandleFunc("GET /private", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "private, no-store")
		fmt.Fprint(w, "secret")
	})
	mux.HandleFunc("GET /broken", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "template: page:1: no such field", http.StatusInternalServerError)
	})
	mux.HandleFunc("GET /old", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/notes", http.StatusFound)
	})
	mux.HandleFunc("GET /clock", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%p", new(int)) // differs on every request
	})
	return mux
}

func entryFor(r *Result, url string) (PrecacheEntry, bool) {
	for _, e := range r.Entries {
		if e.URL == url {
			return e, true
		}
	}
	return PrecacheEntry{}, false
}

func TestRender(t *testing.T) {
	const tmpl = `<ul>{{range .}}<li>{{.}}</li>{{end}}</ul>`
	build := func(t *testing.T, h http.Handler) *Result {
		t.Helper()
		r, err := Build(site(), Config{}, Render(h, "/", "/notes"))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	first := build(t, newNotesApp(tmpl, "a", "b"))
	home, ok := entryFor(first, "/")
	notes, ok2 := entryFor(first, "/notes")
	if !ok || !ok2 {
		t.Fatalf("entries %v lack / or /notes", first.Entries)
	}
	if home.Revision == "" || home.Integrity != "" || home.Size != int64(len("<ul><li>a</li><li>b</li></ul>")) {
		t.Errorf("entry / = %+v, want a revision, no integrity, the rendered size", home)
	}
	if !strings.Contains(string(first.Worker), `"/notes"`) {
		t.Error("the worker does not precache /notes")
	}

	t.Run("same output, same worker", func(t *testing.T) {
		if again := build(t, newNotesApp(tmpl, "a", "b")); string(again.Worker) != string(first.Worker) {
			t.Error("the same pages gave another worker")
		}
	})
	t.Run("changed data, new revision", func(t *testing.T) {
		r := build(t, newNotesApp(tmpl, "a", "b", "c"))
		if e, _ := entryFor(r, "/notes"); e.Revision == notes.Revision {
			t.Error("a new note kept the revision of /notes")
		}
	})
	t.Run("changed template, new revision", func(t *testing.T) {
		r := build(t, newNotesApp(`<ol>{{range .}}<li>{{.}}</li>{{end}}</ol>`, "a", "b"))
		if e, _ := entryFor(r, "/"); e.Revision == home.Revision {
			t.Error("a new template kept the revision of /")
		}
	})
}

func TestRenderErrors(t *testing.T) {
	app := newNotesApp(`x`)
	tests := []struct {
		path, want string
		status     int
	}{
		{"/broken", "render /broken: status 500 Internal Server Error: template: page:1: no such field", 500},
		{"/missing", "render /missing: status 404 Not Found: 404 page not found", 404},
		{"/old", "render /old: status 302 Found to /notes: render the page it leads to", 302},
		{"/private", "render /private: the response may not be stored: the handler sends Cache-Control: no-store; send no-cache to have it revalidated instead", 200},
		{"notes", `render notes: want a path from the site's root, such as "/notes"`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			_, err := Build(site(), Config{}, Render(app, tt.path))
			var re *RenderError
			if !errors.As(err, &re) {
				t.Fatalf("Build = %v, want a *RenderError", err)
			}
			if err.Error() != tt.want || re.Status != tt.status || re.Path != tt.path {
				t.Errorf("error %q (status %d), want %q (status %d)", err, re.Status, tt.want, tt.status)
			}
		})
	}
	if _, err := Build(site(), Config{}, Render(app, "/private")); !errors.Is(err, ErrNotPrecacheable) {
		t.Errorf("no-store: %v, want ErrNotPrecacheable", err)
	}
	t.Run("a file's URL", func(t *testing.T) {
		any := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "page") })
		_, err := Build(site(), Config{}, Render(any, "/index.html"))
		var ce *config.Error
		if !errors.As(err, &ce) || err.Error() != `Render("/index.html"): /index.html is also a file of the site: precache it once` {
			t.Errorf("Build = %v", err)
		}
	})
	t.Run("changing page", func(t *testing.T) {
		r, err := Build(site(), Config{}, Render(app, "/clock"))
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Warnings) != 1 || r.Warnings[0].Path != "/clock" || !strings.Contains(r.Warnings[0].Message, "renders different bytes each time") {
			t.Errorf("warnings %v, want one about /clock", r.Warnings)
		}
	})
}

// TestManifestOptions: additionalManifestEntries, templatedURLs,
// modifyURLPrefix and a worker in a folder shape the manifest as Workbox's
// transforms do.
func TestManifestOptions(t *testing.T) {
	fsys := site()
	fsys["templates/shell.html"] = &fstest.MapFile{Data: []byte("{{.}}")}
	fsys["templates/nav.html"] = &fstest.MapFile{Data: []byte("<nav>")}
	cfg := Config{
		GlobPatterns: []string{"**/*.{html,css}"},
		GlobIgnores:  []string{"templates/**"},
		AdditionalManifestEntries: []config.ManifestEntry{
			{URL: "/api/config.json", Revision: "v7"},
			{URL: "https://cdn.example/lib.4f2a9c1e.js"},
		},
		TemplatedURLs: map[string]config.TemplatedURL{
			"/app-shell": {Files: []string{"templates/*.html"}},
			"/offline":   {Revision: "2"},
		},
		ModifyURLPrefix: map[string]string{"": "https://cdn.example/site/", "about/": "/about/"},
	}
	r, err := Build(fsys, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var urls []string
	for _, e := range r.Entries {
		urls = append(urls, e.URL)
	}
	want := []string{
		"/about/index.html",
		"/api/config.json",
		"/app-shell",
		"/offline",
		"https://cdn.example/lib.4f2a9c1e.js",
		"https://cdn.example/site/index.html",
		"https://cdn.example/site/style.css",
		"swkit.js",
	}
	if strings.Join(urls, " ") != strings.Join(want, " ") {
		t.Errorf("URLs\n got %v\nwant %v", urls, want)
	}
	if len(r.Warnings) != 1 || r.Warnings[0].Path != "additionalManifestEntries[1]" {
		t.Errorf("warnings %v, want one for the entry without a revision", r.Warnings)
	}

	shell := func(nav string) string {
		fsys["templates/nav.html"] = &fstest.MapFile{Data: []byte(nav)}
		r, err := Build(fsys, Config{TemplatedURLs: cfg.TemplatedURLs})
		if err != nil {
			t.Fatal(err)
		}
		e, _ := entryFor(r, "/app-shell")
		return e.Revision
	}
	if shell("<nav>") == shell("<nav class=x>") {
		t.Error("editing a template kept the templated URL's revision")
	}
	_, err = Build(fsys, Config{TemplatedURLs: map[string]config.TemplatedURL{"/x": {Files: []string{"views/*.tmpl"}}}})
	if err == nil || err.Error() != `templatedURLs["/x"]: "views/*.tmpl" matches no file of the site folder` {
		t.Errorf("templated URL without files: %v", err)
	}
}

// TestWorkerInFolder: a worker in a folder of the site precaches the
// site's files by URLs relative to its own folder.
func TestWorkerInFolder(t *testing.T) {
	r, err := Build(site(), Config{SwDest: "about/sw.js", NavigateFallback: "/index.html"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"../index.html", "../style.css", "index.html", "../swkit.js"} {
		if _, ok := entryFor(r, want); !ok {
			t.Errorf("no entry %q in %v", want, r.Entries)
		}
	}
}
