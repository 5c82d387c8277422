package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// DefaultTimeout bounds each step a Tab runs.
const DefaultTimeout = 20 * time.Second

// Tab is one browser tab owned by a test. Its methods fail the test on error.
type Tab struct {
	T       testing.TB
	Ctx     context.Context // the tab's chromedp context; never put a timeout on it
	Browser *Browser
	Timeout time.Duration
}

// NewTab opens a tab, closed at the test's cleanup.
func (b *Browser) NewTab(t testing.TB) *Tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.Context())
	// A plain first run opens the tab; a first run under a timeout would tie
	// the tab's life to that timeout (TESTING.md, pitfall 1).
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		t.Fatalf("opening a tab: %v", err)
	}
	t.Cleanup(cancel)
	return &Tab{T: t, Ctx: ctx, Browser: b, Timeout: DefaultTimeout}
}

// Do runs actions under the tab's timeout.
func (tab *Tab) Do(actions ...chromedp.Action[chromedp.Void]) {
	tab.T.Helper()
	ctx, cancel := context.WithTimeout(tab.Ctx, tab.Timeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tab.T.Fatal(err)
	}
}

// Navigate loads url and waits for its load event.
func (tab *Tab) Navigate(url string) {
	tab.T.Helper()
	tab.Do(chromedp.Navigate(url))
}

// Reload reloads the page and waits for its load event.
func (tab *Tab) Reload() {
	tab.T.Helper()
	tab.Do(chromedp.Reload())
}

// Eval evaluates a JavaScript expression in the page, awaiting a promise,
// and decodes its JSON value into a T.
func Eval[T any](tab *Tab, expr string) T {
	tab.T.Helper()
	v, err := evaluate[T](tab, expr)
	if err != nil {
		tab.T.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

func evaluate[T any](tab *Tab, expr string) (T, error) {
	ctx, cancel := context.WithTimeout(tab.Ctx, tab.Timeout)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}

// WaitFor polls the JavaScript predicate every 25 ms until it is true,
// failing the test at the tab's timeout with what it last saw. A predicate
// may be a promise (getRegistration().then(...)): its value is awaited, not
// the promise object tested for truth.
func (tab *Tab) WaitFor(predicate string) {
	tab.T.Helper()
	deadline := time.Now().Add(tab.Timeout)
	for {
		ok, err := evaluate[bool](tab, "(async () => Boolean(await ("+predicate+")))()")
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			tab.T.Fatalf("waiting for %s: still false after %v (last error: %v)", predicate, tab.Timeout, err)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// WaitController waits until a service worker controls the page.
func (tab *Tab) WaitController() {
	tab.T.Helper()
	tab.WaitFor("navigator.serviceWorker.controller")
}

// Registration is the state of the page's registration, from
// navigator.serviceWorker.getRegistration() (TESTING.md, pitfall 2: not from
// register(), which refetches the script). A state is "" when that worker is
// absent.
type Registration struct {
	Found      bool   `json:"found"`
	Scope      string `json:"scope"`
	Active     string `json:"active"`
	Waiting    string `json:"waiting"`
	Installing string `json:"installing"`
	Controller bool   `json:"controller"`
}

// Registration reads the registration that controls or would control the page.
func (tab *Tab) Registration() Registration {
	tab.T.Helper()
	return Eval[Registration](tab, `(async () => {
		const r = await navigator.serviceWorker.getRegistration();
		const state = (w) => (w ? w.state : '');
		const controller = Boolean(navigator.serviceWorker.controller);
		if (!r) return { found: false, controller };
		return { found: true, scope: r.scope, active: state(r.active), waiting: state(r.waiting),
			installing: state(r.installing), controller };
	})()`)
}

// Update calls registration.update() and waits for the update check (the
// script's fetch) to finish; the install, if any, goes on after it.
func (tab *Tab) Update() {
	tab.T.Helper()
	Eval[bool](tab, `(async () => {
		const r = await navigator.serviceWorker.getRegistration();
		if (!r) throw new Error('no registration');
		await r.update();
		return true;
	})()`)
}

// CacheNames lists the origin's Cache Storage.
func (tab *Tab) CacheNames() []string {
	tab.T.Helper()
	return Eval[[]string](tab, `caches.keys()`)
}

// CacheKeys lists the request URLs stored in a cache, or nil when there is no
// cache of that name.
func (tab *Tab) CacheKeys(name string) []string {
	tab.T.Helper()
	return Eval[[]string](tab, fmt.Sprintf(`(async (name) => {
		if (!(await caches.has(name))) return null;
		const cache = await caches.open(name);
		return (await cache.keys()).map((r) => r.url);
	})(%s)`, jsString(name)))
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
