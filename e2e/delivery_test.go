package e2e

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swkit/swkit/internal/browsertest"
	"github.com/swkit/swkit/internal/demo"
)

// The background-sync delivery tests run in every engine. Firefox and
// WebKit have no Background Sync API, and Chromium's sync event is never
// fired here: what delivers is the worker's fallback triggers (a page load,
// the page's own requests, an open page's timer), as for a user whose
// server comes back while the site is open.

// deliveryVotes is how many votes each delivery test queues.
const deliveryVotes = 5

// queueOffline opens the sync site in a new tab of e, stops the server and
// queues deliveryVotes votes from the page.
func queueOffline(t *testing.T, e *browsertest.Engine) (*syncSite, *browsertest.Tab) {
	t.Helper()
	s := newSyncSite(t, false)
	tab := e.NewTab(t)
	s.open(tab)
	s.srv.Stop()
	s.submitOffline(tab, 0, deliveryVotes)
	waitQueue(tab, deliveryVotes)
	if posts, _, _ := s.api.stats(); posts != 0 {
		t.Fatalf("%d POSTs reached a stopped server", posts)
	}
	return s, tab
}

// delivered waits, on the server's side only (no request from the page),
// until the votes table holds n votes, and returns how long that took from
// since. It fails the test after limit.
func (s *syncSite) delivered(n int, since time.Time, limit time.Duration) time.Duration {
	s.t.Helper()
	for {
		votes, err := s.api.votes.List(context.Background())
		if err != nil {
			s.t.Fatal(err)
		}
		took := time.Since(since)
		if len(votes) >= n {
			return took
		}
		if took > limit {
			s.t.Fatalf("%d of %d votes reached the server after %v", len(votes), n, took)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkOrder checks that the votes arrived as vote-0, vote-1, ... in order.
func (s *syncSite) checkOrder() {
	s.t.Helper()
	votes, err := s.api.votes.List(context.Background())
	if err != nil {
		s.t.Fatal(err)
	}
	for i, v := range votes {
		if want := fmt.Sprintf("vote-%d", i); v.Note != want {
			s.t.Errorf("vote %d is %q, want %q (out of order)", i, v.Note, want)
			return
		}
	}
}

// deliversWithin queues votes with the server stopped, starts it again, runs
// trigger (what the user does, if anything) and checks that the votes
// reach the server within limit, each once and in order, and that the page
// hears sent for each. It logs the time taken, as after.
func deliversWithin(t *testing.T, e *browsertest.Engine, limit time.Duration, after string, trigger func(*browsertest.Tab)) {
	t.Helper()
	s, tab := queueOffline(t, e)
	if err := s.srv.Start(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	trigger(tab)
	took := s.delivered(deliveryVotes, start, limit)
	t.Logf("%s: %d votes delivered %v after %s", e.Name, deliveryVotes, took.Round(time.Millisecond), after)
	waitQueue(tab, 0)
	if after != "the page load" { // a reload forgets the events heard before
		tab.WaitFor(fmt.Sprintf(`new Set(window.syncEvents.filter((e) => e.type === 'sent').map((e) => e.queueId)).size === %d`, deliveryVotes))
	}
	s.api.checkApplied(deliveryVotes)
	s.checkOrder()
}

// TestSyncDeliversOnPageLoad: the server is back and the user loads a page
// of the site: the queued votes reach it within 10 s, each once, in order.
func TestSyncDeliversOnPageLoad(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		deliversWithin(t, e, 10*time.Second, "the page load", (*browsertest.Tab).Reload)
	})
}

// TestSyncDeliversAfterResponse: the server is back and the open page
// fetches something of the site (not a queued route): the votes follow
// within 10 s.
func TestSyncDeliversAfterResponse(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		deliversWithin(t, e, 10*time.Second, "a response of the site", func(tab *browsertest.Tab) {
			if got := browsertest.Eval[int](tab, `fetch('/api/ping').then((r) => r.status)`); got != http.StatusOK {
				t.Fatalf("GET /api/ping = %d", got)
			}
		})
	})
}

// TestSyncDeliversWhileOpen: the server is back and the page stays open,
// untouched: the page's timer delivers the votes within 60 s.
func TestSyncDeliversWhileOpen(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		deliversWithin(t, e, 60*time.Second, "the server came back, the page untouched", func(*browsertest.Tab) {})
	})
}

// TestSyncKeepsOrderWithLiveRequest: a request on the queue's route sent
// while older ones wait goes after them: the server sees the queued votes
// first, then the new one, which gets the server's own answer.
func TestSyncKeepsOrderWithLiveRequest(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		s, tab := queueOffline(t, e)
		if err := s.srv.Start(); err != nil {
			t.Fatal(err)
		}
		got := submit(tab, deliveryVotes, deliveryVotes+1)
		if got[0].Status != http.StatusCreated || got[0].Queued != "" {
			t.Errorf("the live vote answered %+v, want the server's 201", got[0])
		}
		s.api.checkApplied(deliveryVotes + 1)
		s.checkOrder()
		waitQueue(tab, 0)
	})
}

// TestSyncServerKilledMidReplayEveryEngine: the server applies the third
// replayed vote and dies before its answer leaves. Once it is back, a page
// load replays the rest, the third again with its Idempotency-Key, which
// the middleware answers from its store: every vote once.
func TestSyncServerKilledMidReplayEveryEngine(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		const cut = 3
		s, tab := queueOffline(t, e)
		s.api.mu.Lock()
		s.api.cutAt = cut
		s.api.mu.Unlock()
		if err := s.srv.Start(); err != nil {
			t.Fatal(err)
		}
		tab.Reload()
		// The cut stops the server; wait for the pass to give up.
		tab.WaitFor(fmt.Sprintf(`import('/swkit.js').then((m) => m.queue('%s')).then((q) => q.length === %d && q.every((i) => i.state === 'waiting') && q[0].attempts > 0)`, syncQueue, deliveryVotes-cut+1))
		if votes, _ := s.api.votes.List(context.Background()); len(votes) != cut {
			t.Fatalf("%d votes applied before the server died, want %d", len(votes), cut)
		}
		if err := s.srv.Start(); err != nil {
			t.Fatal(err)
		}
		tab.Reload()
		s.delivered(deliveryVotes, time.Now(), 10*time.Second)
		waitQueue(tab, 0)
		s.api.checkApplied(deliveryVotes)
		s.checkOrder()
		if posts, keys, replayed := s.api.stats(); keys != deliveryVotes || posts < deliveryVotes+1 || replayed < 1 {
			t.Errorf("server saw %d POSTs, %d keys, %d replayed answers; want >= %d, %d, >= 1", posts, keys, replayed, deliveryVotes+1, deliveryVotes)
		}
	})
}

// TestDemoVotesArriveUntouched is the demo as a user tries it: three votes
// made while the demo is stopped are queued, and still listed with their
// notes after a reload; the demo is started again on the same port and
// database, and with nobody touching the page the votes reach it, each
// once, and the page shows them sent.
func TestDemoVotesArriveUntouched(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		db := filepath.Join(t.TempDir(), "demo.db")
		start := func() *demo.Demo {
			d, err := demo.New(demo.Options{Rotate: time.Hour, DB: db})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d.Close() })
			return d
		}
		server := &switchable{}
		first := start()
		server.Deploy(first)
		srv := browsertest.NewServer(t, server)
		tab := e.NewTab(t)
		tab.Navigate(srv.URL("/"))
		tab.WaitFor(`document.getElementById('status').textContent === 'offline-ready'`)

		srv.Stop()
		first.Close()
		voteOffline(tab)
		tab.Reload() // from the precache: the pending votes are listed from the queue
		tab.WaitFor(`document.querySelectorAll('#vote-items li[data-state="queued"][data-queue-id]').length === 3`)
		if got := browsertest.Eval[string](tab, `document.getElementById('vote-items').textContent`); !strings.Contains(got, "second") {
			t.Errorf("after a reload the pending votes read %q, want their notes", got)
		}

		server.Deploy(start())
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		began := time.Now()
		tab.WaitFor(`document.querySelectorAll('#vote-items li[data-state="sent"]').length === 3 && document.body.dataset.votesReceived === '3'`)
		t.Logf("%s: the demo's 3 votes arrived %v after it restarted, the page untouched", e.Name, time.Since(began).Round(time.Millisecond))

		checkDemoVotes(t, srv)
	})
}

// TestSyncSurvivesBrowserKillEveryEngine: votes queued, the browser killed
// (SIGKILL) and started again on its profile while the server is still
// down: the votes are still queued, and the first page load once the server
// is back delivers each once.
func TestSyncSurvivesBrowserKillEveryEngine(t *testing.T) {
	browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
		b := e.Own(t)
		s, tab := queueOffline(t, b.Engine)
		if err := b.Restart(true); err != nil {
			t.Fatal(err)
		}
		tab = b.NewTab(t)
		tab.Navigate(s.URL("")) // offline: the precached page
		tab.WaitController()
		if got := len(queueItems(tab)); got != deliveryVotes {
			t.Fatalf("after the browser was killed, %d votes queued, want %d", got, deliveryVotes)
		}
		if err := s.srv.Start(); err != nil {
			t.Fatal(err)
		}
		tab.Reload()
		s.delivered(deliveryVotes, time.Now(), 10*time.Second)
		waitQueue(tab, 0)
		s.api.checkApplied(deliveryVotes)
		s.checkOrder()
	})
}
