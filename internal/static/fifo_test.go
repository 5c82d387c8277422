//go:build unix

package static

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestFIFO: a FIFO in the folder, as a file or as a precompressed sibling,
// is never opened (an open would wait for a writer): 404, or the original.
func TestFIFO(t *testing.T) {
	s := newSite(t)
	for _, name := range []string{"pipe.html", "style.css.gz"} {
		if err := syscall.Mkfifo(filepath.Join(s.dir, name), 0o644); err != nil {
			t.Skip(err)
		}
		defer os.Remove(filepath.Join(s.dir, name))
	}
	h := s.handler(t, Options{})
	for _, tc := range []struct {
		target, accept string
		code           int
	}{{"/pipe.html", "", 404}, {"/style.css", "gzip", 200}} {
		done := make(chan int, 1)
		go func() { done <- do(t, h, "GET", tc.target, "Accept-Encoding", tc.accept).Code }()
		select {
		case code := <-done:
			if code != tc.code {
				t.Errorf("%s: status %d, want %d", tc.target, code, tc.code)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: GET blocked on a FIFO", tc.target)
		}
	}
}
