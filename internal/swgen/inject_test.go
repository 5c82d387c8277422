package swgen

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/swkit/swkit/internal/manifest"
)

var injectEntries = []manifest.Entry{
	{URL: "index.html", Revision: "0123456789abcdef", Integrity: "sha256-AAAA"},
	{URL: "app.3f9a2c1d.js", Integrity: "sha256-BBBB"},
}

func TestInjectGolden(t *testing.T) {
	src := InjectSource{FS: os.DirFS("testdata/inject"), Entry: "sw.js", Dir: "src"}
	got, err := Inject(src, injectEntries)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "golden", "inject.js")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Inject differs from %s (run go test -update after checking the change):\n%s", golden, got)
	}

	// Same inputs in another order: same bytes.
	reversed := []manifest.Entry{injectEntries[1], injectEntries[0]}
	again, err := Inject(src, reversed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, again) {
		t.Error("Inject depends on the order of the entries")
	}
	for _, want := range []string{InjectBanner, `"index.html"`, `"0123456789abcdef"`, `"/api/"`, "swkit:skip-waiting"} {
		if !bytes.Contains(got, []byte(want)) {
			t.Errorf("output lacks %q", want)
		}
	}
	if bytes.Contains(got, []byte("(self.__SWKIT_MANIFEST)")) {
		t.Error("the placeholder was not replaced")
	}
}

func TestInjectWorkboxPlaceholder(t *testing.T) {
	fsys := fstest.MapFS{"sw.js": {Data: []byte("import { precacheAndRoute } from 'swkit/sw';\nprecacheAndRoute(self.__WB_MANIFEST);\n")}}
	got, err := Inject(InjectSource{FS: fsys, Entry: "sw.js"}, injectEntries)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(got, []byte(`"index.html"`)) || bytes.Contains(got, []byte("__WB_MANIFEST")) {
		t.Errorf("self.__WB_MANIFEST was not replaced with the manifest:\n%s", got)
	}
}

func TestInjectErrors(t *testing.T) {
	fsys := fstest.MapFS{
		"syntax.js":     {Data: []byte("import { precacheAndRoute } from 'swkit/sw';\nprecacheAndRoute(self.__SWKIT_MANIFEST);\nconst a = ;\n")},
		"bare.js":       {Data: []byte("import { precacheAndRoute } from 'workbox-precaching';\nprecacheAndRoute(self.__WB_MANIFEST);\n")},
		"deep.js":       {Data: []byte("import { precache } from 'swkit/sw/precache.js';\nprecache(self.__SWKIT_MANIFEST);\n")},
		"missing.js":    {Data: []byte("\nimport './nope.js';\nself.__SWKIT_MANIFEST;\n")},
		"outside.js":    {Data: []byte("import '../secret.js';\nself.__SWKIT_MANIFEST;\n")},
		"nested.js":     {Data: []byte("import './lib/bad.js';\nself.__SWKIT_MANIFEST;\n")},
		"lib/bad.js":    {Data: []byte("export const x = 1;\nimport 'lodash';\n")},
		"nomanifest.js": {Data: []byte("import { skipWaitingOnMessage } from 'swkit/sw';\nskipWaitingOnMessage();\n")},
	}
	tests := []struct {
		name, entry string
		want        []string // substrings of the error
		is          error
	}{
		{"missing source", "absent.js", []string{"src/absent.js", "not exist"}, nil},
		{"syntax error", "syntax.js", []string{"src/syntax.js:3:11:", "Unexpected"}, nil},
		{"bare import", "bare.js", []string{"src/bare.js:1:", `"workbox-precaching"`, `"swkit/sw"`}, nil},
		{"runtime internals", "deep.js", []string{"src/deep.js:1:", `"swkit/sw/precache.js"`}, nil},
		{"missing module", "missing.js", []string{"src/missing.js:2:", "no such file src/nope.js"}, nil},
		{"import outside the folder", "outside.js", []string{"src/outside.js:1:", "leaves the worker source's folder"}, nil},
		{"bad import in a nested module", "nested.js", []string{"src/lib/bad.js:2:", `"lodash"`}, nil},
		{"no manifest", "nomanifest.js", []string{"src/nomanifest.js"}, ErrNoPlaceholder},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Inject(InjectSource{FS: fsys, Entry: tt.entry, Dir: "src"}, injectEntries)
			if err == nil {
				t.Fatal("no error")
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			if strings.Contains(err.Error(), userNamespace) {
				t.Errorf("error %q shows esbuild's namespace", err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q is not %v", err, tt.is)
			}
		})
	}
}
