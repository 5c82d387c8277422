package static_test

import (
	"net/http/httptest"
	"os"
	"testing"

	"github.com/swkit/swkit/internal/hostiletest"
	"github.com/swkit/swkit/internal/static"
)

// hostileCorpus is shared with the tests of swkit.New and swkit serve.
const hostileCorpus = "testdata/hostile/targets.txt"

// TestHostileTargets sends every target of the corpus, verbatim on a raw
// connection, to the handler as swkit serve builds it (os.Root, an
// in-memory worker, compression on, security headers): nothing from outside
// the folder or from a dotfile, no 5xx, no internal error text, no redirect
// off the site.
func TestHostileTargets(t *testing.T) {
	f := hostiletest.NewFixture(t)
	root, err := os.OpenRoot(f.Root)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	h, err := static.New(root.FS(), static.Options{
		Files:    map[string][]byte{"sw.js": []byte("self.addEventListener('fetch', () => {});\n")},
		Compress: true,
		Headers:  map[string]string{"Content-Security-Policy": "frame-ancestors 'none'", "Referrer-Policy": "no-referrer"},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	targets := f.Targets(t, hostileCorpus)
	if len(targets) < 200 {
		t.Fatalf("corpus has %d targets, want at least 200", len(targets))
	}
	statuses := f.Run(t, srv.Listener.Addr().String(), targets, "/", "/index.html", "/a/b.txt", "/a/", "/link-in")
	t.Logf("%d targets x GET, HEAD: statuses %v", len(targets), statuses)
}

// TestHostileCheckerSeesLeaks is the harness's own control: over os.DirFS,
// which follows links out of the folder (and which swkit never uses for
// that reason), the checker must report the leak.
func TestHostileCheckerSeesLeaks(t *testing.T) {
	f := hostiletest.NewFixture(t)
	h, err := static.New(os.DirFS(f.Root), static.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	res, err := hostiletest.Get(srv.Listener.Addr().String(), "/link-out")
	if err != nil {
		t.Fatal(err)
	}
	if problems := f.Check("/link-out", res); len(problems) == 0 {
		t.Fatalf("os.DirFS served /link-out with %d %q and the checker saw nothing", res.Status, res.Body)
	}
}
