package demo

// The seam between the demo and the packages that build and serve the worker
// (internal/manifest, internal/swgen, internal/static). Until those land these
// are small stand-ins with the same shapes; newSite calls only these four.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"net/http"
	"path"
	"sort"

	"github.com/swkit/swkit/internal/config"
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

// fileServer stands in for static.New: files overlaid on site, no-cache.
func fileServer(site fs.FS, files map[string][]byte) (http.Handler, error) {
	fsrv := http.FileServerFS(site)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := path.Clean(r.URL.Path)[1:]
		if name == "" {
			name = "index.html"
		}
		w.Header().Set("Cache-Control", "no-cache")
		if b, ok := files[name]; ok {
			if path.Ext(name) == ".js" {
				w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
			} else {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
			}
			w.Write(b)
			return
		}
		fsrv.ServeHTTP(w, r)
	}), nil
}
