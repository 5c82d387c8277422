package manifest

import (
	"slices"
	"testing"
	"testing/fstest"
)

// A precompressed sibling of a file beside it is another encoding of that
// file, never precached; a .gz or .br file of its own is.
func TestSiblingsNotListed(t *testing.T) {
	fsys := fstest.MapFS{
		"app.js":          {Data: []byte("app")},
		"app.js.br":       {Data: []byte("br")},
		"app.js.gz":       {Data: []byte("gz")},
		"data/archive.gz": {Data: []byte("archive")},
		"old.css.br":      {Data: []byte("orphan")},
	}
	res, err := Build(fsys, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range res.Entries {
		got = append(got, e.URL)
	}
	if want := []string{"app.js", "data/archive.gz", "old.css.br"}; !slices.Equal(got, want) {
		t.Errorf("entries %v, want %v", got, want)
	}
}
