package swkit_test

import (
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/swkit/swkit"
	"github.com/swkit/swkit/internal/hostiletest"
)

// TestHostileTargets sends the corpus of internal/static to swkit.New over an
// os.Root (symbolic links out of the folder included in the fixture): the
// generated worker and page helper are served beside the files, and nothing
// from outside the folder or from a dotfile ever is.
func TestHostileTargets(t *testing.T) {
	f := hostiletest.NewFixture(t)
	root, err := os.OpenRoot(f.Root)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	h, err := swkit.New(root.FS(), swkit.Config{})
	if err != nil {
		t.Fatalf("swkit.New on a folder with links out of it: %v", err)
	}
	for _, e := range h.Result().Entries {
		if e.URL != "swkit.js" && hostiletest.Public[e.URL] == "" && e.URL != "link-in" {
			t.Errorf("the worker precaches %s, which is no public file", e.URL)
		}
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	targets := f.Targets(t, "internal/static/testdata/hostile/targets.txt")
	statuses := f.Run(t, srv.Listener.Addr().String(), targets, "/", "/index.html", "/a/b.txt", "/a/", "/link-in")
	for _, p := range []string{"/sw.js", "/swkit.js"} {
		res, err := hostiletest.Get(srv.Listener.Addr().String(), p)
		if err != nil || res.Status != 200 {
			t.Fatalf("GET %s: %d, %v", p, res.Status, err)
		}
		for _, bad := range []string{hostiletest.OutsideSecret, hostiletest.DotfileSecret, ".env", ".git", "link-out", "secret.txt", f.Parent} {
			if strings.Contains(res.Body, bad) {
				t.Errorf("%s mentions %q", p, bad)
			}
		}
	}
	t.Logf("%d targets x GET, HEAD: statuses %v", len(targets), statuses)
}
