// Command browser measures swkit's generated worker against Workbox's
// generateSW worker in the same Chromium, on the same site, behind the same
// server (internal/static on 127.0.0.1, gzip on the fly, content ETags,
// fingerprinted names immutable), counting the requests and body bytes the
// server sent:
//
//   - install: time from register() to the worker's "activated" state for a
//     1,000-file site, rounds alternating between the tools, each on a fresh
//     origin (a new port) and tab, medians;
//
//   - update: one file changed, the worker rebuilt, registration.update():
//     the requests and bytes until the new worker is installed;
//
//   - -large: the same for a 20,000-file site (one round), plus the update
//     check with nothing changed, where Workbox's sw.js holds the manifest.
//
//     go run ./bench/browser                 # after bench/browser/run.sh made the sites
//     go run ./bench/browser -rounds 5 -large
//
// Workbox's worker is built by workbox-cli (npm, in bench/work) with the
// same defaults as swkit (2 MiB size limit, no skipWaiting); the page calls
// navigator.serviceWorker.register('/sw.js') directly for both.
package main

import (
	"flag"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/swkit/swkit"
	"github.com/swkit/swkit/internal/browsertest"
	"github.com/swkit/swkit/internal/static"
)

var (
	work    = flag.String("work", "bench/work/browser", "folder with site-small (and site-large) made by run.sh")
	workbox = flag.String("workbox", "bench/work/node_modules/.bin/workbox", "workbox-cli")
	rounds  = flag.Int("rounds", 5, "install rounds per tool")
	large   = flag.Bool("large", false, "also measure the 20,000-file site (one round)")
	small   = flag.Bool("small", true, "measure the 1,000-file site")
	only    = flag.String("tools", "swkit,workbox", "tools to measure, comma-separated (swkit, workbox)")
	wait    = flag.Duration("wait", 10*time.Minute, "longest wait for an install or an update")
	verbose = flag.Bool("trace", false, "print each service-worker version state change (ServiceWorker domain)")
)

func main() {
	flag.Parse()
	if !browsertest.RunCommand(run) {
		os.Exit(1)
	}
}

// counter counts the requests and the body bytes a handler sent.
type counter struct {
	h               http.Handler
	requests, bytes atomic.Int64
	mu              sync.Mutex
	paths           []string
}

func (c *counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.requests.Add(1)
	c.mu.Lock()
	c.paths = append(c.paths, r.URL.Path)
	c.mu.Unlock()
	c.h.ServeHTTP(&countingWriter{w, c}, r)
}

func (c *counter) reset() {
	c.requests.Store(0)
	c.bytes.Store(0)
	c.mu.Lock()
	c.paths = nil
	c.mu.Unlock()
}

type countingWriter struct {
	http.ResponseWriter
	c *counter
}

func (w *countingWriter) Write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	w.c.bytes.Add(int64(n))
	return n, err
}

// benchPage registers the worker and records the time to "activated".
const benchPage = `<!doctype html><title>bench</title><script>
window.benchDone = (async () => {
  const t0 = performance.now();
  const reg = await navigator.serviceWorker.register('/sw.js');
  const sw = reg.installing || reg.waiting || reg.active;
  if (sw.state !== 'activated') {
    await new Promise((resolve, reject) => sw.addEventListener('statechange', () => {
      if (sw.state === 'activated') resolve();
      if (sw.state === 'redundant') reject(new Error('install failed'));
    }));
  }
  return performance.now() - t0;
})();
</script>`

const pageName = "swbench.html"

// tool builds a worker for a site folder and returns the files to overlay.
type tool struct {
	name  string
	build func(t testing.TB, site string) map[string][]byte
}

func swkitTool() tool {
	return tool{"swkit", func(t testing.TB, site string) map[string][]byte {
		out, err := swkit.Build(os.DirFS(site), swkit.Config{})
		if err != nil {
			t.Fatal(err)
		}
		return out.Generated()
	}}
}

func workboxTool() tool {
	return tool{"Workbox 7", func(t testing.TB, site string) map[string][]byte {
		out := site + "-workbox-out"
		os.RemoveAll(out)
		cfg := filepath.Join(filepath.Dir(site), "workbox-config.cjs")
		js := fmt.Sprintf("module.exports = { globDirectory: %q, globPatterns: ['**/*'], swDest: %q, maximumFileSizeToCacheInBytes: 2 * 1024 * 1024, mode: 'production' };\n",
			site, filepath.Join(out, "sw.js"))
		if err := os.WriteFile(cfg, []byte(js), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(*workbox, "generateSW", cfg)
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("workbox generateSW: %v\n%s", err, msg)
		}
		files := map[string][]byte{}
		entries, err := os.ReadDir(out)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".map") {
				continue
			}
			data, err := os.ReadFile(filepath.Join(out, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			files[e.Name()] = data
		}
		return files
	}}
}

// server serves site with files overlaid and the bench page, counting.
func server(t testing.TB, site string, files map[string][]byte) (*browsertest.Server, *counter, func(map[string][]byte)) {
	c := &counter{}
	var h atomic.Pointer[http.Handler]
	set := func(files map[string][]byte) {
		all := map[string][]byte{pageName: []byte(benchPage)}
		for k, v := range files {
			all[k] = v
		}
		sh, err := static.New(os.DirFS(site), static.Options{Files: all, Compress: true})
		if err != nil {
			t.Fatal(err)
		}
		var hh http.Handler = sh
		h.Store(&hh)
	}
	set(files)
	c.h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*h.Load()).ServeHTTP(w, r) })
	return browsertest.NewServer(t, c), c, set
}

type installResult struct {
	ms              float64
	requests, bytes int64
}

// install opens a fresh tab on srv and waits for the worker to activate.
func install(t testing.TB, br *browsertest.Browser, srv *browsertest.Server, c *counter) (*browsertest.Tab, *tracer, installResult) {
	tab := br.NewTab(t)
	tab.Timeout = *wait
	tr := traceWorkers(t, tab, *verbose)
	c.reset()
	done := make(chan struct{})
	defer close(done)
	go func() { // progress, for long installs
		for {
			select {
			case <-done:
				return
			case <-time.After(15 * time.Second):
				fmt.Fprintf(os.Stderr, "  ... %d requests so far; %s\n", c.requests.Load(), tr)
			}
		}
	}()
	tab.Navigate(srv.URL("/" + pageName))
	ms, err := evalErr[float64](tab, `window.benchDone`)
	if err != nil {
		t.Fatalf("install: %v (%s, %d requests): %s", err, tr, c.requests.Load(), tr.errorList())
	}
	return tab, tr, installResult{ms, c.requests.Load(), c.bytes.Load()}
}

type updateResult struct {
	requests, bytes int64
	paths           []string
	ms              float64 // registration.update() to installed (changed) or to the check's end
}

// update rebuilds with one file changed (or none), serves the new files,
// calls registration.update() and waits for a new worker to be installed
// (or, with nothing changed, for the check to end). A new worker that fails
// its install (goes redundant) stops the run with what the browser reported,
// rather than leaving it to wait for a worker that never comes.
func update(t testing.TB, tab *browsertest.Tab, tr *tracer, c *counter, set func(map[string][]byte), files map[string][]byte, changed bool) updateResult {
	browsertest.Eval[bool](tab, `navigator.serviceWorker.getRegistration().then((r) => { window.prevActive = r.active; return true; })`)
	set(files)
	c.reset()
	t0 := time.Now()
	tab.Update()
	checked := time.Since(t0)
	if changed {
		// update() settles once the new worker is installing; then it ends
		// up waiting (installed) or, since the bench page is not controlled,
		// active at once; or redundant, when its install failed, and the
		// registration has no new worker at all.
		deadline := time.Now().Add(tab.Timeout)
		for {
			state := browsertest.Eval[string](tab, `navigator.serviceWorker.getRegistration().then((r) =>
				r.waiting !== null || (r.active !== window.prevActive && r.active.state === 'activated') ? 'installed'
				: r.installing !== null || (r.active !== window.prevActive) ? 'installing' : 'failed')`)
			if state == "installed" {
				checked = time.Since(t0)
				break
			}
			if state == "failed" {
				t.Fatalf("the updated worker did not install (%s, %d requests since the update): %s", tr, c.requests.Load(), tr.errorList())
			}
			if time.Now().After(deadline) {
				t.Fatalf("the updated worker is still installing after %v (%s, %d requests since the update)", tab.Timeout, tr, c.requests.Load())
			}
			time.Sleep(50 * time.Millisecond)
		}
	} else {
		time.Sleep(2 * time.Second) // anything the check fetches after the script
	}
	c.mu.Lock()
	paths := slices.Clone(c.paths)
	c.mu.Unlock()
	slices.Sort(paths)
	return updateResult{c.requests.Load(), c.bytes.Load(), paths, float64(checked.Microseconds()) / 1000}
}

// changeOne rewrites the first non-fingerprinted CSS file of site and
// returns a function that restores it.
func changeOne(t testing.TB, site string) (string, func()) {
	var target string
	fs.WalkDir(os.DirFS(site), ".", func(p string, d fs.DirEntry, err error) error {
		if target == "" && err == nil && !d.IsDir() && strings.HasSuffix(p, ".css") && !static.DefaultHashedName(p) {
			target = p
		}
		return nil
	})
	if target == "" {
		t.Fatal("no CSS file to change")
	}
	full := filepath.Join(site, filepath.FromSlash(target))
	old, err := os.ReadFile(full)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, append(slices.Clone(old), "\n/* changed */\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	return target, func() { os.WriteFile(full, old, 0o644) }
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func run(t testing.TB) {
	br, err := browsertest.Launch("")
	if err != nil {
		t.Fatal(err)
	}
	defer br.Close()
	var tools []tool
	for _, name := range strings.Split(*only, ",") {
		switch name {
		case "swkit":
			tools = append(tools, swkitTool())
		case "workbox":
			tools = append(tools, workboxTool())
		default:
			t.Fatalf("-tools: unknown tool %q", name)
		}
	}

	if *small {
		runSmall(t, br, tools)
	}
	if *large {
		runLarge(t, br, tools)
	}
}

func runSmall(t testing.TB, br *browsertest.Browser, tools []tool) {
	site := filepath.Join(*work, "site-small")
	fmt.Printf("## 1,000-file site (%s), %d rounds per tool\n\n", site, *rounds)
	built := map[string]map[string][]byte{}
	for _, tl := range tools {
		built[tl.name] = tl.build(t, site)
	}
	times := map[string][]float64{}
	installs := map[string]installResult{}
	updates := map[string]updateResult{}
	for round := range *rounds {
		for _, tl := range tools {
			srv, c, set := server(t, site, built[tl.name])
			tab, tr, res := install(t, br, srv, c)
			times[tl.name] = append(times[tl.name], res.ms)
			installs[tl.name] = res
			fmt.Fprintf(os.Stderr, "round %d %s: %.0f ms, %d requests, %d bytes\n", round+1, tl.name, res.ms, res.requests, res.bytes)
			if round == 0 {
				changedFile, restore := changeOne(t, site)
				files := tl.build(t, site)
				updates[tl.name] = update(t, tab, tr, c, set, files, true)
				restore()
				fmt.Fprintf(os.Stderr, "  update (%s changed): %v\n", changedFile, updates[tl.name].paths)
			}
			srv.Stop()
			chromedpCancel(tab)
		}
	}
	fmt.Println("| tool | install, median | min – max | requests | bytes sent | update: requests | update: bytes sent |")
	fmt.Println("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, tl := range tools {
		ts := times[tl.name]
		in, up := installs[tl.name], updates[tl.name]
		fmt.Printf("| %s | %.0f ms | %.0f – %.0f ms | %d | %s | %d | %s |\n", tl.name, median(ts), slices.Min(ts), slices.Max(ts),
			in.requests, human(in.bytes), up.requests, human(up.bytes))
	}
	fmt.Printf("\ninstall time, Workbox / swkit: %.2f×\n", median(times["Workbox 7"])/median(times["swkit"]))
	for _, tl := range tools {
		fmt.Printf("\n%s update fetched: %s\n", tl.name, strings.Join(updates[tl.name].paths, ", "))
	}
}

func runLarge(t testing.TB, br *browsertest.Browser, tools []tool) {
	site := filepath.Join(*work, "site-large")
	fmt.Printf("\n## 20,000-file site (%s), one round per tool\n\n", site)
	fmt.Println("| tool | sw.js | imported scripts | install | update check, nothing changed | update, one file changed | one-file update, update() to installed |")
	fmt.Println("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, tl := range tools {
		files := tl.build(t, site)
		var imported int
		for name, data := range files {
			if name != "sw.js" && name != swkit.PageHelper {
				imported += len(data)
			}
		}
		srv, c, set := server(t, site, files)
		tab, tr, in := install(t, br, srv, c)
		same := update(t, tab, tr, c, set, files, false)
		_, restore := changeOne(t, site)
		changedFiles := tl.build(t, site)
		one := update(t, tab, tr, c, set, changedFiles, true)
		restore()
		fmt.Fprintf(os.Stderr, "%s: unchanged check fetched %v; one change fetched %v\n", tl.name, same.paths, one.paths)
		fmt.Printf("| %s | %s | %s | %.1f s | %d requests, %s | %d requests, %s | %.1f s |\n", tl.name, human(int64(len(files["sw.js"]))), human(int64(imported)),
			in.ms/1000, same.requests, human(same.bytes), one.requests, human(one.bytes), one.ms/1000)
		// What the registration's caches hold after the one-file update (the
		// new worker is active at once: the bench page is not controlled).
		tab.WaitFor(`navigator.serviceWorker.getRegistration().then((r) => !r.waiting && !r.installing && r.active.state === 'activated')`)
		fmt.Fprintf(os.Stderr, "%s: caches after the update: %s; %s\n", tl.name,
			browsertest.Eval[string](tab, `(async () => { const out = [];
				for (const n of await caches.keys()) out.push(n.replace(location.origin, '') + ': ' + (await (await caches.open(n)).keys().then((k) => k.length, (e) => e.name))); return out.join(', '); })()`),
			tr.errorList())
		srv.Stop()
		chromedpCancel(tab)
	}
}

// chromedpCancel closes a tab now rather than at the end of the run, so
// that finished rounds' workers do not compete with the next.
func chromedpCancel(tab *browsertest.Tab) { _ = chromedp.Cancel(tab.Ctx) }

func human(n int64) string {
	switch {
	case n >= 1e6:
		return fmt.Sprintf("%.2f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1f KB", float64(n)/1e3)
	default:
		return fmt.Sprintf("%d B", n)
	}
}
