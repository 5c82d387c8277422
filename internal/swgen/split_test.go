package swgen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/manifest"
)

func manyEntries(n int) []manifest.Entry {
	entries := make([]manifest.Entry, n)
	for i := range entries {
		entries[i] = manifest.EntryFor(fmt.Sprintf("assets/folder-%02d/file-%05d.txt", i%40, i), []byte(fmt.Sprint(i)))
	}
	return entries
}

func TestGenerateWorkerSmallIsInline(t *testing.T) {
	entries := manyEntries(100)
	w, err := GenerateWorker(config.Config{}, entries)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Generate(config.Config{}, entries)
	if err != nil {
		t.Fatal(err)
	}
	if w.Imports != nil || !bytes.Equal(w.Script, want) {
		t.Errorf("a small manifest: %d imports, script equal to Generate's: %v; want none, true", len(w.Imports), bytes.Equal(w.Script, want))
	}
}

func TestGenerateWorkerSplitsLargeManifest(t *testing.T) {
	entries := manyEntries(5000) // about 700 KB of JSON
	w, err := GenerateWorker(config.Config{}, entries)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Imports) < 2 {
		t.Fatalf("%d manifest files, want several", len(w.Imports))
	}
	if len(w.Script) > 32<<10 {
		t.Errorf("sw.js is %d bytes, want a small script", len(w.Script))
	}
	listed := 0
	for name, data := range w.Imports {
		if !strings.HasPrefix(name, ManifestFilePrefix) || !manifest.DefaultHashedName(name) {
			t.Errorf("%s: not a fingerprinted manifest name", name)
		}
		if name != manifestFileName(data) {
			t.Errorf("%s: not named by its content", name)
		}
		if !bytes.HasPrefix(data, []byte(ManifestBanner+"\n")) {
			t.Errorf("%s does not start with the banner", name)
		}
		if !bytes.Contains(w.Script, []byte(`"`+name+`"`)) {
			t.Errorf("sw.js does not import %s", name)
		}
		// manifestGlobal=(manifestGlobal||[]).concat([...]);
		list := data[bytes.Index(data, []byte(".concat("))+len(".concat(") : bytes.LastIndex(data, []byte(");"))]
		var part []json.RawMessage
		if err := json.Unmarshal(list, &part); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		listed += len(part)
	}
	if listed != len(entries) {
		t.Errorf("the manifest files list %d entries, want %d", listed, len(entries))
	}
	if !bytes.Contains(w.Script, []byte("importScripts(")) {
		t.Error("sw.js does not call importScripts")
	}

	// Deterministic, whatever the order of the entries.
	shuffled := slices.Clone(entries)
	slices.Reverse(shuffled)
	again, err := GenerateWorker(config.Config{}, shuffled)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Script, w.Script) || !maps.EqualFunc(again.Imports, w.Imports, bytes.Equal) {
		t.Error("the same entries gave another worker")
	}

	// One changed file: one manifest file changes, and with it sw.js.
	changed := slices.Clone(entries)
	changed[1234] = manifest.EntryFor(entries[1234].URL, []byte("new content"))
	after, err := GenerateWorker(config.Config{}, changed)
	if err != nil {
		t.Fatal(err)
	}
	var gone, added int
	for name := range w.Imports {
		if _, ok := after.Imports[name]; !ok {
			gone++
		}
	}
	for name := range after.Imports {
		if _, ok := w.Imports[name]; !ok {
			added++
		}
	}
	if gone != 1 || added != 1 {
		t.Errorf("one changed file replaced %d manifest files by %d, want 1 by 1", gone, added)
	}
	if bytes.Equal(after.Script, w.Script) {
		t.Error("sw.js did not change: browsers would not see the update")
	}
}
