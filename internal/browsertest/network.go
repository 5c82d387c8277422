package browsertest

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Response is one Network.responseReceived event.
type Response struct {
	// Target is "page" or "worker": requests the worker makes itself (its
	// own fetch() calls) appear only on the worker's target.
	Target            string
	URL               string
	Status            int64
	FromServiceWorker bool
	// Source is serviceWorkerResponseSource: "cache-storage", "network",
	// "http-cache" or "fallback-code" when FromServiceWorker.
	Source        string
	FromDiskCache bool
}

// Recorder collects the responses a tab and, once attached, its service
// worker receive.
type Recorder struct {
	mu        sync.Mutex
	responses []Response
}

func (r *Recorder) listener(target string) func(ev any) {
	return func(ev any) {
		e, ok := ev.(*network.EventResponseReceived)
		if !ok || e.Response == nil {
			return
		}
		r.mu.Lock()
		r.responses = append(r.responses, Response{
			Target:            target,
			URL:               e.Response.URL,
			Status:            e.Response.Status,
			FromServiceWorker: e.Response.FromServiceWorker,
			Source:            string(e.Response.ServiceWorkerResponseSource),
			FromDiskCache:     e.Response.FromDiskCache,
		})
		r.mu.Unlock()
	}
}

// Responses returns a copy of what was recorded, in arrival order per target.
func (r *Recorder) Responses() []Response {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Response(nil), r.responses...)
}

// Reset forgets what was recorded.
func (r *Recorder) Reset() {
	r.mu.Lock()
	r.responses = nil
	r.mu.Unlock()
}

// RecordNetwork starts recording the page target's responses.
func (tab *Tab) RecordNetwork() *Recorder {
	tab.T.Helper()
	tab.chromium("RecordNetwork")
	r := &Recorder{}
	if err := chromedp.Listen(tab.Ctx, r.listener("page")); err != nil {
		tab.T.Fatal(err)
	}
	return r
}

// AttachWorker attaches to the service-worker target whose script URL starts
// with scriptURL (waiting for it to appear) and records its responses too.
// The attachment is detached, never closed, at the test's cleanup.
func (tab *Tab) AttachWorker(r *Recorder, scriptURL string) {
	tab.T.Helper()
	tab.chromium("AttachWorker")
	deadline := time.Now().Add(tab.Timeout)
	for {
		infos, err := chromedp.Targets(tab.Ctx)
		if err != nil {
			tab.T.Fatal(err)
		}
		for _, info := range infos {
			if info.Type != "service_worker" || !strings.HasPrefix(info.URL, scriptURL) {
				continue
			}
			ctx, cancel := chromedp.NewContext(tab.Browser.Context(),
				chromedp.WithTargetID(info.TargetID),
				chromedp.WithDetachOnCancel(), // cancel must not close the worker
				chromedp.WithListener(r.listener("worker")))
			if err := chromedp.Do(ctx); err != nil {
				cancel()
				tab.T.Fatalf("attaching to the worker %s: %v", info.URL, err)
			}
			tab.T.Cleanup(cancel)
			return
		}
		if time.Now().After(deadline) {
			tab.T.Fatal(fmt.Sprintf("no service-worker target for %s after %v", scriptURL, tab.Timeout))
		}
		time.Sleep(25 * time.Millisecond)
	}
}
