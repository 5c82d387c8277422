package sitebuild

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/swkit/swkit/config"
)

// BuildRoot generates exactly what Build does on the same folder.
func TestBuildRootSameAsBuild(t *testing.T) {
	dir := t.TempDir()
	for i := range 60 {
		p := filepath.Join(dir, fmt.Sprintf("d%d", i%4), fmt.Sprintf("e%d", i%3), fmt.Sprintf("f%02d.html", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, bytes.Repeat([]byte{byte(i)}, 10+i*31), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	cfg := config.Defaults(config.Config{})
	want, err := Build(os.DirFS(dir), cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Build(root.FS(), cfg, Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	wm, _ := json.Marshal(want.Manifest)
	gm, _ := json.Marshal(got.Manifest)
	if len(want.Manifest.Entries) != 61 || !bytes.Equal(gm, wm) || !bytes.Equal(got.Worker, want.Worker) {
		t.Errorf("BuildRoot differs from Build (%d entries):\n%s\n%s", len(want.Manifest.Entries), gm, wm)
	}
}
