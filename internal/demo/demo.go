// Package demo is the seed example done right: a page showing a cat that the
// server changes every Rotate, a service worker that precaches the page and
// answers /img with stale-while-revalidate, and a page that swaps in the new cat
// when the worker says the cached one was refreshed (Mozilla's "cache, update
// and refresh").
//
// The seed (an Express server and a hand-written "cache and update" worker) had
// bugs this package does not repeat:
//
//   - its install handler called cache.addAll without returning the promise to
//     event.waitUntil, so the worker could install with nothing cached: here the
//     generated worker's install waits for the whole precache and fails if any
//     of it fails;
//   - its page called navigator.serviceWorker.ready.then(console.log(...)),
//     which logs at once and passes undefined to then: here main.js hands the
//     helper's events real functions;
//   - its fetch handler cached every request, POSTs and errors included: here
//     only the /img route is cached at run time, and only for successful GETs;
//   - its caches were never pruned: here cleanupOutdatedCaches removes old
//     precaches and the precache drops entries the manifest no longer lists;
//   - its image route kept the rotation in two globals updated per request
//     (and skipped cat-1 on the first request): here the index is computed from
//     the clock, (elapsed / Rotate) mod 10 from start-up, with no shared state.
package demo

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/static"
)

// DefaultRotate is how often /img changes unless Options.Rotate says otherwise:
// the seed's CACHE_TIMEOUT.
const DefaultRotate = 10 * time.Second

// ImageCacheName is the cache the worker keeps /img in.
const ImageCacheName = "swkit-demo-images"

// Options configure a Demo. The zero value is a working demo.
type Options struct {
	// Rotate is how often /img changes. Default: DefaultRotate (10s).
	Rotate time.Duration
	// ImagesDir optionally names a folder holding cat-1.jpg .. cat-10.jpg
	// (.jpeg and .png are accepted too). Default: ten generated cats.
	ImagesDir string
	// Now is the clock, for tests. Default: time.Now.
	Now func() time.Time
	// Logf, when set, receives a line about what the demo serves.
	Logf func(format string, args ...any)
	// Site replaces the embedded page files (index.html, which must hold the
	// swkit-rotate meta tag, main.js, style.css), so that a test can deploy
	// a changed version of the page. Default: the embedded site.
	Site fs.FS
	// Push, when set, turns push on (see push.go): the worker shows push
	// notifications, the page offers "Notify me about new cats", and
	// NotifyRotations sends "A new cat" through it. *pushapi.Handler is one.
	Push Notifier
	// DB is the SQLite file that keeps the votes (POST /api/votes) and their
	// idempotency keys. Default: a file in a temporary folder, removed by
	// Close.
	DB string
}

// Demo is the demo's HTTP handler: the page at /, the worker at /sw.js, the page
// helper at /swkit.js and the rotating cat at /img.
type Demo struct {
	now    func() time.Time
	start  time.Time
	rotate time.Duration
	images [numImages]catImage
	site   http.Handler
	db     *votesDB
	push   Notifier // nil: push off

	mu   sync.Mutex
	hits map[string]int
}

// catImage is one cat as served: its bytes and the headers that go with them.
type catImage struct {
	data        []byte
	contentType string
	etag        string
}

// New builds the demo: loads or draws the images, renders the page, builds the
// precache manifest and generates the worker. /img shows the first cat from the
// moment New returns.
func New(opts Options) (*Demo, error) {
	if opts.Rotate < 0 {
		return nil, fmt.Errorf("rotate interval %v is negative", opts.Rotate)
	}
	d := &Demo{
		now:    opts.Now,
		rotate: opts.Rotate,
		hits:   make(map[string]int),
	}
	if d.now == nil {
		d.now = time.Now
	}
	if d.rotate == 0 {
		d.rotate = DefaultRotate
	}

	var raw [numImages][]byte
	var err error
	if opts.ImagesDir != "" {
		raw, err = loadImages(opts.ImagesDir)
	} else {
		raw, err = sharedCats()
	}
	if err != nil {
		return nil, err
	}
	for i, b := range raw {
		d.images[i] = catImage{data: b, contentType: http.DetectContentType(b), etag: contentETag(b)}
	}

	d.push = opts.Push
	d.site, err = newSite(opts.Site, d.rotate, d.push != nil)
	if err != nil {
		return nil, err
	}
	if d.db, err = openVotesDB(opts.DB); err != nil {
		return nil, err
	}

	if opts.Logf != nil {
		source := "ten generated cats"
		if opts.ImagesDir != "" {
			source = "cat-1 .. cat-10 from " + opts.ImagesDir
		}
		opts.Logf("demo: serving %s at /img, a new one every %v", source, d.rotate)
	}
	d.start = d.now()
	return d, nil
}

// ServeHTTP serves /img from the rotation and everything else from the site.
func (d *Demo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	d.hits[r.URL.Path]++
	d.mu.Unlock()

	if r.URL.Path == "/img" {
		d.serveImage(w, r)
		return
	}
	if r.URL.Path == VotesPath {
		d.db.ServeHTTP(w, r)
		return
	}
	d.site.ServeHTTP(w, r)
}

// Hits returns how many requests reached the server, per URL path. Browser
// tests use it to tell what the worker answered from what the network did.
func (d *Demo) Hits() map[string]int {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[string]int, len(d.hits))
	for k, v := range d.hits {
		out[k] = v
	}
	return out
}

// index is the image shown now: (elapsed / rotate) mod 10, from start-up. It
// reads only immutable fields, so concurrent requests need no lock.
func (d *Demo) index() int {
	elapsed := d.now().Sub(d.start)
	if elapsed < 0 { // a clock stepped back before start-up
		elapsed = 0
	}
	return int((elapsed / d.rotate) % numImages)
}

func (d *Demo) serveImage(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	i := d.index()
	img := d.images[i]
	h := w.Header()
	h.Set("Content-Type", img.contentType)
	// no-cache: the browser may keep a copy but must revalidate it, which the
	// ETag makes a cheap 304 while the same cat is showing.
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", img.etag)
	h.Set("X-Swkit-Image", strconv.Itoa(i+1))
	// ServeContent answers If-None-Match with 304 from the ETag set above,
	// handles HEAD and ranges (within the file server's limits); a zero
	// modtime sends no Last-Modified.
	r = static.WithoutAbusiveRange(r, int64(len(img.data)))
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(img.data))
}

// contentETag is a strong validator from the content alone, so it is stable
// across restarts.
func contentETag(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// imageExts are the names tried for each cat, in order.
var imageExts = []string{".jpg", ".jpeg", ".png"}

// loadImages reads cat-1 .. cat-10 from dir, with errors that say what is
// missing and what to do about it.
func loadImages(dir string) ([numImages][]byte, error) {
	var out [numImages][]byte
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return out, fmt.Errorf("images folder %q does not exist: create it with cat-1.jpg .. cat-10.jpg (or .png), or leave ImagesDir (--images) empty to use generated cats", dir)
	case err != nil:
		return out, fmt.Errorf("images folder: %w", err)
	case !st.IsDir():
		return out, fmt.Errorf("images folder %q is a file, not a folder: point it at a folder holding cat-1.jpg .. cat-10.jpg (or .png)", dir)
	}
	for i := range out {
		n := i + 1
		var tried []string
		for _, ext := range imageExts {
			name := fmt.Sprintf("cat-%d%s", n, ext)
			b, err := os.ReadFile(filepath.Join(dir, name))
			if errors.Is(err, fs.ErrNotExist) {
				tried = append(tried, name)
				continue
			}
			if err != nil {
				return out, fmt.Errorf("read image: %w", err)
			}
			switch ct := http.DetectContentType(b); ct {
			case "image/jpeg", "image/png":
			default:
				return out, fmt.Errorf("%s is not a JPEG or PNG image (its content looks like %s): replace it with a cat picture", filepath.Join(dir, name), ct)
			}
			out[i] = b
			break
		}
		if out[i] == nil {
			return out, fmt.Errorf("images folder %q has no cat-%d image (tried %s): add it, the demo needs cat-1 .. cat-10", dir, n, strings.Join(tried, ", "))
		}
	}
	return out, nil
}

// iconSource is the demo's source icon, drawn at start-up (icon.go).
const iconSource = "cat-icon.png"

// workerConfig is the demo's swkit.json: precache the site, and keep /img in
// its own cache with stale-while-revalidate, telling pages when it changed.
func workerConfig(push bool) config.Config {
	cleanup := true
	cfg := config.Config{
		CleanupOutdatedCaches: &cleanup,
		// The first visit is controlled as soon as the worker activates, so
		// the cat can be cached without a reload (see main.js).
		ClientsClaim: true,
		RuntimeCaching: []config.RuntimeCaching{{
			URLPattern: "/img",
			Handler:    "staleWhileRevalidate",
			Options: config.RuntimeOptions{
				CacheName:       ImageCacheName,
				BroadcastUpdate: &config.BroadcastUpdate{},
			},
		}, votesRoute()},
		// Installable: the manifest and icons come from one drawn cat.
		Manifest: &config.Manifest{
			Name:            "swkit demo: cache, update and refresh",
			ShortName:       "swkit cats",
			Description:     "A cat that changes every few seconds, offline too.",
			Icon:            iconSource,
			ThemeColor:      "#2563eb",
			BackgroundColor: "#bfdbfe",
		},
	}
	if push {
		cfg.Push = &config.Push{Title: "swkit demo", Icon: "icon-192.png"}
	}
	return cfg
}
