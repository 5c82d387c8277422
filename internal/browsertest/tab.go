package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// DefaultTimeout bounds each step a Tab runs. It is sized for a loaded CI
// machine (2 busy cores, the race detector on): a passing step takes a
// fraction of it, and only a failing one waits it out.
const DefaultTimeout = 60 * time.Second

// Tab is one browser tab owned by a test, in any engine. Its methods fail the
// test on error.
type Tab struct {
	T testing.TB
	// Engine is the engine's name: Chromium, Firefox or WebKit.
	Engine string
	// Ctx is the tab's chromedp context, for the DevTools protocol's own
	// hooks; nil in other engines. Never put a timeout on it.
	Ctx     context.Context
	Browser *Browser // the Chromium the tab is in; nil in other engines
	Timeout time.Duration

	drv driver
}

// driver is what a Tab needs from an engine's protocol.
type driver interface {
	// navigate loads url and waits for its load event.
	navigate(ctx context.Context, url string) error
	// reload reloads the page and waits for its load event.
	reload(ctx context.Context) error
	// eval evaluates a JavaScript expression in the page, awaiting a
	// promise, and returns its value as JSON text ("null" for undefined).
	eval(ctx context.Context, expr string) (string, error)
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
	return &Tab{T: t, Engine: Chromium, Ctx: ctx, Browser: b, Timeout: DefaultTimeout, drv: chromeTab{ctx}}
}

// chromeTab drives a Chromium tab over the DevTools protocol.
type chromeTab struct{ ctx context.Context }

func (c chromeTab) navigate(ctx context.Context, url string) error {
	return chromedp.Do(c.scoped(ctx), chromedp.Navigate(url))
}

func (c chromeTab) reload(ctx context.Context) error {
	return chromedp.Do(c.scoped(ctx), chromedp.Reload())
}

func (c chromeTab) eval(ctx context.Context, expr string) (string, error) {
	return chromedp.Run(c.scoped(ctx), chromedp.Evaluate[string](asJSON(expr), chromedp.EvalAwaitPromise))
}

// scoped is the tab's context under ctx's deadline.
func (c chromeTab) scoped(ctx context.Context) context.Context {
	d, ok := ctx.Deadline()
	if !ok {
		return c.ctx
	}
	sc, cancel := context.WithDeadline(c.ctx, d)
	context.AfterFunc(ctx, cancel)
	return sc
}

// asJSON wraps a JavaScript expression so that it evaluates to its awaited
// value as JSON text, the one form every engine's protocol returns alike.
func asJSON(expr string) string {
	return "(async () => JSON.stringify(await (" + expr + ")) ?? 'null')()"
}

// Do runs DevTools actions under the tab's timeout (Chromium only).
func (tab *Tab) Do(actions ...chromedp.Action[chromedp.Void]) {
	tab.T.Helper()
	tab.chromium("Do")
	ctx, cancel := context.WithTimeout(tab.Ctx, tab.Timeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tab.T.Fatal(err)
	}
}

// chromium fails the test when the tab is not Chromium's: what is asked
// needs the DevTools protocol.
func (tab *Tab) chromium(what string) {
	tab.T.Helper()
	if tab.Engine != Chromium {
		tab.T.Fatalf("%s needs the DevTools protocol: Chromium only, not %s", what, tab.Engine)
	}
}

// Navigate loads url and waits for its load event.
func (tab *Tab) Navigate(url string) {
	tab.T.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), tab.Timeout)
	defer cancel()
	if err := tab.drv.navigate(ctx, url); err != nil {
		tab.T.Fatalf("%s: navigating to %s: %v", tab.Engine, url, err)
	}
}

// TryNavigate loads url and returns the error of a navigation that failed
// (the browser's network error page) instead of failing the test.
func (tab *Tab) TryNavigate(url string) error {
	ctx, cancel := context.WithTimeout(context.Background(), tab.Timeout)
	defer cancel()
	return tab.drv.navigate(ctx, url)
}

// Reload reloads the page and waits for its load event.
func (tab *Tab) Reload() {
	tab.T.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), tab.Timeout)
	defer cancel()
	if err := tab.drv.reload(ctx); err != nil {
		tab.T.Fatalf("%s: reloading: %v", tab.Engine, err)
	}
}

// Eval evaluates a JavaScript expression in the page, awaiting a promise,
// and decodes its JSON value into a T.
func Eval[T any](tab *Tab, expr string) T {
	tab.T.Helper()
	v, err := evaluate[T](tab, expr)
	if err != nil {
		tab.T.Fatalf("%s: evaluating %s: %v", tab.Engine, expr, err)
	}
	return v
}

func evaluate[T any](tab *Tab, expr string) (T, error) {
	var v T
	ctx, cancel := context.WithTimeout(context.Background(), tab.Timeout)
	defer cancel()
	text, err := tab.drv.eval(ctx, expr)
	if err == nil {
		err = json.Unmarshal([]byte(text), &v)
	}
	return v, err
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
			tab.T.Fatalf("%s: waiting for %s: still false after %v (last error: %v)", tab.Engine, predicate, tab.Timeout, err)
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
