package manifest

import (
	"embed"
	"slices"
	"testing"
)

//go:embed testdata/golden
var embedded embed.FS

// TestBuildEmbedFS builds from an embed.FS, whose files have no modification
// time: nothing in an entry may depend on one.
func TestBuildEmbedFS(t *testing.T) {
	res, err := Build(embedded, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := urls(res), []string{"testdata/golden/site.json"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if res.Entries[0].Revision == "" || res.Entries[0].Size == 0 {
		t.Errorf("entry %+v lacks a revision or size", res.Entries[0])
	}
}
