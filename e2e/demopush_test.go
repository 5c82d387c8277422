package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swkit/swkit/internal/browsertest"
	"github.com/swkit/swkit/internal/demo"
	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/push/pushapi"
	"github.com/swkit/swkit/push/pushtest"
	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/sqlite"
)

// demoPush is the demo wired as `swkit demo` wires it with no push
// settings (cmd/swkit TestDemoPushWithoutSetup covers the command itself):
// keys made and kept by demo.VAPIDKeys, the push API over the store, and
// pushtest's push service, which accepts only the demo's key.
type demoPush struct {
	ps    *pushtest.Server
	st    *sqlite.Store
	keys  push.VAPIDKeys
	clock *fakeClock
	srv   *browsertest.Server
}

// demoPushRotate is how often the demo rotates, on its fake clock.
const demoPushRotate = 200 * time.Millisecond

// startDemoPush starts the demo with push on, stopped at the test's end.
func startDemoPush(t *testing.T) *demoPush {
	t.Helper()
	ctx := context.Background()
	ps := pushtest.NewServer()
	t.Cleanup(ps.Close)
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "demo.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	keys, err := demo.VAPIDKeys(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	ps.RequireKey(keys.Public)
	vapid, err := push.ParseVAPIDKeys(keys.Public, keys.Private)
	if err != nil {
		t.Fatal(err)
	}
	sender, err := push.NewSender(vapid, push.SenderOptions{Subject: demo.Subject, AllowPrivate: true})
	if err != nil {
		t.Fatal(err)
	}
	api, err := pushapi.New(pushapi.Options{Store: st, VAPID: vapid, Sender: sender, AllowPrivate: true, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	d, err := demo.New(demo.Options{Rotate: demoPushRotate, Now: clock.Now, Push: api})
	if err != nil {
		t.Fatal(err)
	}
	notifyCtx, stopNotify := context.WithCancel(ctx)
	notified := make(chan struct{})
	go func() { defer close(notified); d.NotifyRotations(notifyCtx, t.Logf) }()
	// Cleanups run last first: the notifier stops before the store closes.
	t.Cleanup(func() { d.Close() })
	t.Cleanup(func() { stopNotify(); <-notified })

	apiPrefix := http.StripPrefix("/swkit/push/", api)
	srv := browsertest.NewServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/swkit/push/") {
			apiPrefix.ServeHTTP(w, r)
			return
		}
		d.ServeHTTP(w, r)
	}))
	return &demoPush{ps: ps, st: st, keys: keys, clock: clock, srv: srv}
}

// subscribeFromButton checks that the demo's page, open in tab, shows
// "Notify me" from the start, clicks it, and checks that the subscription
// reaches the store with the demo's key. pushManager.subscribe is replaced
// by one that returns a subscription of pushtest's push service, since no
// real push service is reachable here.
func (dp *demoPush) subscribeFromButton(t *testing.T, tab *browsertest.Tab) push.Subscription {
	t.Helper()
	tab.WaitFor(`document.body.dataset.push === 'offered'`)
	if !browsertest.Eval[bool](tab, `!document.getElementById('push').hidden && document.getElementById('push-button').offsetParent !== null`) {
		t.Fatal("the Notify me button is not shown")
	}
	sub := pushtest.NewSubscription(dp.ps)
	stubSubscribe(t, tab, sub)
	browsertest.Eval[bool](tab, `(document.getElementById('push-button').click(), true)`)
	tab.WaitFor(`document.body.dataset.push === 'subscribed'`)
	if key := browsertest.Eval[string](tab, `window.swkitTestKey`); key != dp.keys.Public {
		t.Errorf("subscribed with key %s, want the demo's %s", key, dp.keys.Public)
	}
	if subs, err := dp.st.Subscriptions(context.Background(), "", 10); err != nil || len(subs) != 1 || subs[0].Endpoint != sub.Endpoint {
		t.Fatalf("stored subscriptions %+v (%v), want the page's", subs, err)
	}
	return sub
}

// TestDemoPushButton: in every engine, the demo offers "Notify me" from
// the start and a click subscribes with the demo's own key. The
// permission prompt, which WebDriver cannot answer in Firefox and WebKit,
// is answered "granted" in the page, as a user's "Allow" would. WebKitGTK's
// MiniBrowser has no Push API (Safari has): there the click must say so.
func TestDemoPushButton(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		dp := startDemoPush(t)
		tab := e.NewTab(t)
		tab.Navigate(dp.srv.URL("/"))
		tab.WaitController()
		if !browsertest.Eval[bool](tab, `'PushManager' in window`) {
			t.Logf("%s has no Push API: the click must say so", e.Name)
			tab.WaitFor(`document.body.dataset.push === 'offered'`)
			browsertest.Eval[bool](tab, `(document.getElementById('push-button').click(), true)`)
			tab.WaitFor(`document.body.dataset.push === 'unsupported'`)
			if got := browsertest.Eval[string](tab, `document.getElementById('push-status').textContent`); got != "This browser cannot receive push notifications." {
				t.Errorf("status after the click: %q", got)
			}
			return
		}
		browsertest.Eval[bool](tab, `(Notification.requestPermission = async () => 'granted', true)`)
		dp.subscribeFromButton(t, tab)
	})
}

// TestDemoPush is the demo's third job end to end in Chromium: the button
// subscribes (subscribeFromButton); the next rotation sends "A new cat",
// which pushtest decrypts and the test hands to the worker over DevTools,
// as a push service's connection would; the worker shows it; a click on it
// focuses the demo's window. Chromium only: the delivery needs the
// DevTools protocol's ServiceWorker.deliverPushMessage (docs/testing.md).
func TestDemoPush(t *testing.T) {
	dp := startDemoPush(t)
	srv := dp.srv
	s := &pushSite{t: t, srv: srv, tab: browsertest.Shared(t).NewTab(t), origin: strings.TrimSuffix(srv.URL(""), "/")}
	s.grant("granted")
	s.tab.Navigate(srv.URL("/"))
	s.tab.WaitController()
	s.tab.WaitFor(`navigator.serviceWorker.controller.state === 'activated'`)
	dp.subscribeFromButton(t, s.tab)

	// The next rotation sends "A new cat" through the push service.
	s.regID = s.registrationID()
	s.watchNotifications()
	dp.clock.Advance(demoPushRotate)
	deadline := time.Now().Add(browsertest.DefaultTimeout)
	for len(dp.ps.Messages()) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no push message after the rotation (rejected: %v)", dp.ps.Rejections())
		}
		time.Sleep(10 * time.Millisecond)
	}
	msg := dp.ps.Messages()[0]
	s.deliver(string(msg.Plaintext))
	shownList := s.waitNotifications(1)
	if len(shownList) != 1 {
		t.Fatalf("%d notifications shown, want 1", len(shownList))
	}
	n := shownList[0]
	if n.Title != "A new cat" || !strings.HasPrefix(n.Body, "Cat number 2") || n.Icon != srv.URL("/icon-192.png") {
		t.Errorf("notification %+v, want A new cat, cat number 2, the demo's icon", n)
	}

	// A click focuses the window already showing the demo.
	s.stubWindows()
	if got, want := s.click(""), (windowCall{"focus", srv.URL("/")}); got != want {
		t.Errorf("click led to %+v, want %+v", got, want)
	}
}

// stubSubscribe replaces pushManager.subscribe and getSubscription in the
// page (subscribe cannot settle here: no push service is reachable) with
// ones that hand out sub, recording the options: window.swkitTestKey (the
// applicationServerKey, base64url), window.swkitTestUserVisibleOnly, and
// window.swkitTestUnsubscribed once the subscription is dropped.
func stubSubscribe(t *testing.T, tab *browsertest.Tab, sub push.Subscription) {
	t.Helper()
	subJSON, err := json.Marshal(sub)
	if err != nil {
		t.Fatal(err)
	}
	browsertest.Eval[bool](tab, `(() => {
		const json = `+string(subJSON)+`;
		let current = null;
		PushManager.prototype.getSubscription = async () => current;
		PushManager.prototype.subscribe = async (options) => {
			const key = new Uint8Array(options.applicationServerKey);
			window.swkitTestKey = btoa(String.fromCharCode(...key)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
			window.swkitTestUserVisibleOnly = options.userVisibleOnly;
			current = {
				endpoint: json.endpoint,
				options: { applicationServerKey: key.buffer, userVisibleOnly: true },
				toJSON: () => json,
				unsubscribe: async () => { current = null; window.swkitTestUnsubscribed = true; return true; },
			};
			return current;
		};
		return true;
	})()`)
}
