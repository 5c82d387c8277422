package swgen

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"testing"
)

// manifestViaJSON is workerManifest as encoding/json writes it: the
// reference that the direct encoder must match byte for byte.
func manifestViaJSON(entries []precacheEntry) string {
	out := make([]any, len(entries))
	for i, e := range entries {
		out[i] = e
		b64, ok := cutSHA256(e.Integrity)
		if !ok {
			continue
		}
		sum, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(sum) != sha256.Size {
			continue
		}
		switch e.Revision {
		case "":
			out[i] = []any{e.URL, b64, 0}
		case hex.EncodeToString(sum)[:16]:
			out[i] = []any{e.URL, b64}
		}
	}
	return jsonText(out)
}

func cutSHA256(s string) (string, bool) {
	if len(s) < 7 || s[:7] != "sha256-" {
		return "", false
	}
	return s[7:], true
}

// entryOf is the entry manifest.Build would make for content at url.
func entryOf(url, content string, revisioned bool) precacheEntry {
	sum := sha256.Sum256([]byte(content))
	e := precacheEntry{URL: url, Integrity: "sha256-" + base64.StdEncoding.EncodeToString(sum[:])}
	if revisioned {
		e.Revision = hex.EncodeToString(sum[:8])
	}
	return e
}

func TestWorkerManifestAsJSON(t *testing.T) {
	good := entryOf("index.html", "home", true)
	for _, tc := range []struct {
		name    string
		entries []precacheEntry
	}{
		{"none", nil},
		{"revisioned and hashed names", []precacheEntry{good, entryOf("app.3f9a1c2b.js", "js", false), entryOf("a%20b/c.css", "css", true)}},
		{"revision not from the digest", []precacheEntry{{URL: "x", Revision: "v1", Integrity: good.Integrity}}},
		{"no integrity", []precacheEntry{{URL: "x", Revision: "v1"}, {URL: "y"}}},
		{"not sha256", []precacheEntry{{URL: "x", Integrity: "sha384-abc"}}},
		{"bad base64", []precacheEntry{{URL: "x", Integrity: "sha256-" + good.Integrity[8:] + "!"}, {URL: "y", Integrity: "sha256-!!!!"}}},
		{"short digest", []precacheEntry{{URL: "x", Integrity: "sha256-" + base64.StdEncoding.EncodeToString([]byte("short"))}}},
		{"URLs to escape", []precacheEntry{
			entryOf(`q"uote\back`, "a", true), entryOf("tab\there\nnew", "b", false), entryOf("é ü 日本", "c", true),
			entryOf("sep\u2028\u2029", "d", true), entryOf("bad\xff\xfeutf8", "e", false), entryOf("<a>&b", "f", true),
			entryOf("del\x7f", "g", true), entryOf("", "h", false),
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, want := workerManifest(tc.entries), manifestViaJSON(tc.entries); got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

func FuzzWorkerManifest(f *testing.F) {
	good := entryOf("index.html", "home", true)
	f.Add("index.html", good.Revision, good.Integrity)
	f.Add("a\u2028b", "", good.Integrity)
	f.Add(`"\`, "x", "sha256-")
	f.Fuzz(func(t *testing.T, url, revision, integrity string) {
		entries := []precacheEntry{{URL: url, Revision: revision, Integrity: integrity}, entryOf(url, revision, true)}
		if got, want := workerManifest(entries), manifestViaJSON(entries); got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	})
}
