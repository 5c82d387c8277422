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

// TestDemoPush is the demo's third job in a real browser, wired as `swkit
// demo` wires it with no push settings (cmd/swkit TestDemoPushWithoutSetup
// covers the command itself): keys made and kept by demo.VAPIDKeys, the
// push API over the store. The "Notify me" button is on the page from the
// start; a click subscribes (pushManager.subscribe is replaced by one that
// returns a subscription of pushtest's fake push service, since no real push
// service is reachable here) and the subscription reaches the store; the
// next rotation sends "A new cat", which pushtest decrypts and the test
// hands to the worker over DevTools, as a push service's connection would;
// the worker shows it; a click on it focuses the demo's window.
func TestDemoPush(t *testing.T) {
	ctx := context.Background()
	ps := pushtest.NewServer()
	defer ps.Close()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "demo.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
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
	const rotate = 200 * time.Millisecond
	clock := &fakeClock{now: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	d, err := demo.New(demo.Options{Rotate: rotate, Now: clock.Now, Push: api})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	notifyCtx, stopNotify := context.WithCancel(ctx)
	notified := make(chan struct{})
	go func() { defer close(notified); d.NotifyRotations(notifyCtx, t.Logf) }()
	defer func() { stopNotify(); <-notified }()

	apiPrefix := http.StripPrefix("/swkit/push/", api)
	srv := browsertest.NewServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/swkit/push/") {
			apiPrefix.ServeHTTP(w, r)
			return
		}
		d.ServeHTTP(w, r)
	}))
	s := &pushSite{t: t, srv: srv, tab: browsertest.Shared(t).NewTab(t), origin: strings.TrimSuffix(srv.URL(""), "/")}
	s.grant("granted")
	s.tab.Navigate(srv.URL("/"))
	s.tab.WaitController()
	s.tab.WaitFor(`navigator.serviceWorker.controller.state === 'activated'`)

	// The button is there from the start.
	s.tab.WaitFor(`document.body.dataset.push === 'offered'`)
	if !browsertest.Eval[bool](s.tab, `!document.getElementById('push').hidden && document.getElementById('push-button').offsetParent !== null`) {
		t.Fatal("the Notify me button is not shown")
	}

	sub := pushtest.NewSubscription(ps)
	stubSubscribe(t, s.tab, sub)
	browsertest.Eval[bool](s.tab, `(document.getElementById('push-button').click(), true)`)
	s.tab.WaitFor(`document.body.dataset.push === 'subscribed'`)
	if key := browsertest.Eval[string](s.tab, `window.swkitTestKey`); key != keys.Public {
		t.Errorf("subscribed with key %s, want the demo's %s", key, keys.Public)
	}
	if subs, err := st.Subscriptions(ctx, "", 10); err != nil || len(subs) != 1 || subs[0].Endpoint != sub.Endpoint {
		t.Fatalf("stored subscriptions %+v (%v), want the page's", subs, err)
	}

	// The next rotation sends "A new cat" through the push service.
	s.regID = s.registrationID()
	s.watchNotifications()
	clock.Advance(rotate)
	deadline := time.Now().Add(browsertest.DefaultTimeout)
	for len(ps.Messages()) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no push message after the rotation (rejected: %v)", ps.Rejections())
		}
		time.Sleep(10 * time.Millisecond)
	}
	msg := ps.Messages()[0]
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
