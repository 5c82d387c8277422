package swgen

import (
	"crypto/sha256"
	"encoding/hex"
	"hash/fnv"
	"math/bits"
	"slices"
	"strings"

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/manifest"
)

// SplitManifestBytes is the size of manifest JSON above which GenerateWorker
// moves the manifest out of sw.js into content-addressed files (about 2,000
// entries of [url, hash], see workerManifest). Below it the manifest stays inline, so that a one-file change
// costs browsers sw.js and that file and nothing more.
const SplitManifestBytes = 192 << 10

// manifestPartBytes is the size a manifest file aims at: a changed file
// makes browsers download sw.js and the one part that lists it, not the
// whole manifest.
const manifestPartBytes = 128 << 10

// ManifestFilePrefix starts the name of every manifest file
// ("swkit-manifest.<16 hex digits>.js"); ManifestFileGlob matches them.
const (
	ManifestFilePrefix = "swkit-manifest."
	ManifestFileGlob   = ManifestFilePrefix + "*.js"
)

// ManifestBanner is the first line of every manifest file.
const ManifestBanner = "/* swkit precache manifest — generated, do not edit */"

// manifestGlobal is the global the manifest files fill and sw.js reads.
const manifestGlobal = "self.__swkitManifest"

// Worker is a generated service worker.
type Worker struct {
	// Script is sw.js.
	Script []byte
	// Imports are the files Script loads with importScripts, by name
	// relative to the worker's folder: for a manifest over
	// SplitManifestBytes, the parts of the manifest, each named by the hash
	// of its content (so served as immutable, and a changed part changes
	// its name and with it sw.js, which browsers compare). Nil otherwise.
	Imports map[string][]byte
}

// GenerateWorker is Generate for sites of any size: a manifest whose JSON is
// over SplitManifestBytes goes to Imports, in parts grouped by a hash of the
// URL (a file added or changed touches one part), and sw.js imports them by
// name at its first evaluation, as importScripts requires. Smaller manifests
// give exactly Generate's sw.js. Deterministic: same inputs, same bytes.
func GenerateWorker(cfg config.Config, entries []manifest.Entry) (*Worker, error) {
	pre := precacheEntries(entries)
	text := encodeManifest(pre)
	size := text.size()
	if size <= SplitManifestBytes {
		// As Generate, with the manifest already encoded.
		script, err := bundleWorker(cfg, text.array(nil), "")
		if err != nil {
			return nil, err
		}
		return &Worker{Script: script}, nil
	}

	// A power of two, so that the parts stay the same while the manifest
	// grows or shrinks within a factor of two.
	n := 1 << bits.Len(uint((size+manifestPartBytes-1)/manifestPartBytes-1))
	parts := make([][]int, n) // indexes in pre
	for k, e := range pre {
		h := fnv.New32a()
		h.Write([]byte(e.URL))
		i := h.Sum32() % uint32(n)
		parts[i] = append(parts[i], k)
	}
	w := &Worker{Imports: map[string][]byte{}}
	var names []string
	for _, part := range parts {
		if len(part) == 0 {
			continue
		}
		data := []byte(ManifestBanner + "\n" + manifestGlobal + "=(" + manifestGlobal + "||[]).concat(" + text.array(part) + ");\n")
		name := manifestFileName(data)
		w.Imports[name] = data
		names = append(names, name)
	}
	slices.Sort(names)
	quoted := make([]string, len(names))
	for i, name := range names {
		quoted[i] = jsonText(name)
	}
	// Relative names resolve against the worker script's URL.
	prelude := "importScripts(" + strings.Join(quoted, ", ") + ");\n"
	var err error
	if w.Script, err = bundleWorker(cfg, manifestGlobal, prelude); err != nil {
		return nil, err
	}
	return w, nil
}

// precacheEntries is entries as the worker sees them, sorted by URL.
func precacheEntries(entries []manifest.Entry) []precacheEntry {
	pre := make([]precacheEntry, len(entries))
	for i, e := range entries {
		pre[i] = precacheEntry{URL: e.URL, Revision: e.Revision, Integrity: e.Integrity}
	}
	slices.SortFunc(pre, func(a, b precacheEntry) int { return strings.Compare(a.URL, b.URL) })
	return pre
}

// manifestFileName names a manifest file by its content. The hash token
// must be one that manifest.DefaultHashedName (and the file server, which
// serves such names as immutable) recognises: lowercase hex with a digit and
// a letter. Sixteen hex digits lack one about once in 2,000; the next
// sixteen are taken then.
func manifestFileName(data []byte) string {
	sum := sha256.Sum256(data)
	digits := hex.EncodeToString(sum[:])
	for i := 0; i+16 <= len(digits); i += 16 {
		name := ManifestFilePrefix + digits[i:i+16] + ".js"
		if manifest.DefaultHashedName(name) {
			return name
		}
	}
	return ManifestFilePrefix + digits[:16] + ".js" // served no-cache: still correct
}
