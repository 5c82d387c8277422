package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/serviceworker"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/swkit/swkit"
	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/browsertest"
	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/push/pushapi"
	"github.com/swkit/swkit/push/pushserver"
	"github.com/swkit/swkit/push/pushtest"
	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/sqlite"
)

// Push tests. Chromium here cannot reach a push service, so
// pushManager.subscribe never settles (TESTING.md): the worker is driven
// through the DevTools protocol instead. ServiceWorker.deliverPushMessage
// runs its push handler as a real push would; registration.getNotifications()
// shows what it displayed. There is no protocol command to click a
// notification, so clicks and pushsubscriptionchange are synthetic events
// dispatched inside the worker (see dispatchClick).

// pushPages are the files of the push test site besides swkit.js.
var pushPages = map[string]string{
	"index.html": `<!doctype html>
<html><head><meta charset="utf-8"><title>home</title>
<script type="module">
import { register, setTags, subscribe, unsubscribe } from '/swkit.js';
window.swkit = register('/sw.js');
window.subscribe = subscribe;
window.unsubscribe = unsubscribe;
window.setTags = setTags;
window.swMessages = [];
navigator.serviceWorker.addEventListener('message', (e) => window.swMessages.push(e.data));
</script></head><body>home</body></html>
`,
	"news/today.html": `<!doctype html>
<html><head><meta charset="utf-8"><title>today</title></head><body>today's news</body></html>
`,
}

// apiRequest is one request that reached the test's push API.
type apiRequest struct {
	Method, Path, ContentType string
	Body                      string
}

// pushSite is a site whose worker has push on, served on 127.0.0.1, with a
// tab on its home page controlled by the worker.
type pushSite struct {
	t      *testing.T
	srv    *browsertest.Server
	tab    *browsertest.Tab
	origin string
	regID  serviceworker.RegistrationID

	mu   sync.Mutex
	reqs []apiRequest

	workerCtx context.Context // attached to the worker target, on first use
}

// newPushSite serves the pages with a worker generated with push p. Requests
// under /swkit/push/ are logged and passed to api; with api nil, GET
// public-key answers publicKey and the rest 201.
func newPushSite(t *testing.T, p config.Push, api http.Handler) *pushSite {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, body := range pushPages {
		fsys[name] = &fstest.MapFile{Data: []byte(body)}
	}
	files, err := swkit.New(fsys, swkit.Config{ClientsClaim: true, Push: &p})
	if err != nil {
		t.Fatal(err)
	}
	s := &pushSite{t: t}
	s.srv = browsertest.NewServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/swkit/push/") {
			files.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, apiRequest{r.Method, r.URL.Path, r.Header.Get("Content-Type"), string(body)})
		s.mu.Unlock()
		if api != nil {
			r.Body = io.NopCloser(strings.NewReader(string(body)))
			api.ServeHTTP(w, r)
			return
		}
		if r.URL.Path == "/swkit/push/public-key" {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"publicKey": %q}`, testPublicKey)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	s.origin = strings.TrimSuffix(s.srv.URL(""), "/")
	s.tab = browsertest.Shared(t).NewTab(t)
	s.grant("granted")
	s.tab.Navigate(s.srv.URL("/"))
	s.tab.WaitController()
	s.tab.WaitFor(`navigator.serviceWorker.controller.state === 'activated'`)
	// The page's module script may still be loading (under load it has
	// been seen to finish after the worker took control).
	s.tab.WaitFor(`typeof window.subscribe === 'function'`)
	s.regID = s.registrationID()
	s.watchNotifications()
	return s
}

// testPublicKey is a valid uncompressed P-256 point (a VAPID public key) for
// tests that do not sign anything with it.
const testPublicKey = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"

// grant sets the notifications permission of the site's origin.
func (s *pushSite) grant(setting browser.PermissionSetting) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.tab.Ctx, s.tab.Timeout)
	defer cancel()
	_, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
		Permission: &browser.PermissionDescriptor{Name: "notifications"},
		Setting:    setting,
		Origin:     s.srv.URL(""),
	})
	if err != nil {
		s.t.Fatalf("Browser.setPermission notifications %s: %v", setting, err)
	}
}

// registrationID finds the id the ServiceWorker domain gives the site's
// registration.
func (s *pushSite) registrationID() serviceworker.RegistrationID {
	s.t.Helper()
	scope := s.srv.URL("/")
	found := make(chan serviceworker.RegistrationID, 1)
	ctx, cancel := context.WithCancel(s.tab.Ctx)
	defer cancel()
	err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*serviceworker.EventWorkerRegistrationUpdated); ok {
			for _, r := range e.Registrations {
				if r.ScopeURL == scope && !r.IsDeleted {
					select {
					case found <- r.RegistrationID:
					default:
					}
				}
			}
		}
	})
	if err != nil {
		s.t.Fatal(err)
	}
	ectx, ecancel := context.WithTimeout(s.tab.Ctx, s.tab.Timeout)
	defer ecancel()
	if _, err := chromedp.Call(ectx, serviceworker.Enable, cdp.Empty{}); err != nil {
		s.t.Fatalf("ServiceWorker.enable: %v", err)
	}
	select {
	case id := <-found:
		return id
	case <-time.After(s.tab.Timeout):
		s.t.Fatalf("no registration for scope %s after %v", scope, s.tab.Timeout)
		return ""
	}
}

// deliver runs the worker's push handler with data as the message's
// plaintext, as a push service's message would after decryption.
func (s *pushSite) deliver(data string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.tab.Ctx, s.tab.Timeout)
	defer cancel()
	_, err := chromedp.Call(ctx, serviceworker.DeliverPushMessage, serviceworker.DeliverPushMessageParams{
		Origin: s.origin, RegistrationID: s.regID, Data: data,
	})
	if err != nil {
		s.t.Fatalf("ServiceWorker.deliverPushMessage: %v", err)
	}
}

// shown is a displayed notification as registration.getNotifications() lists it.
type shown struct {
	Title   string          `json:"title"`
	Body    string          `json:"body"`
	Tag     string          `json:"tag"`
	Icon    string          `json:"icon"`
	Badge   string          `json:"badge"`
	Image   string          `json:"image"`
	Data    json.RawMessage `json:"data"`
	Actions []struct {
		Action string `json:"action"`
		Title  string `json:"title"`
	} `json:"actions"`
	RequireInteraction bool `json:"requireInteraction"`
}

const notificationsJS = `self.registration.getNotifications().then((list) =>
	list.map((n) => ({ title: n.title, body: n.body, tag: n.tag, icon: n.icon, badge: n.badge, image: n.image,
		data: n.data, actions: n.actions.map((a) => ({ action: a.action, title: a.title })),
		requireInteraction: n.requireInteraction })))`

// waitNotifications waits until the worker has shown n notifications since
// the site was set up (or since the last closeNotifications), then returns
// what registration.getNotifications() lists.
//
// It does not poll getNotifications(): Chromium reconciles its notification
// database with the displayed notifications on each call, and a call that
// lands between the database write and the display drops the new
// notification for good. Instead the test wraps showNotification in the
// worker (watchNotifications) and waits for n of its promises to settle.
func (s *pushSite) waitNotifications(n int) []shown {
	s.t.Helper()
	s.waitWorker(fmt.Sprintf(`self.swkitTestShown.length >= %d && Promise.allSettled(self.swkitTestShown).then(() => true)`, n))
	return inWorker[[]shown](s, notificationsJS)
}

// watchNotifications counts the worker's showNotification calls in
// self.swkitTestShown (their promises), calling through to the original.
func (s *pushSite) watchNotifications() {
	s.t.Helper()
	inWorker[bool](s, `(() => {
		self.swkitTestShown = [];
		const proto = ServiceWorkerRegistration.prototype;
		if (!proto.swkitTestOriginal) proto.swkitTestOriginal = proto.showNotification;
		proto.showNotification = function (...args) {
			const shown = proto.swkitTestOriginal.apply(this, args);
			self.swkitTestShown.push(shown);
			return shown;
		};
		return true;
	})()`)
}

// closeNotifications closes every shown notification and restarts the count.
func (s *pushSite) closeNotifications() {
	s.t.Helper()
	inWorker[bool](s, `self.registration.getNotifications().then((l) => { l.forEach((n) => n.close()); self.swkitTestShown = []; return true; })`)
}

// inWorker evaluates expr in the service worker's own global scope (awaiting
// a promise) and decodes its value.
func inWorker[T any](s *pushSite, expr string) T {
	s.t.Helper()
	v, err := evalWorker[T](s, expr)
	if err != nil {
		s.t.Fatalf("evaluating in the worker %s: %v", expr, err)
	}
	return v
}

func evalWorker[T any](s *pushSite, expr string) (T, error) {
	s.t.Helper()
	if s.workerCtx == nil {
		s.attachWorker()
	}
	ctx, cancel := context.WithTimeout(s.workerCtx, s.tab.Timeout)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}

// attachWorker attaches to the worker's target; the attachment is detached,
// never closed, at cleanup.
func (s *pushSite) attachWorker() {
	s.t.Helper()
	infos, err := chromedp.Targets(s.tab.Ctx)
	if err != nil {
		s.t.Fatal(err)
	}
	script := s.srv.URL("/sw.js")
	i := slices.IndexFunc(infos, func(info *target.Info) bool { return info.Type == "service_worker" && info.URL == script })
	if i < 0 {
		s.t.Fatalf("no service-worker target for %s", script)
	}
	ctx, cancel := chromedp.NewContext(s.tab.Browser.Context(),
		chromedp.WithTargetID(infos[i].TargetID), chromedp.WithDetachOnCancel())
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		s.t.Fatalf("attaching to the worker: %v", err)
	}
	s.t.Cleanup(cancel)
	s.workerCtx = ctx
}

// waitWorker polls the predicate in the worker until it is true.
func (s *pushSite) waitWorker(predicate string) {
	s.t.Helper()
	deadline := time.Now().Add(s.tab.Timeout)
	for {
		ok, err := evalWorker[bool](s, "(async () => Boolean(await ("+predicate+")))()")
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("waiting in the worker for %s: still false after %v (last error: %v)", predicate, s.tab.Timeout, err)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func ptr[T any](v T) *T { return &v }

// windows lists the URLs of the browser's page targets.
func (s *pushSite) windows() []string {
	s.t.Helper()
	infos, err := chromedp.Targets(s.tab.Ctx)
	if err != nil {
		s.t.Fatal(err)
	}
	var urls []string
	for _, info := range infos {
		if info.Type == "page" {
			urls = append(urls, info.URL)
		}
	}
	return urls
}

func (s *pushSite) requests() []apiRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

// TestPushShowsNotifications: each message, delivered as a push service
// would, becomes the notification its payload describes.
func TestPushShowsNotifications(t *testing.T) {
	s := newPushSite(t, config.Push{Title: "Cat site", Icon: "/img/icon.png"}, nil)
	home := s.srv.URL("/")
	tests := []struct {
		name, data string
		want       shown
	}{
		{"full JSON", `{"title": "A new cat", "body": "Number 3", "tag": "cats", "url": "/news/today.html",
			"icon": "/img/cat.png", "badge": "/img/badge.png", "image": "https://img.example/cat.jpg",
			"actions": [{"action": "archive", "title": "Archive"}], "data": {"id": 3}, "requireInteraction": true}`,
			shown{Title: "A new cat", Body: "Number 3", Tag: "cats", Icon: s.srv.URL("/img/cat.png"), Badge: s.srv.URL("/img/badge.png"),
				Image: "https://img.example/cat.jpg", RequireInteraction: true,
				Data: json.RawMessage(`{"data":{"id":3},"url":"` + s.srv.URL("/news/today.html") + `"}`)}},
		{"plain text is the body", `Hello from the server`,
			shown{Title: "Cat site", Body: "Hello from the server", Icon: s.srv.URL("/img/icon.png"), Data: json.RawMessage(`{"url":"` + home + `"}`)}},
		{"JSON without title", `{"body": "no title"}`,
			shown{Title: "Cat site", Body: "no title", Icon: s.srv.URL("/img/icon.png"), Data: json.RawMessage(`{"url":"` + home + `"}`)}},
		{"JSON string", `"just a string"`,
			shown{Title: "Cat site", Body: "just a string", Icon: s.srv.URL("/img/icon.png"), Data: json.RawMessage(`{"url":"` + home + `"}`)}},
		{"empty message still shows", ``,
			shown{Title: "Cat site", Icon: s.srv.URL("/img/icon.png"), Data: json.RawMessage(`{"url":"` + home + `"}`)}},
		{"javascript: URL dropped", `{"title": "x", "url": "javascript:alert(1)", "icon": "javascript:alert(2)"}`,
			shown{Title: "x", Icon: s.srv.URL("/img/icon.png"), Data: json.RawMessage(`{"url":"` + home + `"}`)}},
		{"renotify without tag still shows", `{"title": "r", "renotify": true}`,
			shown{Title: "r", Icon: s.srv.URL("/img/icon.png"), Data: json.RawMessage(`{"url":"` + home + `"}`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.t = t
			s.deliver(tt.data)
			got := s.waitNotifications(1)
			defer s.closeNotifications()
			if len(got) != 1 {
				t.Fatalf("%d notifications shown, want 1: %+v", len(got), got)
			}
			g := got[0]
			var actions []string
			for _, a := range g.Actions {
				actions = append(actions, a.Action+"="+a.Title)
			}
			if tt.name == "full JSON" && !slices.Equal(actions, []string{"archive=Archive"}) {
				t.Errorf("actions = %v, want [archive=Archive]", actions)
			}
			g.Actions, tt.want.Actions = nil, nil
			if !jsonEqual(g.Data, tt.want.Data) {
				t.Errorf("data = %s, want %s", g.Data, tt.want.Data)
			}
			g.Data, tt.want.Data = nil, nil
			if !reflectEqual(g, tt.want) {
				t.Errorf("shown  %+v\nwant %+v", g, tt.want)
			}
		})
	}
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflectEqual(x, y)
}

func reflectEqual(a, b any) bool { return reflect.DeepEqual(a, b) }

// stubWindows replaces clients.openWindow and WindowClient.focus in the
// worker with recorders. Chromium lets a worker open or focus windows only
// while the browser dispatches a real notificationclick (a synthetic event
// gets InvalidAccessError "Not allowed to open a window."), and the DevTools
// protocol cannot click a notification, so the test records which of the
// two the click handler asks for, and with what, instead.
func (s *pushSite) stubWindows() {
	s.t.Helper()
	inWorker[bool](s, `(() => {
		self.swkitTestCalls = [];
		self.clients.openWindow = async (url) => { self.swkitTestCalls.push({ call: 'openWindow', url }); return null; };
		WindowClient.prototype.focus = async function () { self.swkitTestCalls.push({ call: 'focus', url: this.url }); return this; };
		return true;
	})()`)
}

type windowCall struct {
	Call string `json:"call"`
	URL  string `json:"url"`
}

// click dispatches a notificationclick for the shown notification, on the
// action button named action ("" for the notification itself), and returns
// the window call it led to.
func (s *pushSite) click(action string) windowCall {
	s.t.Helper()
	inWorker[bool](s, fmt.Sprintf(`self.registration.getNotifications().then(([notification]) => {
		self.dispatchEvent(new NotificationEvent('notificationclick', { notification, action: %q }));
		return true;
	})`, action))
	s.waitWorker(`self.swkitTestCalls.length > 0`)
	calls := inWorker[[]windowCall](s, `self.swkitTestCalls`)
	if len(calls) != 1 {
		s.t.Fatalf("window calls = %+v, want one", calls)
	}
	// The handler closed the notification.
	s.waitWorker(`self.registration.getNotifications().then((l) => l.length === 0)`)
	return calls[0]
}

func TestNotificationClick(t *testing.T) {
	s := newPushSite(t, config.Push{}, nil)
	s.stubWindows()
	target := s.srv.URL("/news/today.html")

	t.Run("opens a window when none shows the URL", func(t *testing.T) {
		s.t = t
		inWorker[bool](s, `(self.swkitTestCalls = [], true)`)
		s.deliver(`{"title": "news", "url": "/news/today.html"}`)
		s.waitNotifications(1)
		if got, want := s.click(""), (windowCall{"openWindow", target}); got != want {
			t.Errorf("click led to %+v, want %+v", got, want)
		}
		s.closeNotifications()
	})

	t.Run("focuses the window already on the URL", func(t *testing.T) {
		s.t = t
		other := browsertest.Shared(t).NewTab(t)
		other.Navigate(target + "#latest") // the fragment does not matter
		inWorker[bool](s, `(self.swkitTestCalls = [], true)`)
		s.deliver(`{"title": "news", "url": "/news/today.html"}`)
		s.waitNotifications(1)
		if got, want := s.click(""), (windowCall{"focus", target + "#latest"}); got != want {
			t.Errorf("click led to %+v, want %+v", got, want)
		}
		s.closeNotifications()
	})

	t.Run("action is posted to pages, then opens", func(t *testing.T) {
		s.t = t
		inWorker[bool](s, `(self.swkitTestCalls = [], true)`)
		s.deliver(`{"title": "cat", "url": "/cats/3", "actions": [{"action": "like", "title": "Like"}], "data": {"cat": 3}}`)
		s.waitNotifications(1)
		if got, want := s.click("like"), (windowCall{"openWindow", s.srv.URL("/cats/3")}); got != want {
			t.Errorf("click led to %+v, want %+v", got, want)
		}
		s.tab.WaitFor(`window.swMessages.some((m) => m.type === 'swkit:notification-action')`)
		msg := browsertest.Eval[string](s.tab, `JSON.stringify(window.swMessages.find((m) => m.type === 'swkit:notification-action'))`)
		want := `{"type":"swkit:notification-action","action":"like","url":"` + s.srv.URL("/cats/3") + `","data":{"cat":3}}`
		if msg != want {
			t.Errorf("message to the page = %s, want %s", msg, want)
		}
	})
}

// fakeSubscriptionJS makes an object shaped like a PushSubscription.
const fakeSubscriptionJS = `(endpoint, key) => ({
	endpoint,
	options: { applicationServerKey: key ? Uint8Array.from(atob(key.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)).buffer : null, userVisibleOnly: true },
	toJSON: () => ({ endpoint, expirationTime: null, keys: { p256dh: 'P', auth: 'A' } }),
})`

// TestPushSubscriptionChange dispatches pushsubscriptionchange in the worker.
// Chromium never fires it itself and has no PushSubscriptionChangeEvent, so
// the event is an ExtendableEvent carrying oldSubscription and
// newSubscription, built by the test (its waitUntil throws, being
// untrusted, but the handler's work has started by then). Re-subscribing
// needs pushManager.subscribe, which cannot reach a push service here: the
// test replaces it with a recorder that returns a fake subscription.
func TestPushSubscriptionChange(t *testing.T) {
	s := newPushSite(t, config.Push{}, nil)
	inWorker[bool](s, `(() => {
		const fake = `+fakeSubscriptionJS+`;
		self.swkitTestFake = fake;
		self.swkitTestSubscribed = [];
		PushManager.prototype.subscribe = async function (options) {
			const key = btoa(String.fromCharCode(...new Uint8Array(options.applicationServerKey instanceof ArrayBuffer ? options.applicationServerKey : new Uint8Array(0)))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
			self.swkitTestSubscribed.push({ userVisibleOnly: options.userVisibleOnly, key: typeof options.applicationServerKey === 'string' ? options.applicationServerKey : key });
			return fake('https://push.example/renewed', null);
		};
		self.swkitTestChange = (oldSubscription, newSubscription) => {
			const event = new ExtendableEvent('pushsubscriptionchange');
			Object.defineProperties(event, { oldSubscription: { value: oldSubscription }, newSubscription: { value: newSubscription } });
			self.dispatchEvent(event);
			return true;
		};
		return true;
	})()`)
	const oldKey = "BDd3_hVL9fZi9Ybo2UUzA284WG5FZR30_95YeZJsiApwXKpNcF1rRPF3foIiBHXRdJI2Qhumhf6_LFTeZaNndIo"

	type subscribed struct {
		UserVisibleOnly bool   `json:"userVisibleOnly"`
		Key             string `json:"key"`
	}
	tests := []struct {
		name      string
		old, new  string // JavaScript expressions
		subscribe *subscribed
		want      []apiRequest
	}{
		{"browser gave the new subscription", `swkitTestFake('https://push.example/old', null)`, `swkitTestFake('https://push.example/new', null)`, nil,
			[]apiRequest{
				{"POST", "/swkit/push/subscriptions", "application/json", `{"endpoint":"https://push.example/new","expirationTime":null,"keys":{"p256dh":"P","auth":"A"},"replaces":"https://push.example/old"}`},
				{"DELETE", "/swkit/push/subscriptions", "application/json", `{"endpoint":"https://push.example/old"}`},
			}},
		{"re-subscribes with the old key", `swkitTestFake('https://push.example/old', '` + oldKey + `')`, `null`, &subscribed{true, oldKey},
			[]apiRequest{
				{"POST", "/swkit/push/subscriptions", "application/json", `{"endpoint":"https://push.example/renewed","expirationTime":null,"keys":{"p256dh":"P","auth":"A"},"replaces":"https://push.example/old"}`},
				{"DELETE", "/swkit/push/subscriptions", "application/json", `{"endpoint":"https://push.example/old"}`},
			}},
		{"no old subscription: the server's key", `null`, `null`, &subscribed{true, testPublicKey},
			[]apiRequest{
				{"GET", "/swkit/push/public-key", "", ""},
				{"POST", "/swkit/push/subscriptions", "application/json", `{"endpoint":"https://push.example/renewed","expirationTime":null,"keys":{"p256dh":"P","auth":"A"}}`},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.t = t
			s.mu.Lock()
			s.reqs = nil
			s.mu.Unlock()
			inWorker[bool](s, `(self.swkitTestSubscribed = [], swkitTestChange(`+tt.old+`, `+tt.new+`))`)
			deadline := time.Now().Add(s.tab.Timeout)
			for len(s.requests()) < len(tt.want) && time.Now().Before(deadline) {
				time.Sleep(25 * time.Millisecond)
			}
			if got := s.requests(); !slices.Equal(got, tt.want) {
				t.Errorf("requests to the push API:\n got %+v\nwant %+v", got, tt.want)
			}
			got := inWorker[[]subscribed](s, `self.swkitTestSubscribed`)
			switch {
			case tt.subscribe == nil && len(got) > 0:
				t.Errorf("subscribed again %+v; the browser had done it", got)
			case tt.subscribe != nil && (len(got) != 1 || got[0] != *tt.subscribe):
				t.Errorf("pushManager.subscribe calls = %+v, want [%+v]", got, *tt.subscribe)
			}
		})
	}
}

// TestPushEndToEnd runs the whole chain but the push service's network leg:
// the page helper's subscribe() fetches the server's key and posts the
// subscription to pushapi (SQLite store); pushapi's Handler.Send encrypts
// and signs it with push.Sender and posts it to the fake push service
// (pushtest), which verifies and decrypts it; the test hands that plaintext
// to the worker with deliverPushMessage, as the browser's push service
// connection would, and the notification shows. This is what proves that
// the Go payload and the worker agree. Only pushManager.subscribe is
// replaced in the page (it cannot settle here): it returns a subscription
// with pushtest's endpoint and keys, and records the key it was given.
func TestPushEndToEnd(t *testing.T) {
	ps := pushtest.NewServer()
	defer ps.Close()
	keys, err := push.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	vapid, err := push.ParseVAPIDKeys(keys.Public, keys.Private)
	if err != nil {
		t.Fatal(err)
	}
	ps.RequireKey(keys.Public)
	sender, err := push.NewSender(vapid, push.SenderOptions{Subject: "mailto:tests@swkit.dev", AllowPrivate: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "push.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	api, err := pushapi.New(pushapi.Options{Store: st, VAPID: vapid, Sender: sender, AllowPrivate: true, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	s := newPushSite(t, config.Push{}, http.StripPrefix("/swkit/push", api))

	sub := pushtest.NewSubscription(ps)
	subJSON, err := json.Marshal(sub)
	if err != nil {
		t.Fatal(err)
	}
	browsertest.Eval[bool](s.tab, `(() => {
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

	type result struct {
		Permission string `json:"permission"`
		Endpoint   string `json:"endpoint"`
	}
	got := browsertest.Eval[result](s.tab, `subscribe({ tags: ['news', 'lang:fr'] }).then((r) => ({ permission: r.permission, endpoint: r.subscription && r.subscription.endpoint }))`)
	if want := (result{"granted", sub.Endpoint}); got != want {
		t.Fatalf("subscribe() = %+v, want %+v", got, want)
	}
	// Tags given at subscribe time reach the store, and setTags changes them.
	if tags, err := st.Tags(ctx, sub.Endpoint); err != nil || !slices.Equal(tags, []string{"lang:fr", "news"}) {
		t.Errorf("stored tags = %v (%v), want [lang:fr news]", tags, err)
	}
	if !browsertest.Eval[bool](s.tab, `setTags(['sport'])`) {
		t.Error("setTags() = false, want true")
	}
	if tags, err := st.Tags(ctx, sub.Endpoint); err != nil || !slices.Equal(tags, []string{"sport"}) {
		t.Errorf("stored tags after setTags = %v (%v), want [sport]", tags, err)
	}
	if msg := browsertest.Eval[string](s.tab, `setTags(['no spaces allowed']).then(() => 'resolved', (e) => e.message)`); !strings.Contains(msg, "HTTP 400") {
		t.Errorf("setTags with a bad tag: %q, want a rejection with the server's 400", msg)
	}
	if key := browsertest.Eval[string](s.tab, `window.swkitTestKey`); key != keys.Public {
		t.Errorf("pushManager.subscribe got applicationServerKey %s, want the server's %s", key, keys.Public)
	}
	if !browsertest.Eval[bool](s.tab, `window.swkitTestUserVisibleOnly`) {
		t.Error("pushManager.subscribe without userVisibleOnly: true")
	}
	if subs, err := st.Subscriptions(ctx, "", 10); err != nil || len(subs) != 1 {
		t.Fatalf("stored subscriptions = %d (%v), want 1", len(subs), err)
	}

	rep, err := api.Send(ctx, pushapi.Notification{
		Title: "A new cat", Body: "Cat number 4", URL: "/cats/4", Tag: "cats",
		Actions: []pushapi.Action{{Action: "like", Title: "Like"}}, Data: json.RawMessage(`{"cat":4}`),
	})
	if err != nil || rep.Delivered != 1 {
		t.Fatalf("Send = %+v, %v; want 1 delivered", rep, err)
	}
	msgs := ps.Messages()
	if len(msgs) != 1 || len(ps.Rejections()) > 0 {
		t.Fatalf("push service accepted %d messages (rejected %v), want 1", len(msgs), ps.Rejections())
	}
	s.deliver(string(msgs[0].Plaintext))
	shownList := s.waitNotifications(1)
	if len(shownList) != 1 {
		t.Fatalf("%d notifications, want 1", len(shownList))
	}
	n := shownList[0]
	if n.Title != "A new cat" || n.Body != "Cat number 4" || n.Tag != "cats" || len(n.Actions) != 1 || n.Actions[0].Action != "like" {
		t.Errorf("notification = %+v, want the one sent", n)
	}
	if want := `{"url":"` + s.srv.URL("/cats/4") + `","data":{"cat":4}}`; !jsonEqual(n.Data, json.RawMessage(want)) {
		t.Errorf("notification data = %s, want %s", n.Data, want)
	}

	if ok := browsertest.Eval[bool](s.tab, `unsubscribe()`); !ok {
		t.Error("unsubscribe() = false, want true")
	}
	if !browsertest.Eval[bool](s.tab, `window.swkitTestUnsubscribed === true`) {
		t.Error("unsubscribe() left the browser's subscription")
	}
	if subs, err := st.Subscriptions(ctx, "", 10); err != nil || len(subs) != 0 {
		t.Errorf("stored subscriptions after unsubscribe() = %d (%v), want 0", len(subs), err)
	}
}

// TestSubscribeDenied: without permission subscribe() says so and asks
// neither the push service nor the server for anything.
func TestSubscribeDenied(t *testing.T) {
	s := newPushSite(t, config.Push{}, nil)
	s.grant(browser.PermissionSettingDenied)
	type result struct {
		Permission   string `json:"permission"`
		Subscription any    `json:"subscription"`
	}
	got := browsertest.Eval[result](s.tab, `subscribe().then((r) => ({ permission: r.permission, subscription: r.subscription }))`)
	if got.Permission != "denied" || got.Subscription != nil {
		t.Errorf("subscribe() = %+v, want permission denied and no subscription", got)
	}
	if reqs := s.requests(); len(reqs) > 0 {
		t.Errorf("requests to the push API: %+v, want none", reqs)
	}
	if got := browsertest.Eval[bool](s.tab, `unsubscribe()`); got {
		t.Error("unsubscribe() without a subscription = true, want false")
	}
}

// TestSubscribeTimeoutAndReasons: subscribe() gives up after its timeout
// when the push service never answers, and a refusal says why in the
// message itself, not only in err.cause. The timeout is real: Chromium's
// pushManager.subscribe never settles here (no push service can be
// reached). The push service's refusal is a stand-in rejecting as Chromium
// does; the server's refusal comes from a real pushapi (pushserver, SQLite)
// that takes no http: endpoint.
func TestSubscribeTimeoutAndReasons(t *testing.T) {
	keys, err := push.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	p, err := pushserver.New(context.Background(), pushserver.Config{
		DB: filepath.Join(t.TempDir(), "push.db"), PublicKey: keys.Public, PrivateKey: keys.Private,
		Subject: "mailto:tests@swkit.dev", Logf: t.Logf,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	s := newPushSite(t, config.Push{}, http.StripPrefix("/swkit/push", p.API))
	const caught = `.then(() => 'resolved', (e) => e.message + ' | cause: ' + (e.cause && e.cause.name))`

	start := time.Now()
	msg := browsertest.Eval[string](s.tab, `subscribe({ timeout: 1500 })`+caught)
	took := time.Since(start)
	if !strings.Contains(msg, "swkit: pushManager.subscribe failed: TimeoutError: no answer in 1500 ms | cause: TimeoutError") {
		t.Errorf("subscribe({timeout: 1500}) with no reachable push service: %q, want a TimeoutError naming pushManager.subscribe", msg)
	}
	t.Logf("the timeout of 1.5 s rejected after %v", took.Round(time.Millisecond))

	browsertest.Eval[bool](s.tab, `(() => {
		PushManager.prototype.getSubscription = async () => null;
		PushManager.prototype.subscribe = async () => {
			throw new DOMException('Registration failed - permission denied', 'NotAllowedError');
		};
		return true;
	})()`)
	msg = browsertest.Eval[string](s.tab, `subscribe()`+caught)
	if want := "swkit: pushManager.subscribe failed: NotAllowedError: Registration failed - permission denied | cause: NotAllowedError"; msg != want {
		t.Errorf("push service refusal: %q, want %q", msg, want)
	}

	browsertest.Eval[bool](s.tab, `(() => {
		const sub = { endpoint: 'http://push.example/x', options: { applicationServerKey: null },
			toJSON: () => ({ endpoint: 'http://push.example/x', keys: { p256dh: 'BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4', auth: 'AAAAAAAAAAAAAAAAAAAAAA' } }) };
		PushManager.prototype.subscribe = async () => sub;
		return true;
	})()`)
	msg = browsertest.Eval[string](s.tab, `subscribe()`+caught)
	if !strings.Contains(msg, "HTTP 400: endpoint: want https") {
		t.Errorf("server refusal: %q, want the API's own reason", msg)
	}
}
