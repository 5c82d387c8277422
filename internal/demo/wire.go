package demo

// The seam between the demo and the packages that build and serve the worker.
// newSite calls only these two. buildWorker stands in for sitebuild.Build
// (manifest.Build plus swgen) until internal/manifest lands.

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

// buildWorker returns the worker (sw.js) and the page helper (swkit.js) for
// site, precaching every file of site and the helper.
func buildWorker(site fs.FS, _ config.Config) (worker, helper []byte, err error) {
	helper = []byte(`// stand-in page helper until internal/swgen lands
export function register(scriptURL, options = {}) {
  const target = new EventTarget();
  const emit = (type, detail) => target.dispatchEvent(new CustomEvent(type, {detail}));
  target.messageSkipWaiting = () => false;
  navigator.serviceWorker.register(scriptURL, {scope: options.scope})
    .catch((error) => emit('error', {error}));
  return target;
}
`)
	type entry struct {
		URL      string `json:"url"`
		Revision string `json:"revision"`
	}
	entries := []entry{{URL: "swkit.js", Revision: revision(helper)}}
	err = fs.WalkDir(site, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(site, name)
		if err != nil {
			return err
		}
		entries = append(entries, entry{URL: name, Revision: revision(b)})
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].URL < entries[j].URL })
	list, err := json.Marshal(entries)
	if err != nil {
		return nil, nil, err
	}
	worker = []byte(`// stand-in worker until internal/swgen lands
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
`)
	return worker, helper, nil
}

func revision(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// fileServer serves site with the generated files overlaid.
func fileServer(site fs.FS, files map[string][]byte) (http.Handler, error) {
	return static.New(site, static.Options{Files: files})
}
