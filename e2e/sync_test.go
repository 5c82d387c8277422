package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/serviceworker"
	"github.com/chromedp/chromedp"

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/idempotency"
	"github.com/swkit/swkit/internal/browsertest"
	"github.com/swkit/swkit/internal/demo"
	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/sqlite"
)

// syncQueue is the queue name of the sync tests' route.
const syncQueue = "votes"

// syncConfig is the brief's example: POST /api/* over the network only, with
// failed requests queued for background sync.
var syncConfig = config.Config{ClientsClaim: true, RuntimeCaching: []config.RuntimeCaching{{
	URLPattern: "/api/*",
	Method:     "POST",
	Handler:    "networkOnly",
	Options:    config.RuntimeOptions{BackgroundSync: &config.BackgroundSync{Name: syncQueue}},
}}}

// hideSyncAPI, run before the generated worker, makes Chromium's worker look
// like Firefox's or Safari's: no SyncManager, no registration.sync. A test
// hook only: the runtime reads self.registration.sync when it needs it.
const hideSyncAPI = `delete self.SyncManager;
Object.defineProperty(ServiceWorkerRegistration.prototype, 'sync', { get() { return undefined; }, configurable: true });
`

// votesAPI is the server side: the demo's votes table and an idempotency
// store in one SQLite file, with idempotency.Middleware in front (the demo's
// VotesAPI), and a log of every POST that reached it. cutAt, when set, makes
// the cutAt-th POST apply and then stops the server before its answer leaves:
// a lost response to a request the server applied.
type votesAPI struct {
	t     *testing.T
	votes *demo.Votes
	h     http.Handler
	srv   *browsertest.Server // set once the site serves

	mu       sync.Mutex
	posts    []string // Idempotency-Key of each POST, in arrival order
	replayed int      // answers the middleware replayed from its store
	cutAt    int
}

func newVotesAPI(t *testing.T) *votesAPI {
	t.Helper()
	path := filepath.Join(t.TempDir(), "votes.db")
	st, err := sqlite.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	votes, err := demo.OpenVotes(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { votes.Close() })
	return &votesAPI{t: t, votes: votes, h: demo.VotesAPI(votes, st)}
}

func (a *votesAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		a.h.ServeHTTP(w, r)
		return
	}
	a.mu.Lock()
	a.posts = append(a.posts, r.Header.Get(idempotency.HeaderKey))
	cut := a.cutAt > 0 && len(a.posts) == a.cutAt
	a.mu.Unlock()

	a.h.ServeHTTP(w, r)
	if w.Header().Get(idempotency.HeaderReplayed) == "true" {
		a.mu.Lock()
		a.replayed++
		a.mu.Unlock()
	}
	if cut {
		// The vote and its key are stored, the answer sits in the
		// connection's buffer: close every connection before it is flushed.
		go a.srv.Stop()
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
			a.t.Error("the connection of the cut request was not closed")
		}
	}
}

// stats returns the POSTs that reached the server, how many distinct keys
// they carried, and how many answers were replays.
func (a *votesAPI) stats() (posts, keys, replayed int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	distinct := map[string]bool{}
	for _, k := range a.posts {
		distinct[k] = true
	}
	return len(a.posts), len(distinct), a.replayed
}

// checkApplied checks that the votes table holds vote-0 .. vote-(n-1), each
// once, each with an Idempotency-Key.
func (a *votesAPI) checkApplied(n int) {
	a.t.Helper()
	votes, err := a.votes.List(context.Background())
	if err != nil {
		a.t.Fatal(err)
	}
	count := map[string]int{}
	for _, v := range votes {
		count[v.Note]++
		if v.Key == "" {
			a.t.Errorf("vote %q arrived without an Idempotency-Key", v.Note)
		}
	}
	for i := range n {
		if c := count[fmt.Sprintf("vote-%d", i)]; c != 1 {
			a.t.Errorf("vote-%d applied %d times, want 1", i, c)
		}
	}
	if len(votes) != n {
		a.t.Errorf("%d votes recorded, want %d", len(votes), n)
	}
}

// syncSite is the generated test site with the votes API under /api/.
type syncSite struct {
	*site
	api    *votesAPI
	origin string
	regID  serviceworker.RegistrationID // of the tab last opened
}

// newSyncSite serves the site with syncConfig's worker; hideSync prepends
// hideSyncAPI to it.
func newSyncSite(t *testing.T, hideSync bool) *syncSite {
	t.Helper()
	api := newVotesAPI(t)
	s := newSite(t, syncConfig, api)
	api.srv = s.srv
	if hideSync {
		s.worker = append([]byte(hideSyncAPI), s.worker...)
		s.Serve()
	}
	return &syncSite{site: s, api: api, origin: strings.TrimSuffix(s.srv.URL(""), "/")}
}

// open navigates tab to the site, waits until the worker controls it and
// records the page helper's sync events in window.syncEvents.
func (s *syncSite) open(tab *browsertest.Tab) {
	s.t.Helper()
	tab.Navigate(s.URL(""))
	tab.WaitController()
	tab.WaitFor(`navigator.serviceWorker.controller.state === 'activated' && typeof window.swkit === 'object'`)
	browsertest.Eval[bool](tab, `(() => {
  window.syncEvents = [];
  for (const type of ['queued', 'sent', 'failed']) {
    window.swkit.addEventListener(type, (e) => window.syncEvents.push({ type, ...e.detail }));
  }
  return true;
})()`)
}

// submitted is what the page got back for one POST.
type submitted struct {
	Status int    `json:"status"`
	Queued string `json:"queued"`
	Body   struct {
		Queued bool   `json:"queued"`
		ID     int    `json:"queueId"`
		Queue  string `json:"queue"`
	} `json:"body"`
}

// submit posts votes vote-from .. vote-(to-1) from the page, one after
// another, as fetch calls.
func submit(tab *browsertest.Tab, from, to int) []submitted {
	return browsertest.Eval[[]submitted](tab, fmt.Sprintf(`(async () => {
  const out = [];
  for (let i = %d; i < %d; i++) {
    const r = await fetch('/api/votes', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ cat: 1 + (i %% 10), note: 'vote-' + i }),
    });
    out.push({ status: r.status, queued: r.headers.get('Swkit-Queued'), body: await r.json() });
  }
  return out;
})()`, from, to))
}

// submitOffline submits n votes while the server is stopped and checks that
// each was queued: 202, Swkit-Queued: 1, the documented body, ids in order.
func (s *syncSite) submitOffline(tab *browsertest.Tab, from, to int) {
	s.t.Helper()
	got := submit(tab, from, to)
	if len(got) != to-from {
		s.t.Fatalf("%d answers, want %d", len(got), to-from)
	}
	for i, g := range got {
		if g.Status != http.StatusAccepted || g.Queued != "1" || !g.Body.Queued || g.Body.Queue != syncQueue || g.Body.ID <= 0 {
			s.t.Fatalf("vote-%d answered %+v, want 202, Swkit-Queued: 1, {queued: true, queueId, queue: %q}", from+i, g, syncQueue)
		}
		if i > 0 && g.Body.ID <= got[i-1].Body.ID {
			s.t.Errorf("queued ids not increasing: %d after %d", g.Body.ID, got[i-1].Body.ID)
		}
	}
}

// queueItem is one entry of the page helper's queue().
type queueItem struct {
	ID       int    `json:"queueId"`
	URL      string `json:"url"`
	Attempts int    `json:"attempts"`
	State    string `json:"state"`
}

func queueItems(tab *browsertest.Tab) []queueItem {
	return browsertest.Eval[[]queueItem](tab, `import('/swkit.js').then((m) => m.queue('`+syncQueue+`'))`)
}

// waitQueue waits until the queue holds n requests, none being sent.
func waitQueue(tab *browsertest.Tab, n int) {
	tab.WaitFor(fmt.Sprintf(`import('/swkit.js').then((m) => m.queue('%s')).then((q) => q.length === %d && q.every((i) => i.state === 'waiting'))`, syncQueue, n))
}

// syncRegistrationID finds the id the ServiceWorker domain gives the site's
// registration (after a navigation: TESTING.md, pitfall 3).
func (s *syncSite) syncRegistrationID(tab *browsertest.Tab) serviceworker.RegistrationID {
	s.t.Helper()
	return swRegistrationID(s.t, tab, s.srv.URL("/"))
}

// swRegistrationID finds the id the ServiceWorker domain gives the
// registration of scope, enabling the domain on tab.
func swRegistrationID(t *testing.T, tab *browsertest.Tab, scope string) serviceworker.RegistrationID {
	t.Helper()
	found := make(chan serviceworker.RegistrationID, 1)
	ctx, cancel := context.WithCancel(tab.Ctx)
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
		t.Fatal(err)
	}
	ectx, ecancel := context.WithTimeout(tab.Ctx, tab.Timeout)
	defer ecancel()
	if _, err := chromedp.Call(ectx, serviceworker.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("ServiceWorker.enable: %v", err)
	}
	select {
	case id := <-found:
		return id
	case <-time.After(tab.Timeout):
		t.Fatalf("no registration for scope %s after %v", scope, tab.Timeout)
		return ""
	}
}

// dispatchSync fires the queue's sync event, as the browser does when it
// thinks the network is back.
func (s *syncSite) dispatchSync(tab *browsertest.Tab) {
	s.t.Helper()
	if s.regID == "" {
		s.regID = s.syncRegistrationID(tab)
	}
	dispatchSync(s.t, tab, s.origin, s.regID, syncQueue)
}

// dispatchSync fires the sync event of queue's tag in the registration id.
func dispatchSync(t *testing.T, tab *browsertest.Tab, origin string, id serviceworker.RegistrationID, queue string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab.Ctx, tab.Timeout)
	defer cancel()
	_, err := chromedp.Call(ctx, serviceworker.DispatchSyncEvent, serviceworker.DispatchSyncEventParams{
		Origin: origin, RegistrationID: id, Tag: "swkit-sync:" + queue,
	})
	if err != nil {
		t.Fatalf("ServiceWorker.dispatchSyncEvent: %v", err)
	}
}

// eventCounts counts the page's sync events by type, and the distinct ids
// of each.
func eventCounts(tab *browsertest.Tab) map[string]int {
	type ev struct {
		Type string `json:"type"`
		ID   int    `json:"queueId"`
	}
	seen := map[string]map[int]bool{}
	for _, e := range browsertest.Eval[[]ev](tab, `window.syncEvents`) {
		if seen[e.Type] == nil {
			seen[e.Type] = map[int]bool{}
		}
		seen[e.Type][e.ID] = true
	}
	out := map[string]int{}
	for k, ids := range seen {
		out[k] = len(ids)
	}
	return out
}

const numVotes = 20

// TestSyncReplaysOnce is (a): with the server stopped, 20 submissions are
// queued (202); with the server back, one sync event replays them in order
// and the server applies each exactly once; the page hears queued and sent
// for each.
func TestSyncReplaysOnce(t *testing.T) {
	s := newSyncSite(t, false)
	tab := browsertest.Shared(t).NewTab(t)
	s.open(tab)

	s.srv.Stop()
	s.submitOffline(tab, 0, numVotes)
	waitQueue(tab, numVotes)
	if posts, _, _ := s.api.stats(); posts != 0 {
		t.Fatalf("%d POSTs reached a stopped server", posts)
	}

	if err := s.srv.Start(); err != nil {
		t.Fatal(err)
	}
	s.dispatchSync(tab)
	waitQueue(tab, 0)
	s.api.checkApplied(numVotes)
	if posts, keys, _ := s.api.stats(); posts != numVotes || keys != numVotes {
		t.Errorf("server saw %d POSTs with %d keys, want %d and %d (each request sent once)", posts, keys, numVotes, numVotes)
	}
	// FIFO: the votes arrived in the order they were submitted.
	votes, err := s.api.votes.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range votes {
		if want := fmt.Sprintf("vote-%d", i); v.Note != want {
			t.Errorf("vote %d is %q, want %q (replayed out of order)", i, v.Note, want)
			break
		}
	}
	tab.WaitFor(fmt.Sprintf(`new Set(window.syncEvents.filter((e) => e.type === 'sent').map((e) => e.queueId)).size === %d`, numVotes))
	if got, want := eventCounts(tab), map[string]int{"queued": numVotes, "sent": numVotes}; !maps.Equal(got, want) {
		t.Errorf("page events (distinct ids per type) = %v, want %v", got, want)
	}
}

// TestSyncSurvivesBrowserKill is (b): the same, with Chromium killed
// (SIGKILL) and started again on its profile while the server is still
// down: the queue is still in IndexedDB and every vote arrives once.
func TestSyncSurvivesBrowserKill(t *testing.T) {
	s := newSyncSite(t, false)
	b := browsertest.New(t)
	tab := b.NewTab(t)
	s.open(tab)

	s.srv.Stop()
	s.submitOffline(tab, 0, numVotes)
	// No request is mid-replay when the browser dies, so no lease holds
	// the queue's head afterwards (a lease would delay the replay by up to
	// 40 s, not lose anything).
	waitQueue(tab, numVotes)

	if err := b.Restart(true); err != nil {
		t.Fatal(err)
	}
	tab = b.NewTab(t)
	tab.Navigate(s.URL("")) // offline: the precached page
	tab.WaitController()
	s.regID = s.syncRegistrationID(tab)
	if got := len(queueItems(tab)); got != numVotes {
		t.Fatalf("after the browser was killed, %d requests queued, want %d", got, numVotes)
	}

	if err := s.srv.Start(); err != nil {
		t.Fatal(err)
	}
	s.dispatchSync(tab)
	waitQueue(tab, 0)
	s.api.checkApplied(numVotes)
	if posts, keys, _ := s.api.stats(); posts != numVotes || keys != numVotes {
		t.Errorf("server saw %d POSTs with %d keys, want %d and %d", posts, keys, numVotes, numVotes)
	}
}

// TestSyncServerDiesMidReplay is (c): the server applies the first cut
// requests of a replay and then stops before answering the last of them, so
// the worker cannot know it arrived and keeps it. After a restart the
// replay sends it again with the same Idempotency-Key: the middleware
// answers from its store and every vote is applied exactly once.
func TestSyncServerDiesMidReplay(t *testing.T) {
	const cut = 8
	s := newSyncSite(t, false)
	tab := browsertest.Shared(t).NewTab(t)
	s.open(tab)

	s.srv.Stop()
	s.submitOffline(tab, 0, numVotes)
	waitQueue(tab, numVotes)

	s.api.mu.Lock()
	s.api.cutAt = cut
	s.api.mu.Unlock()
	if err := s.srv.Start(); err != nil {
		t.Fatal(err)
	}
	s.dispatchSync(tab)
	// The pass stops at the request whose answer was lost: it is back at the
	// head of the queue, tried once; the ones before it are gone. (Between
	// two sends of the pass the queue can hold as many requests, none leased
	// yet, so the wait is for the head's attempt to be recorded too.)
	tab.WaitFor(fmt.Sprintf(`import('/swkit.js').then((m) => m.queue('%s')).then((q) => q.length === %d && q.every((i) => i.state === 'waiting') && q[0].attempts > 0)`, syncQueue, numVotes-cut+1))

	votes, err := s.api.votes.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(votes) != cut {
		t.Fatalf("%d votes applied before the server died, want %d (the last one's answer lost)", len(votes), cut)
	}

	if err := s.srv.Start(); err != nil {
		t.Fatal(err)
	}
	s.dispatchSync(tab)
	waitQueue(tab, 0)
	s.api.checkApplied(numVotes)
	posts, keys, replayed := s.api.stats()
	// Chromium may resend a request whose connection closed without an
	// answer; the middleware makes that harmless too, so only require that
	// every key arrived and at least the cut one twice.
	if keys != numVotes || posts < numVotes+1 || replayed < 1 {
		t.Errorf("server saw %d POSTs, %d keys, %d replayed answers; want >= %d, %d, >= 1", posts, keys, replayed, numVotes+1, numVotes)
	}
	tab.WaitFor(fmt.Sprintf(`new Set(window.syncEvents.filter((e) => e.type === 'sent').map((e) => e.queueId)).size === %d`, numVotes))
}

// TestSyncWithoutSyncAPI is (d): in a worker without the Sync API (as in
// Firefox and Safari), nothing registers a sync tag; the page coming back
// online asks the worker to replay, and so does the worker starting again.
func TestSyncWithoutSyncAPI(t *testing.T) {
	s := newSyncSite(t, true)
	tab := browsertest.Shared(t).NewTab(t)
	s.open(tab)
	s.regID = s.syncRegistrationID(tab) // enables the ServiceWorker domain
	if browsertest.Eval[bool](tab, `navigator.serviceWorker.controller && fetch('/sw.js').then((r) => r.text()).then((t) => t.startsWith('delete self.SyncManager'))`) != true {
		t.Fatal("the worker does not hide the Sync API")
	}

	// The page comes back online.
	s.srv.Stop()
	s.submitOffline(tab, 0, 5)
	waitQueue(tab, 5)
	if tags := browsertest.Eval[[]string](tab, `navigator.serviceWorker.ready.then((r) => r.sync.getTags())`); len(tags) != 0 {
		t.Errorf("sync tags %v registered, want none without the Sync API", tags)
	}
	if err := s.srv.Start(); err != nil {
		t.Fatal(err)
	}
	browsertest.Eval[bool](tab, `dispatchEvent(new Event('online'))`)
	waitQueue(tab, 0)
	s.api.checkApplied(5)

	// The worker starts again (stopped, as browsers do with idle workers,
	// then woken by the page's next request).
	s.srv.Stop()
	s.submitOffline(tab, 5, 10)
	waitQueue(tab, 5)
	if err := s.srv.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(tab.Ctx, tab.Timeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, serviceworker.StopAllWorkers, cdp.Empty{}); err != nil {
		t.Fatalf("ServiceWorker.stopAllWorkers: %v", err)
	}
	browsertest.Eval[int](tab, `fetch('/css/style-00.css').then((r) => r.status)`)
	waitQueue(tab, 0)
	s.api.checkApplied(10)
	tab.WaitFor(`new Set(window.syncEvents.filter((e) => e.type === 'sent').map((e) => e.queueId)).size === 10`)
	if posts, keys, _ := s.api.stats(); posts != 10 || keys != 10 {
		t.Errorf("server saw %d POSTs with %d keys, want 10 and 10", posts, keys)
	}
	if got, want := eventCounts(tab), map[string]int{"queued": 10, "sent": 10}; !maps.Equal(got, want) {
		t.Errorf("page events (distinct ids per type) = %v, want %v", got, want)
	}
}

// TestDemoVotesOffline is the demo's form with the server stopped: three
// votes show as queued, and after the server returns and the sync event
// fires, as sent; the server lists each once.
func TestDemoVotesOffline(t *testing.T) {
	d, err := demo.New(demo.Options{DB: filepath.Join(t.TempDir(), "demo.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	srv := browsertest.NewServer(t, d)
	tab := browsertest.Shared(t).NewTab(t)
	tab.Navigate(srv.URL("/"))
	tab.WaitFor(`navigator.serviceWorker.getRegistration().then(r => r?.active?.state === 'activated')`)
	tab.Reload()
	tab.WaitController()
	id := swRegistrationID(t, tab, srv.URL("/"))

	srv.Stop()
	tab.Reload() // from the precache
	tab.WaitFor(`document.getElementById('vote-form') !== null`)
	voteOffline(tab)
	if got := browsertest.Eval[string](tab, `document.getElementById('votes-status').textContent`); got != "(server unreachable)" {
		t.Errorf("votes status offline = %q, want (server unreachable)", got)
	}

	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	dispatchSync(t, tab, strings.TrimSuffix(srv.URL(""), "/"), id, demo.VotesQueue)
	tab.WaitFor(`document.querySelectorAll('#vote-items li[data-state="sent"]').length === 3 && document.body.dataset.votesReceived === '3'`)

	checkDemoVotes(t, srv)
}

// voteOffline votes first, second and third with the demo's form, as a
// user would, and waits until the page shows the three queued.
func voteOffline(tab *browsertest.Tab) {
	tab.T.Helper()
	browsertest.Eval[bool](tab, `(() => {
  const form = document.getElementById('vote-form');
  for (const text of ['first', 'second', 'third']) {
    document.getElementById('vote-note').value = text;
    form.requestSubmit();
  }
  return true;
})()`)
	tab.WaitFor(`document.querySelectorAll('#vote-items li[data-state="queued"][data-queue-id]').length === 3`)
}

// checkDemoVotes checks that the demo on srv lists the votes of
// voteOffline, each once, in order.
func checkDemoVotes(t *testing.T, srv *browsertest.Server) {
	t.Helper()
	resp, err := http.Get(srv.URL(demo.VotesPath))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var votes []demo.Vote
	if err := json.NewDecoder(resp.Body).Decode(&votes); err != nil {
		t.Fatal(err)
	}
	var notes []string
	for _, v := range votes {
		notes = append(notes, v.Note)
	}
	if want := []string{"first", "second", "third"}; !slices.Equal(notes, want) {
		t.Errorf("the demo holds %q, want %q, each once", notes, want)
	}
}

// TestSyncUnavailableIsTold: with background sync denied for the site (a
// user's setting), registering the sync tag fails: the page hears
// sync-unavailable for the queue, and the request is still queued and
// delivered by the fallback triggers.
func TestSyncUnavailableIsTold(t *testing.T) {
	s := newSyncSite(t, false)
	tab := browsertest.Shared(t).NewTab(t)
	ctx, cancel := context.WithTimeout(tab.Ctx, tab.Timeout)
	defer cancel()
	if _, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
		Permission: &browser.PermissionDescriptor{Name: "background-sync"},
		Setting:    browser.PermissionSettingDenied,
		Origin:     s.origin,
	}); err != nil {
		t.Fatal(err)
	}
	s.open(tab)
	browsertest.Eval[bool](tab, `(window.unavailable = [], window.swkit.addEventListener('sync-unavailable', (e) => window.unavailable.push(e.detail)), true)`)
	s.srv.Stop()
	s.submitOffline(tab, 0, 1)
	tab.WaitFor(`window.unavailable.length > 0`)
	type detail struct {
		Queue  string `json:"queue"`
		Reason string `json:"reason"`
	}
	if got := browsertest.Eval[[]detail](tab, `window.unavailable`); got[0].Queue != syncQueue || got[0].Reason == "" {
		t.Errorf("sync-unavailable detail = %+v, want the queue %q and a reason", got[0], syncQueue)
	}
	if err := s.srv.Start(); err != nil {
		t.Fatal(err)
	}
	tab.Reload()
	waitQueue(tab, 0)
	s.api.checkApplied(1)
}
