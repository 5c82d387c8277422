package demo

// The seam between the demo and the packages that build and serve the worker
// (internal/manifest, internal/swgen, internal/static). newSite calls only
// these four. Until manifest and swgen land, the first three are small
// stand-ins with the same shapes.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"net/http"
	"sort"

	"github.com/swkit/swkit/internal/config"
	"github.com/swkit/swkit/internal/static"
)

// precacheEntry stands in for manifest.Entry.
type precacheEntry struct {
	URL      string `json:"url"`
	Revision string `json:"revision"`
}

// precacheManifest lists every file of site with a content revision.
func precacheManifest(site fs.FS) ([]precacheEntry, error) {
	var out []precacheEntry
	err := fs.WalkDir(site, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(site, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		out = append(out, precacheEntry{URL: name, Revision: hex.EncodeToString(sum[:8])})
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].URL < out[j].URL })
	return out, err
}

// workerScript stands in for swgen.Generate: precache only, no runtime routes.
func workerScript(_ config.Config, entries []precacheEntry) ([]byte, error) {
	list, err := json.Marshal(entries)
	if err != nil {
		return nil, err
	}
	return []byte(`// stand-in worker until internal/swgen lands
const PRECACHE = 'swkit-precache-v1-' + self.registration.scope;
const MANIFEST = ` + string(list) + `;
self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(PRECACHE).then((cache) =>
    cache.addAll(MANIFEST.map((e) => new Request(e.url, {cache: 'reload'})))));
});
self.addEventListener('fetch', (event) => {
  if (event.request.method !== 'GET') return;
  event.respondWith(caches.match(event.request).then((r) => r || fetch(event.request)));
});
`), nil
}

// pageHelper stands in for swgen.PageHelper.
func pageHelper() ([]byte, error) {
	return []byte(`// stand-in page helper until internal/swgen lands
export function register(scriptURL, options = {}) {
  const target = new EventTarget();
  const emit = (type, detail) => target.dispatchEvent(new CustomEvent(type, {detail}));
  target.messageSkipWaiting = async () => {
    const reg = await navigator.serviceWorker.getRegistration(options.scope);
    reg?.waiting?.postMessage({type: 'swkit:skip-waiting'});
  };
  if (navigator.serviceWorker.controller) queueMicrotask(() => emit('controlling'));
  navigator.serviceWorker.register(scriptURL, {scope: options.scope})
    .then(() => navigator.serviceWorker.ready)
    .then(() => emit('activated'))
    .catch((err) => emit('error', err));
  return target;
}
`), nil
}

// fileServer serves site with the generated files overlaid.
func fileServer(site fs.FS, files map[string][]byte) (http.Handler, error) {
	return static.New(site, static.Options{Files: files})
}
