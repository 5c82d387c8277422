// Command browser-speed times what a service worker costs the page it
// controls, with several workers side by side in one browser, on one site
// (a page with 80 scripts, 40 stylesheets and 80 images, all precached),
// each worker on its own origin behind the same server (package server, as
// `swkit serve` answers):
//
//   - swkit's generated worker, its fetch handler answering (staticRoutes off);
//   - Workbox's, from workbox-cli's generateSW (npm), as the parity test runs it;
//   - the floor: a hand-written worker that answers with caches.match;
//   - swkit's with static routes (InstallEvent.addRoutes, where the engine has it);
//   - swkit's and Workbox's again with 50 runtimeCaching routes that match
//     nothing on the page (what a route costs each request);
//   - when -workers names them, the floor with static routes to its cache:
//     floor-static-each with one URLPattern per URL, as swkit declares them,
//     and floor-static-all with one pattern for every path, the least a
//     static router can do (no worker code, one test a request).
//
// For each worker it reports medians over -loads rounds, the order of the
// workers rotated each round: the warm controlled load (navigation start to
// the load event); each subresource's time (Resource Timing, responseEnd -
// startTime), p50 and p99 over all rounds; and the load right after
// ServiceWorker.stopAllWorkers (the first visit of a session; Chromium
// only: the other engines have no way to stop a worker from outside), with
// "routed", the subresources the static router answered, and "started",
// the loads after which the worker was running again.
// Ratios are within this run only.
//
//	bench/browser-speed/run.sh                              # three engines, with the lock
//	go run ./bench/browser-speed -loads 20                  # Chromium
//	go run ./bench/browser-speed -loads 20 -engine firefox  # or webkit
//	go run ./bench/browser-speed -profile swkit,workbox     # and where those workers' JavaScript spends its time
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/browsertest"
	"github.com/swkit/swkit/server"
)

var (
	work    = flag.String("work", "bench/work/browser-speed", "folder for the site and Workbox's output")
	cli     = flag.String("workbox", defaultWorkbox(), "workbox-cli binary ($SWKIT_WORKBOX_CLI)")
	engine  = flag.String("engine", browsertest.Chromium, "browser engine: chromium, firefox or webkit")
	loads   = flag.Int("loads", 20, "rounds: loads per worker, warm and after a stop each")
	only    = flag.String("workers", "", "comma-separated worker names to run (default all)")
	delay   = flag.Duration("register-delay", 0, "how long after its load event the page registers its worker")
	profile = flag.String("profile", "", "after the rounds, profile the JavaScript of the workers so named (comma-separated) over -loads warm loads each (Chromium)")
)

func defaultWorkbox() string {
	if p := os.Getenv("SWKIT_WORKBOX_CLI"); p != "" {
		return p
	}
	return ".cache/npm/node_modules/.bin/workbox"
}

func main() {
	flag.Parse()
	ok := browsertest.RunCommand(func(t testing.TB) {
		if err := run(t); err != nil {
			t.Fatal("browser-speed:", err)
		}
	})
	if !ok {
		os.Exit(1)
	}
}

// origin is one worker on its own origin: server, tab, results.
type origin struct {
	worker
	url  string
	srv  *http.Server
	tab  *browsertest.Tab
	warm []sample
	cold []sample
}

// sample is what one page load measured.
type sample struct {
	Load       float64   `json:"load"`
	Resources  []float64 `json:"resources"`
	Controlled bool      `json:"controlled"`
	// Routed counts the subresources the static router answered from a
	// cache (Resource Timing's workerFinalSourceType).
	Routed int `json:"routed"`
	// Started: after a stop, a worker was running again once the page
	// had loaded.
	Started bool `json:"-"`
}

func run(t testing.TB) error {
	site := filepath.Join(*work, "site")
	urls, err := writeSite(site, *delay)
	if err != nil {
		return err
	}
	built, err := buildWorkers(site, urls)
	if err != nil {
		return err
	}

	e := browsertest.Start(t, *engine)
	// One tab for every origin: with a tab each, Firefox loaded the page
	// in the second tab 7 to 11% slower than in the first.
	tab := e.NewTab(t)
	var origins []*origin
	for _, w := range built {
		o, err := serve(site, w)
		if err != nil {
			return err
		}
		defer o.srv.Close()
		o.tab = tab
		if err := o.install(); err != nil {
			return fmt.Errorf("%s: %w", o.name, err)
		}
		origins = append(origins, o)
	}
	fmt.Printf("%s; %d loads per worker and kind; load before: %s\n\n", browserVersion(origins[0].tab), *loads, loadAvg())

	// One load per worker per round, warm, the order rotated each round so
	// that no worker always follows the same one; then, in Chromium, the
	// same after stopping every worker.
	var sw *workers
	if *engine == browsertest.Chromium {
		if sw, err = watchWorkers(origins[0].tab.Browser); err != nil {
			return err
		}
	}
	for _, cold := range []bool{false, true} {
		if cold && sw == nil {
			break
		}
		for round := range *loads {
			for i := range origins {
				o := origins[(round+i)%len(origins)]
				if cold {
					if err := sw.stopAll(); err != nil {
						return err
					}
				}
				s, err := o.load()
				if err != nil {
					return fmt.Errorf("%s: %w", o.name, err)
				}
				if cold {
					s.Started = sw.running() > 0
					o.cold = append(o.cold, s)
				} else {
					o.warm = append(o.warm, s)
				}
			}
		}
	}
	report(origins)
	fmt.Printf("\nload after: %s\n", loadAvg())

	for _, name := range strings.Split(*profile, ",") {
		if name == "" {
			continue
		}
		i := slices.IndexFunc(origins, func(o *origin) bool { return o.name == name })
		if i < 0 {
			return fmt.Errorf("-profile: no worker named %q", name)
		}
		if err := profileWorker(origins[i]); err != nil {
			return err
		}
	}
	return nil
}

func buildWorkers(site string, urls []string) ([]worker, error) {
	on, off := true, false
	type spec struct {
		name  string
		build func() (worker, error)
	}
	specs := []spec{
		{"floor", func() (worker, error) { return floorWorker(urls), nil }},
		{"workbox", func() (worker, error) { return workboxWorker("workbox", *cli, site, *work, false) }},
		{"swkit", func() (worker, error) {
			return swkitWorker("swkit", site, config.Config{StaticRoutes: &off}, false)
		}},
		{"swkit-static", func() (worker, error) {
			return swkitWorker("swkit-static", site, config.Config{StaticRoutes: &on}, false)
		}},
		{"workbox-50", func() (worker, error) { return workboxWorker("workbox-50", *cli, site, *work, true) }},
		{"swkit-50", func() (worker, error) {
			return swkitWorker("swkit-50", site, config.Config{StaticRoutes: &off}, true)
		}},
	}
	names := strings.Split(*only, ",")
	// Only when -workers names them.
	for _, s := range []spec{
		{"floor-static-each", func() (worker, error) { return floorStatic(urls, true), nil }},
		{"floor-static-all", func() (worker, error) { return floorStatic(urls, false), nil }},
	} {
		if slices.Contains(names, s.name) {
			specs = append(specs, s)
		}
	}
	var out []worker
	for _, s := range specs {
		if *only != "" && !slices.Contains(names, s.name) {
			continue
		}
		w, err := s.build()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		w.name = s.name
		out = append(out, w)
	}
	return out, nil
}

// serve starts the site with w's files on a port of its own.
func serve(site string, w worker) (*origin, error) {
	h, err := server.New(os.DirFS(site), config.Config{}, server.Options{Generated: w.files})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	o := &origin{worker: w, url: "http://" + ln.Addr().String() + "/"}
	o.srv = &http.Server{Handler: h}
	go o.srv.Serve(ln)
	return o, nil
}

// install loads the page, waits for the worker to activate, and loads
// until it controls the page.
func (o *origin) install() error {
	o.tab.Timeout = 3 * time.Minute
	o.tab.Navigate(o.url)
	// ready settles once a worker is activating; the page registers after
	// its load event.
	browsertest.Eval[bool](o.tab, `(async () => {
		const w = (await navigator.serviceWorker.ready).active;
		if (w.state !== 'activated') await new Promise((resolve) => w.addEventListener('statechange', () => {
			if (w.state === 'activated') resolve();
		}));
		return true;
	})()`)
	o.tab.Timeout = browsertest.DefaultTimeout
	s, err := o.load()
	if err != nil {
		return err
	}
	if !s.Controlled {
		return fmt.Errorf("the page is not controlled after the install")
	}
	return nil
}

// load leaves the page, comes back and reads its timings.
func (o *origin) load() (sample, error) {
	o.tab.Navigate("about:blank")
	o.tab.Navigate(o.url)
	s := browsertest.Eval[sample](o.tab, `(() => {
		const nav = performance.getEntriesByType('navigation')[0];
		const res = performance.getEntriesByType('resource').filter((e) => ['script', 'link', 'img'].includes(e.initiatorType));
		return {
			load: nav.loadEventStart,
			resources: res.map((e) => e.responseEnd - e.startTime),
			controlled: Boolean(navigator.serviceWorker.controller),
			routed: res.filter((e) => e.workerFinalSourceType === 'cache').length,
		};
	})()`)
	if len(s.Resources) != numScripts+numStyles+numImages {
		return s, fmt.Errorf("%d subresources timed, want %d", len(s.Resources), numScripts+numStyles+numImages)
	}
	return s, nil
}

// browserVersion names the browser: its product over the DevTools
// protocol, its user agent elsewhere.
func browserVersion(tab *browsertest.Tab) string {
	if tab.Browser != nil {
		if v, err := chromedp.CallBrowser(tab.Browser.Context(), browserGetVersion, cdp.Empty{}); err == nil {
			return v.Product
		}
	}
	return browsertest.Eval[string](tab, `navigator.userAgent`)
}

// loadAvg is the load average and the CPU pressure, to print beside figures.
func loadAvg() string {
	avg, _ := os.ReadFile("/proc/loadavg")
	psi, _ := os.ReadFile("/proc/pressure/cpu")
	fields := strings.Fields(string(avg))
	if len(fields) > 3 {
		fields = fields[:3]
	}
	p := strings.SplitN(string(psi), "\n", 2)[0]
	return strings.Join(fields, " ") + "; cpu pressure " + strings.TrimPrefix(p, "some ")
}
