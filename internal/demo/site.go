package demo

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"net/http"
	"strconv"
	"testing/fstest"
	"time"

	"github.com/swkit/swkit"
)

// site holds the page. index.html is a complete page by itself; the server
// only fills in the rotate interval.
//
//go:embed site
var siteFiles embed.FS

// rotateMeta is the tag in site/index.html that renderIndex fills in.
const rotateMeta = `<meta name="swkit-rotate" content="10000">`

// newSite renders the page, builds the precache manifest over exactly the bytes
// that will be served, generates the worker and returns the file server. A nil
// site is the embedded one.
func newSite(site fs.FS, rotate time.Duration, push bool) (http.Handler, error) {
	if site == nil {
		var err error
		if site, err = fs.Sub(siteFiles, "site"); err != nil {
			return nil, fmt.Errorf("site: %w", err)
		}
	}
	page, err := fs.ReadFile(site, "index.html")
	if err != nil {
		return nil, fmt.Errorf("site: %w", err)
	}
	index, err := renderIndex(page, rotate)
	if err != nil {
		return nil, err
	}
	if push {
		// The page shows its "Notify me" button only when told push is on.
		index = bytes.Replace(index, []byte(pushMetaOff), []byte(pushMetaOn), 1)
	}
	// The manifest revisions must match what the server sends, so the worker
	// is built over the rendered index.html, not the embedded one.
	icon, err := sharedIcon()
	if err != nil {
		return nil, err
	}
	rendered, err := overlay(site, map[string][]byte{"index.html": index, iconSource: icon})
	if err != nil {
		return nil, fmt.Errorf("site: %w", err)
	}
	// Through the library's one pipeline, as any Go program would: the
	// worker is the one `swkit build` would write for the same files.
	h, err := swkit.New(rendered, workerConfig(push))
	if err != nil {
		return nil, err
	}
	return h, nil
}

// renderIndex fills the rotate interval (milliseconds) into the page's meta tag.
func renderIndex(page []byte, rotate time.Duration) ([]byte, error) {
	if n := bytes.Count(page, []byte(rotateMeta)); n != 1 {
		return nil, fmt.Errorf("site/index.html must hold %s exactly once, found %d", rotateMeta, n)
	}
	ms := max(rotate.Milliseconds(), 1)
	meta := `<meta name="swkit-rotate" content="` + strconv.FormatInt(ms, 10) + `">`
	return bytes.Replace(page, []byte(rotateMeta), []byte(meta), 1), nil
}

// overlay copies fsys into memory with files replaced or added. The site is a
// handful of small files, so a copy is the simplest correct fs.FS.
func overlay(fsys fs.FS, files map[string][]byte) (fs.FS, error) {
	out := fstest.MapFS{}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		out[name] = &fstest.MapFile{Data: b, Mode: 0o444}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for name, b := range files {
		out[name] = &fstest.MapFile{Data: b, Mode: 0o444}
	}
	return out, nil
}
