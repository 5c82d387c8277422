package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/swkit/swkit"
	"github.com/swkit/swkit/config"
)

// worker is one service worker under test: the files it adds to the site.
type worker struct {
	name  string
	files map[string][]byte
}

// numRoutes is the size of the routes variant's runtimeCaching: routes that
// match none of the page's requests, so each costs only its test.
const numRoutes = 50

// routeHandlers cycle over the routes, in Workbox's spelling.
var routeHandlers = []string{"NetworkFirst", "StaleWhileRevalidate", "CacheFirst"}

func swkitWorker(name, site string, cfg config.Config, routes bool) (worker, error) {
	if routes {
		for i := range numRoutes {
			cfg.RuntimeCaching = append(cfg.RuntimeCaching, config.RuntimeCaching{
				URLPattern: fmt.Sprintf(`/\/api\/r%02d\//`, i),
				Handler:    routeHandlers[i%len(routeHandlers)],
				Options:    config.RuntimeOptions{CacheName: fmt.Sprintf("r%02d", i)},
			})
		}
	}
	out, err := swkit.Build(os.DirFS(site), cfg)
	if err != nil {
		return worker{}, err
	}
	return worker{name, out.Generated()}, nil
}

// workboxWorker runs workbox-cli's generateSW on site, as the parity test
// does, with swkit's defaults (every file, 2 MiB limit, no skipWaiting).
func workboxWorker(name, cli, site, work string, routes bool) (worker, error) {
	out := filepath.Join(work, "workbox-out")
	if err := os.RemoveAll(out); err != nil {
		return worker{}, err
	}
	var rc []string
	if routes {
		for i := range numRoutes {
			rc = append(rc, fmt.Sprintf("{ urlPattern: /\\/api\\/r%02d\\//, handler: %q, options: { cacheName: 'r%02d' } }", i, routeHandlers[i%len(routeHandlers)], i))
		}
	}
	js := fmt.Sprintf(`module.exports = {
  globDirectory: %q, globPatterns: ['**/*'], swDest: %q,
  maximumFileSizeToCacheInBytes: 2 * 1024 * 1024, mode: 'production',
  runtimeCaching: [%s],
};
`, site, filepath.Join(out, "sw.js"), strings.Join(rc, ",\n    "))
	cfg := filepath.Join(work, "workbox-config.cjs")
	if err := os.WriteFile(cfg, []byte(js), 0o644); err != nil {
		return worker{}, err
	}
	if msg, err := exec.Command(cli, "generateSW", cfg).CombinedOutput(); err != nil {
		return worker{}, fmt.Errorf("workbox generateSW: %v\n%s", err, msg)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		return worker{}, err
	}
	files := map[string][]byte{}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".map") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(out, e.Name()))
		if err != nil {
			return worker{}, err
		}
		files[e.Name()] = data
	}
	return worker{name, files}, nil
}

// floorWorker is the least a precaching worker can do: cache.addAll on
// install, caches.match then fetch on every request.
func floorWorker(urls []string) worker {
	abs := make([]string, len(urls))
	for i, u := range urls {
		abs[i] = "/" + u
	}
	list, _ := json.Marshal(abs)
	src := `const URLS = ` + string(list) + `;
addEventListener('install', (event) => {
  event.waitUntil(caches.open('floor').then((cache) => cache.addAll(URLS)));
});
addEventListener('fetch', (event) => {
  event.respondWith(caches.match(event.request).then((cached) => cached || fetch(event.request)));
});
`
	return worker{"floor (caches.match)", map[string][]byte{"sw.js": []byte(src)}}
}

// floorStatic is the floor with static routes to its cache: one URLPattern
// per URL when each is set, else one pattern for every path.
func floorStatic(urls []string, each bool) worker {
	w := floorWorker(urls)
	cond := `{ urlPattern: { pathname: '/*' } }`
	if each {
		cond = `{ or: URLS.map((u) => ({ urlPattern: { pathname: u, search: '' } })) }`
	}
	src := string(w.files["sw.js"]) + `addEventListener('install', (event) => {
  if (event.addRoutes) event.waitUntil(event.addRoutes({ condition: ` + cond + `, source: { cacheName: 'floor' } }));
});
`
	return worker{"floor-static", map[string][]byte{"sw.js": []byte(src)}}
}
