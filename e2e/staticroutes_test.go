package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/browsertest"
)

// workerVersion asks the controlling worker for its build version.
func workerVersion(tab *browsertest.Tab) string {
	return browsertest.Eval[string](tab, `new Promise((resolve) => {
		const ch = new MessageChannel();
		ch.port1.onmessage = (e) => resolve(e.data.version);
		navigator.serviceWorker.controller.postMessage({ type: 'swkit:get-version' }, [ch.port2]);
	})`)
}

// sources is, for the page now loaded, what answered the navigation and
// each stylesheet, script and picture, counted by kind: Resource Timing's
// workerFinalSourceType, "cache" for the static router's cache, "none"
// (the field is empty) when no static route matched.
func sources(tab *browsertest.Tab) map[string]int {
	return browsertest.Eval[map[string]int](tab, `(() => {
		const out = {};
		const entries = [...performance.getEntriesByType('navigation'),
			...performance.getEntriesByType('resource').filter((e) => ['link', 'script', 'img'].includes(e.initiatorType))];
		for (const e of entries) { const k = e.workerFinalSourceType || 'none'; out[k] = (out[k] || 0) + 1; }
		return out;
	})()`)
}

// TestStaticRoutes: with static routes on, Chromium answers the precached
// files from the version's own copy without the fetch handler; the install
// and the update still download each file once, a waiting version leaves
// what the active one serves alone, and activation swaps the copies. With
// them off, and in engines without InstallEvent.addRoutes, the fetch
// handler answers everything, and no copy is made.
func TestStaticRoutes(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		for _, setting := range []bool{true, false} {
			t.Run(fmt.Sprintf("staticRoutes=%v", setting), func(t *testing.T) {
				testStaticRoutes(t, e, setting)
			})
		}
	})
}

func testStaticRoutes(t *testing.T, e *browsertest.Engine, setting bool) {
	on := setting && e.Name == browsertest.Chromium // only Chromium has addRoutes
	s, tab := installed(t, e, config.Config{ClientsClaim: true, StaticRoutes: &setting}, nil)
	staticName := func() string { return "swkit-static-" + workerVersion(tab) + "-" + s.URL("") }
	staticCaches := func() []string {
		var out []string
		for _, name := range tab.CacheNames() {
			if strings.HasPrefix(name, "swkit-static-") {
				out = append(out, name)
			}
		}
		return out
	}
	// The plain URLs of every entry, and "/" for index.html.
	plainKeys := func() []string {
		keys := []string{s.URL("")}
		for _, e := range s.entries {
			keys = append(keys, s.URL(e.URL))
		}
		return sorted(keys)
	}
	v1 := staticName()
	if on {
		if got := tab.CacheKeys(v1); !slices.Equal(sorted(got), plainKeys()) {
			t.Errorf("%s holds\n %v\nwant\n %v", v1, sorted(got), plainKeys())
		}
	} else if got := staticCaches(); len(got) != 0 {
		t.Errorf("static copies %v with static routes off", got)
	}

	// What answers the page, its stylesheet, script, picture and the
	// page helper: the router's cache, or the fetch handler.
	tab.Navigate(s.URL(""))
	want := map[string]int{"none": 5}
	if on {
		want = map[string]int{"cache": 5}
	}
	if got := sources(tab); !mapsEqual(got, want) {
		t.Errorf("page and subresources answered by %v, want %v", got, want)
	}

	// v2: page 3's stylesheet changes. Its worker installs and waits.
	const changed = "css/style-03.css"
	s.write(changed, "body { background-color: "+pageColor(3, 2)+"; }\n")
	s.Deploy()
	s.srv.ResetHits()
	tab.Update()
	tab.WaitFor(`navigator.serviceWorker.getRegistration().then((r) => r.waiting && r.waiting.state === 'installed')`)
	// Of the site's files, the changed one alone. (Firefox may check sw.js
	// twice: the page loaded just before calls register() again.)
	notScript := func(h browsertest.Hit) bool { return h.Path != "/sw.js" }
	if want := map[string]int{"/" + changed: 1}; !mapsEqual(s.srv.Counts(notScript), want) {
		t.Errorf("the update fetched %v, want %v", s.srv.Counts(notScript), want)
	}

	// While v2 waits, v1 serves all of v1, offline too.
	s.srv.Stop()
	checkPages(t, s, tab, "1", func(i int) string { return pageColor(i, 1) })
	if err := s.srv.Start(); err != nil {
		t.Fatal(err)
	}

	// Activate v2: its copy replaces v1's, and it serves v2, offline.
	state := browsertest.Eval[string](tab, `(async () => {
				const w = (await navigator.serviceWorker.getRegistration()).waiting;
				const done = new Promise((resolve) => w.addEventListener('statechange', () => {
					if (w.state === 'activated' || w.state === 'redundant') resolve(w.state);
				}));
				w.postMessage({ type: 'swkit:skip-waiting' });
				return done;
			})()`)
	if state != "activated" {
		t.Fatalf("v2 ended %q, want activated", state)
	}
	tab.WaitFor(`navigator.serviceWorker.controller && navigator.serviceWorker.controller.state === 'activated'`)
	v2 := staticName()
	if v2 == v1 {
		t.Fatalf("v2 has v1's version %s", v1)
	}
	if on {
		if got := staticCaches(); !slices.Equal(got, []string{v2}) {
			t.Errorf("static copies after the update: %v, want only v2's %s", got, v2)
		}
		if got := tab.CacheKeys(v2); !slices.Equal(sorted(got), plainKeys()) {
			t.Errorf("%s holds\n %v\nwant\n %v", v2, sorted(got), plainKeys())
		}
	} else if got := staticCaches(); len(got) != 0 {
		t.Errorf("static copies %v with static routes off", got)
	}
	s.srv.Stop()
	checkPages(t, s, tab, "1", func(i int) string { return pageColor(i, map[bool]int{true: 2, false: 1}[i == 3]) })
	tab.Navigate(s.URL(pageName(3)))
	if got := sources(tab); !mapsEqual(got, want) {
		t.Errorf("after the update, offline: answered by %v, want %v", got, want)
	}
}
