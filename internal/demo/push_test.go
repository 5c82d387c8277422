package demo

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/push/pushapi"
)

// recorder is a Notifier that records what it is asked to send; with a
// release channel, each Send waits for it.
type recorder struct {
	mu       sync.Mutex
	sent     []pushapi.Notification
	inFlight int
	maxIn    int
	release  chan struct{}
	notify   chan struct{}
}

func newRecorder() *recorder { return &recorder{notify: make(chan struct{}, 100)} }

func (r *recorder) Send(ctx context.Context, n pushapi.Notification) (push.Report, error) {
	if err := n.Validate(); err != nil {
		return push.Report{}, err
	}
	r.mu.Lock()
	r.inFlight++
	r.maxIn = max(r.maxIn, r.inFlight)
	r.sent = append(r.sent, n)
	r.mu.Unlock()
	r.notify <- struct{}{}
	if r.release != nil {
		select {
		case <-r.release:
		case <-ctx.Done():
		}
	}
	r.mu.Lock()
	r.inFlight--
	r.mu.Unlock()
	return push.Report{Delivered: 1}, nil
}

func (r *recorder) bodies() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, n := range r.sent {
		out = append(out, n.Title+": "+n.Body)
	}
	return out
}

// TestPushOffByDefault: without Options.Push the worker has no push code and
// the page offers nothing.
func TestPushOffByDefault(t *testing.T) {
	_, base := serve(t, Options{})
	_, worker := get(t, http.MethodGet, base+"/sw.js", nil)
	if strings.Contains(string(worker), "pushsubscriptionchange") {
		t.Error("sw.js has push handlers with push off")
	}
	_, page := get(t, http.MethodGet, base+"/", nil)
	if !strings.Contains(string(page), pushMetaOff) {
		t.Errorf("GET / lacks %s", pushMetaOff)
	}
}

// TestPushOn: with Options.Push the worker handles push and the page is
// told to offer "Notify me about new cats".
func TestPushOn(t *testing.T) {
	_, base := serve(t, Options{Push: newRecorder()})
	_, worker := get(t, http.MethodGet, base+"/sw.js", nil)
	for _, want := range []string{"pushsubscriptionchange", "notificationclick", `title:"swkit demo"`} {
		if !strings.Contains(string(worker), want) {
			t.Errorf("sw.js lacks %q with push on", want)
		}
	}
	_, page := get(t, http.MethodGet, base+"/", nil)
	if !strings.Contains(string(page), pushMetaOn) || !strings.Contains(string(page), "Notify me about new cats") {
		t.Errorf("GET / does not offer push:\n%s", page)
	}
}

// TestNotifyIfNew: a notification per new image, none while the same one
// shows, each valid for pushapi.
func TestNotifyIfNew(t *testing.T) {
	clock := newFakeClock()
	rec := newRecorder()
	d, err := New(Options{Rotate: 10 * time.Second, Now: clock.Now, Push: rec})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	last := d.index()
	logf := t.Logf
	last = d.notifyIfNew(ctx, last, logf) // same image: nothing
	clock.Advance(10 * time.Second)
	last = d.notifyIfNew(ctx, last, logf)
	clock.Advance(5 * time.Second)
	last = d.notifyIfNew(ctx, last, logf) // still image 2
	clock.Advance(25 * time.Second)       // 40s in: cat 5, cats 3 and 4 passed unseen
	d.notifyIfNew(ctx, last, logf)
	got := strings.Join(rec.bodies(), "; ")
	want := "A new cat: Cat number 2 is on the page now.; A new cat: Cat number 5 is on the page now."
	if got != want {
		t.Errorf("sent %q, want %q", got, want)
	}
	n := rec.sent[0]
	if n.URL != "/" || n.Tag == "" || n.Topic == "" || n.TTL != 10*time.Second {
		t.Errorf("notification %+v: want URL /, a tag and topic, TTL 10s", n)
	}
}

// TestNotifyRotations runs the loop on the real clock: it sends on each
// rotation, never two at once while a send is slow, and returns when its
// context ends.
func TestNotifyRotations(t *testing.T) {
	rec := newRecorder()
	rec.release = make(chan struct{})
	d, err := New(Options{Rotate: 20 * time.Millisecond, Push: rec})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.NotifyRotations(ctx, t.Logf)
	}()
	deadline := time.After(10 * time.Second)
	for range 3 {
		select {
		case <-rec.notify:
		case <-deadline:
			t.Fatalf("only %d notifications within 10s", len(rec.bodies()))
		}
		// Hold the send across several rotations, then let it finish.
		time.Sleep(50 * time.Millisecond) // lets rotations pass while the send is held; not a synchronisation
		rec.release <- struct{}{}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("NotifyRotations did not return after its context ended")
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.maxIn != 1 {
		t.Errorf("at most %d sends in flight, want 1", rec.maxIn)
	}
}
