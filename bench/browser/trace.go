package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/serviceworker"
	"github.com/chromedp/chromedp"

	"github.com/swkit/swkit/internal/browsertest"
)

// tracer follows the ServiceWorker domain of a tab: each version's status
// and running status (what chrome://serviceworker-internals shows), and the
// errors the browser reports for the worker, so that a long or stuck install
// says where it is.
type tracer struct {
	start time.Time
	mu    sync.Mutex
	// versions by id: "status/runningStatus".
	versions map[string]string
	order    []string
	errors   []string
}

func (tr *tracer) since() string { return fmt.Sprintf("%6.1fs", time.Since(tr.start).Seconds()) }

// traceWorkers starts following tab's ServiceWorker domain; with verbose,
// each change is printed as it happens.
func traceWorkers(t testing.TB, tab *browsertest.Tab, verbose bool) *tracer {
	tr := &tracer{start: time.Now(), versions: map[string]string{}}
	err := chromedp.Listen(tab.Ctx, func(ev any) {
		switch e := ev.(type) {
		case *serviceworker.EventWorkerVersionUpdated:
			tr.mu.Lock()
			defer tr.mu.Unlock()
			for _, v := range e.Versions {
				state := fmt.Sprintf("%s/%s", v.Status, v.RunningStatus)
				old, seen := tr.versions[v.VersionID]
				if !seen {
					tr.order = append(tr.order, v.VersionID)
				}
				if old == state {
					continue
				}
				tr.versions[v.VersionID] = state
				if verbose {
					fmt.Fprintf(os.Stderr, "  %s worker version %s (%s): %s\n", tr.since(), v.VersionID, v.ScriptURL, state)
				}
			}
		case *serviceworker.EventWorkerErrorReported:
			m := e.ErrorMessage
			msg := fmt.Sprintf("version %s: %s (%s:%d)", m.VersionID, m.ErrorMessage, m.SourceURL, m.LineNumber)
			tr.mu.Lock()
			tr.errors = append(tr.errors, msg)
			tr.mu.Unlock()
			fmt.Fprintf(os.Stderr, "  %s worker error: %s\n", tr.since(), msg)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(tab.Ctx, 20*time.Second)
	defer cancel()
	if _, err := chromedp.Call(ctx, serviceworker.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("ServiceWorker.enable: %v", err)
	}
	return tr
}

// String is the versions' last states, oldest first.
func (tr *tracer) String() string {
	if tr == nil {
		return ""
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var parts []string
	for _, id := range tr.order {
		parts = append(parts, id+" "+tr.versions[id])
	}
	if len(parts) == 0 {
		return "no worker version seen"
	}
	return "versions " + strings.Join(parts, ", ")
}

// errorList is what the browser reported for the workers, or a hint when it
// reported nothing.
func (tr *tracer) errorList() string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if len(tr.errors) == 0 {
		return "no worker error reported"
	}
	return strings.Join(tr.errors, "; ")
}

// evalErr evaluates expr in the page, awaiting a promise, under the tab's
// timeout, and returns the error rather than failing.
func evalErr[T any](tab *browsertest.Tab, expr string) (T, error) {
	ctx, cancel := context.WithTimeout(tab.Ctx, tab.Timeout)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}
