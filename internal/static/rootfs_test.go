//go:build unix

package static

import (
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRootFSServesAsRootFS: every file, folder, link and unsafe path of the
// test site is answered the same through RootFS as through root.FS(), links
// out of the folder included (404).
func TestRootFSServesAsRootFS(t *testing.T) {
	s := agedSite(t)
	targets := []string{"/", "/about", "/about/", "/emptydir/", "/nested/", "/link-out", "/link-abs",
		"/linkdir-out/secret.txt", "/linkdir-out/", "/link-in", "/.env", "/missing", "/index.html/x", "/big.html", "/photo.png"}
	filepath.WalkDir(s.dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(s.dir, p)
			targets = append(targets, "/"+filepath.ToSlash(rel))
		}
		return nil
	})
	for _, compress := range []bool{false, true} {
		a := s.handler(t, Options{Compress: compress})
		b, err := New(RootFS(s.root), Options{Compress: compress})
		if err != nil {
			t.Fatal(err)
		}
		for _, target := range targets {
			for _, accept := range []string{"", "gzip, br"} {
				for i := 0; i < 2; i++ { // uncached, then cached
					wa := do(t, a, "GET", target, "Accept-Encoding", accept)
					wb := do(t, b, "GET", target, "Accept-Encoding", accept)
					if wa.Code != wb.Code || wa.Body.String() != wb.Body.String() || !sameHeader(wa.Header(), wb.Header()) {
						t.Errorf("%s (Accept-Encoding %q, compress %v): root.FS %d %q, RootFS %d %q", target, accept, compress, wa.Code, wa.Header(), wb.Code, wb.Header())
					}
					if strings.Contains(wb.Body.String(), secret) {
						t.Errorf("%s: RootFS served the secret", target)
					}
				}
			}
		}
	}
}

func sameHeader(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if strings.Join(v, "\n") != strings.Join(b[k], "\n") {
			return false
		}
	}
	return true
}

// TestRootFSFIFO: a FIFO in the folder is 404 through RootFS, at once (an
// open without O_NONBLOCK would wait for a writer).
func TestRootFSFIFO(t *testing.T) {
	s := newSite(t)
	if err := syscall.Mkfifo(filepath.Join(s.dir, "pipe.html"), 0o644); err != nil {
		t.Skip(err)
	}
	h, err := New(RootFS(s.root), Options{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan int, 1)
	go func() { done <- do(t, h, "GET", "/pipe.html").Code }()
	select {
	case code := <-done:
		if code != 404 {
			t.Errorf("FIFO: status %d, want 404", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("GET of a FIFO blocked")
	}
	if f, err := RootFS(s.root).Open("pipe.html"); err == nil {
		f.Close()
	} else {
		t.Errorf("Open of the FIFO: %v", err)
	}
	if _, err := RootFS(s.root).Open("../secret.txt"); err == nil {
		t.Error("Open(../secret.txt) succeeded")
	}
	if _, err := RootFS(s.root).Open("link-out"); err == nil {
		t.Error("Open(link-out) succeeded")
	}
	os.Remove(filepath.Join(s.dir, "pipe.html"))
}
