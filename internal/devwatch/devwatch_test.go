package devwatch

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// next returns the next burst, failing after a generous wait.
func next(t *testing.T, w *Watcher) []string {
	t.Helper()
	select {
	case b := <-w.C:
		return b
	case <-time.After(10 * time.Second):
		t.Fatal("no change noticed within 10s")
		return nil
	}
}

// none checks that no burst comes for a while: what a dotfile or a
// foreign file in the config's folder must not cause.
func none(t *testing.T, w *Watcher) {
	t.Helper()
	select {
	case b := <-w.C:
		t.Fatalf("noticed %v, want nothing", b)
	case <-time.After(10 * Quiet):
	}
}

func write(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestWatcher(t *testing.T) {
	dir := t.TempDir()
	elsewhere := t.TempDir()
	config := filepath.Join(elsewhere, "swkit.json")
	write(t, config, "{}")
	w, err := New(dir, []string{config})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()

	// A save of several events is one notice.
	write(t, filepath.Join(dir, "a.html"), "1")
	write(t, filepath.Join(dir, "a.html"), "2")
	write(t, filepath.Join(dir, "b.css"), "3")
	if b := next(t, w); !slices.Contains(b, filepath.Join(dir, "b.css")) {
		t.Errorf("burst %v lacks b.css", b)
	}

	// A new folder is watched, files in it too.
	sub := filepath.Join(dir, "new")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	next(t, w)
	write(t, filepath.Join(sub, "c.js"), "4")
	if b := next(t, w); !slices.Contains(b, filepath.Join(sub, "c.js")) {
		t.Errorf("burst %v lacks new/c.js", b)
	}

	// Dotfiles (editors' swap files) and other files beside the config
	// are not the site's.
	write(t, filepath.Join(dir, ".a.html.swp"), "x")
	write(t, filepath.Join(elsewhere, "notes.txt"), "x")
	none(t, w)
	write(t, config, `{"skipWaiting": true}`)
	if b := next(t, w); !slices.Contains(b, config) {
		t.Errorf("burst %v lacks the config file", b)
	}
}
