package e2e

import (
	"fmt"
	"html/template"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/swkit/swkit"
	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/browsertest"
)

// registerScript is what a rendered page carries to install the worker.
const registerScript = `<script type="module">import { register } from '/swkit.js'; register('/sw.js');</script>`

// controlledTab opens url in a new tab and waits until an active worker
// controls it.
func controlledTab(t *testing.T, url string) *browsertest.Tab {
	t.Helper()
	tab := browsertest.Shared(t).NewTab(t)
	tab.Navigate(url)
	tab.WaitController()
	tab.WaitFor(`navigator.serviceWorker.controller.state === 'activated'`)
	return tab
}

// TestRenderedPagesOffline: a server-rendered Go app (html/template pages on
// a ServeMux, static files beside them) precaches its pages with
// swkit.Render. After the first visit, both pages open with the server
// stopped, as the server rendered them, and the install downloaded each
// page once.
func TestRenderedPagesOffline(t *testing.T) {
	page := template.Must(template.New("page").Parse(`<!doctype html><html><head><meta charset="utf-8">
<title>{{.Title}}</title><link rel="stylesheet" href="/style.css">` + registerScript + `</head>
<body><h1>{{.Title}}</h1><ul>{{range .Notes}}<li>{{.}}</li>{{end}}</ul></body></html>`))
	notes := []string{"buy milk", "call Ada"}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		page.Execute(w, map[string]any{"Title": "Home"})
	})
	mux.HandleFunc("GET /notes", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		page.Execute(w, map[string]any{"Title": "Notes", "Notes": notes})
	})
	static := fstest.MapFS{"style.css": {Data: []byte("h1 { color: rgb(0, 128, 0); }\n")}}
	offline, err := swkit.New(static, swkit.Config{ClientsClaim: true}, swkit.Render(mux, "/", "/notes"))
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/", offline)
	srv := browsertest.NewServer(t, mux)

	tab := controlledTab(t, srv.URL("/"))
	checkInstallFetched(t, srv, []string{"/", "/notes", "/style.css", "/swkit.js"})

	srv.Stop()
	srv.ResetHits()
	for _, tc := range []struct{ path, want string }{
		{"/notes", "Notes\nbuy milk\ncall Ada"},
		{"/", "Home"},
	} {
		if err := navigateErr(tab, srv.URL(tc.path)); err != nil {
			t.Fatalf("offline navigation to %s: %v", tc.path, err)
		}
		if got := bodyText(tab); got != tc.want {
			t.Errorf("offline %s shows %q, want %q", tc.path, got, tc.want)
		}
		if c := browsertest.Eval[string](tab, `getComputedStyle(document.querySelector('h1')).color`); c != "rgb(0, 128, 0)" {
			t.Errorf("offline %s: heading colour %s, want the stylesheet's", tc.path, c)
		}
	}
	if hits := srv.Hits(); len(hits) != 0 {
		t.Errorf("a stopped server saw requests: %v", hits)
	}
}

// TestAdditionalAndTemplatedEntriesOffline: a site whose pages a server
// builds from templates (not files of the site) precaches them from the
// command line's config: templatedURLs (the revision follows the template
// files) and additionalManifestEntries (an explicit revision), built as
// `swkit build` builds the folder.
func TestAdditionalAndTemplatedEntriesOffline(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("templates/shell.html", `<!doctype html><meta charset="utf-8"><title>shell</title>`+registerScript+`<p>app shell %s</p>`)
	write("style.css", "p { margin: 0; }\n")
	cfg := config.Config{
		ClientsClaim: true,
		GlobIgnores:  []string{"templates/**"},
		TemplatedURLs: map[string]config.TemplatedURL{
			"/shell": {Files: []string{"templates/*.html"}},
		},
		AdditionalManifestEntries: []config.ManifestEntry{{URL: "/api/settings", Revision: "7"}},
	}
	res, err := swkit.WriteDir(dir, cfg, swkit.DirOptions{NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	// The running site: its own routes, the folder for the rest.
	var mu sync.Mutex
	served := 0
	files, err := swkit.NewDir(dir, cfg, swkit.DirOptions{NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { files.Close() })
	mux := http.NewServeMux()
	mux.HandleFunc("GET /shell", func(w http.ResponseWriter, r *http.Request) {
		tmpl, _ := os.ReadFile(filepath.Join(dir, "templates", "shell.html"))
		mu.Lock()
		served++
		n := served
		mu.Unlock()
		fmt.Fprintf(w, string(tmpl), fmt.Sprint("render ", n))
	})
	mux.HandleFunc("GET /api/settings", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"theme":"dark"}`)
	})
	mux.Handle("/", files)
	srv := browsertest.NewServer(t, mux)
	if len(res.Entries) != 4 { // style.css, swkit.js, /shell, /api/settings
		t.Fatalf("entries %v, want 4", res.Entries)
	}

	tab := controlledTab(t, srv.URL("/shell"))

	srv.Stop()
	srv.ResetHits()
	if err := navigateErr(tab, srv.URL("/shell")); err != nil {
		t.Fatalf("offline navigation to /shell: %v", err)
	}
	// The precached copy is the install's download, the second render.
	if got := bodyText(tab); got != "app shell render 2" {
		t.Errorf("offline /shell shows %q, want the precached render", got)
	}
	if got := fetchText(tab, "/api/settings"); got != `{"theme":"dark"}` {
		t.Errorf("offline /api/settings = %q", got)
	}
	if hits := srv.Hits(); len(hits) != 0 {
		t.Errorf("a stopped server saw requests: %v", hits)
	}
}

// TestPrefixLayoutOffline: the layout of a Go app with its pages at the
// root and its assets under /static/: swkit.Prefix keeps the worker and
// the page helper at the root, so the worker controls every page, and the
// handler's template functions link them. Pages, assets and the helper
// open with the server stopped.
func TestPrefixLayoutOffline(t *testing.T) {
	static := fstest.MapFS{"style.css": {Data: []byte("h1 { color: rgb(0, 0, 200); }\n")}}
	mux := http.NewServeMux()
	cfg := swkit.Config{ClientsClaim: true}
	page := template.Must(template.New("page").Funcs(swkit.TemplateFuncs(cfg, swkit.Prefix("/static/"))).Parse(
		`<!doctype html><meta charset="utf-8"><title>{{.}}</title>
<link rel="stylesheet" href="{{swkitAsset "style.css"}}">{{swkitRegister}}<h1>{{.}}</h1>`))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { page.Execute(w, "Home") })
	mux.HandleFunc("GET /about", func(w http.ResponseWriter, r *http.Request) { page.Execute(w, "About") })
	offline, err := swkit.New(static, cfg, swkit.Prefix("/static/"), swkit.Render(mux, "/", "/about"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range offline.Paths() {
		mux.Handle(p, offline)
	}
	if got := offline.Paths(); strings.Join(got, " ") != "/static/ GET /sw.js GET /swkit.js" {
		t.Errorf("Paths = %v", got)
	}
	srv := browsertest.NewServer(t, mux)
	tab := controlledTab(t, srv.URL("/"))
	if scope := browsertest.Eval[string](tab, `navigator.serviceWorker.getRegistration().then((r) => r.scope)`); scope != srv.URL("/") {
		t.Errorf("scope %s, want the whole origin", scope)
	}
	srv.Stop()
	for _, p := range []string{"/about", "/"} {
		if err := navigateErr(tab, srv.URL(p)); err != nil {
			t.Fatalf("offline %s: %v", p, err)
		}
		if c := browsertest.Eval[string](tab, `getComputedStyle(document.querySelector('h1')).color`); c != "rgb(0, 0, 200)" {
			t.Errorf("offline %s: heading colour %s, want /static/style.css's", p, c)
		}
	}
}
