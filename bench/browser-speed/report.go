package main

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/profiler"
	"github.com/chromedp/cdproto/serviceworker"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/swkit/swkit/internal/browsertest"
)

var browserGetVersion = browser.GetVersion

// workers follows every service-worker version's running status, to stop
// them all and know when they are stopped.
type workers struct {
	ctx    context.Context
	mu     sync.Mutex
	status map[string]serviceworker.VersionRunningStatus
}

func watchWorkers(br *browsertest.Browser) (*workers, error) {
	ctx, _ := chromedp.NewContext(br.Context())
	if err := chromedp.Do(ctx); err != nil {
		return nil, err
	}
	w := &workers{ctx: ctx, status: map[string]serviceworker.VersionRunningStatus{}}
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*serviceworker.EventWorkerVersionUpdated); ok {
			w.mu.Lock()
			for _, v := range e.Versions {
				w.status[v.VersionID] = v.RunningStatus
			}
			w.mu.Unlock()
		}
	}); err != nil {
		return nil, err
	}
	if _, err := chromedp.Call(ctx, serviceworker.Enable, cdp.Empty{}); err != nil {
		return nil, err
	}
	return w, nil
}

// stopAll stops every worker and waits until none runs.
func (w *workers) stopAll() error {
	if _, err := chromedp.Call(w.ctx, serviceworker.StopAllWorkers, cdp.Empty{}); err != nil {
		return fmt.Errorf("ServiceWorker.stopAllWorkers: %w", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		w.mu.Lock()
		var busy []string
		for id, s := range w.status {
			if s != serviceworker.VersionRunningStatusStopped {
				busy = append(busy, id+" "+string(s))
			}
		}
		w.mu.Unlock()
		if len(busy) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("workers still running 30 s after stopAllWorkers: %v", busy)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// running counts the worker versions not stopped.
func (w *workers) running() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, s := range w.status {
		if s != serviceworker.VersionRunningStatusStopped {
			n++
		}
	}
	return n
}

func median(xs []float64) float64 { return quantile(xs, 0.5) }

// quantile is the nearest-rank q-quantile of xs.
func quantile(xs []float64, q float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return math.NaN()
	}
	return s[max(0, int(math.Ceil(q*float64(len(s))))-1)]
}

type figures struct {
	warm, p50, p99, cold float64
	routed, started      int
	controlled           bool
}

func summarise(o *origin) figures {
	var warm, cold, res []float64
	f := figures{controlled: true}
	for _, s := range o.warm {
		warm = append(warm, s.Load)
		res = append(res, s.Resources...)
		f.controlled = f.controlled && s.Controlled
		f.routed = max(f.routed, s.Routed)
	}
	for _, s := range o.cold {
		cold = append(cold, s.Load)
		if s.Started {
			f.started++
		}
		f.controlled = f.controlled && s.Controlled
	}
	f.warm, f.p50, f.p99, f.cold = median(warm), quantile(res, 0.5), quantile(res, 0.99), median(cold)
	return f
}

// report prints the medians and the ratios to the floor and to Workbox
// (the same variant's: workbox-50 for the -50 workers).
func report(origins []*origin) {
	figs := map[string]figures{}
	for _, o := range origins {
		figs[o.name] = summarise(o)
	}
	fmt.Println("| worker | warm load | × floor | × Workbox | resource p50 | × Workbox | p99 | after a stop | × floor | routed | started |")
	fmt.Println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	ratio := func(a, b float64) string {
		if b == 0 || math.IsNaN(b) {
			return "–"
		}
		return fmt.Sprintf("%.2f", a/b)
	}
	for _, o := range origins {
		f := figs[o.name]
		floor, hasFloor := figs["floor"]
		wbName := "workbox"
		if strings.HasSuffix(o.name, "-50") {
			wbName = "workbox-50"
		}
		wb, hasWB := figs[wbName]
		r := func(a float64, base figures, has bool, pick func(figures) float64) string {
			if !has {
				return "–"
			}
			return ratio(a, pick(base))
		}
		name := o.name
		if !f.controlled {
			name += " (not always controlled!)"
		}
		ms := func(v float64, format string) string {
			if math.IsNaN(v) {
				return "–"
			}
			return fmt.Sprintf(format+" ms", v)
		}
		fmt.Printf("| %s | %.0f ms | %s | %s | %.1f ms | %s | %.1f ms | %s | %s | %d | %d/%d |\n", name,
			f.warm, r(f.warm, floor, hasFloor, func(x figures) float64 { return x.warm }),
			r(f.warm, wb, hasWB, func(x figures) float64 { return x.warm }),
			f.p50, r(f.p50, wb, hasWB, func(x figures) float64 { return x.p50 }), f.p99,
			ms(f.cold, "%.0f"), r(f.cold, floor, hasFloor, func(x figures) float64 { return x.cold }), f.routed, f.started, len(o.cold))
	}
	for _, pair := range [][2]string{{"swkit-50", "swkit"}, {"workbox-50", "workbox"}} {
		a, okA := figs[pair[0]]
		b, okB := figs[pair[1]]
		if okA && okB {
			fmt.Printf("\n%s / %s: warm load %.3f, resource p50 %.3f", pair[0], pair[1], a.warm/b.warm, a.p50/b.p50)
		}
	}
	fmt.Println()
}

// profileWorker records a CPU profile of o's worker over -loads warm
// loads and prints where its JavaScript spent the time, by function and
// source position (the bundle is minified: positions tell the function).
func profileWorker(o *origin) error {
	if o.tab.Browser == nil {
		return fmt.Errorf("-profile needs the DevTools protocol: Chromium only")
	}
	br := o.tab.Browser
	infos, err := chromedp.Targets(o.tab.Ctx)
	if err != nil {
		return err
	}
	var sw *target.Info
	for _, info := range infos {
		if info.Type == "service_worker" && strings.HasPrefix(info.URL, o.url) {
			sw = info
		}
	}
	if sw == nil {
		// A stopped worker has no target: one load starts it.
		if _, err := o.load(); err != nil {
			return err
		}
		return profileWorker(o)
	}
	ctx, cancel := chromedp.NewContext(br.Context(), chromedp.WithTargetID(sw.TargetID), chromedp.WithDetachOnCancel())
	defer cancel()
	if err := chromedp.Do(ctx); err != nil {
		return err
	}
	if _, err := chromedp.Call(ctx, profiler.Enable, cdp.Empty{}); err != nil {
		return err
	}
	if _, err := chromedp.Call(ctx, profiler.SetSamplingInterval, profiler.SetSamplingIntervalParams{Interval: 50}); err != nil {
		return err
	}
	if _, err := chromedp.Call(ctx, profiler.Start, cdp.Empty{}); err != nil {
		return err
	}
	for range *loads {
		if _, err := o.load(); err != nil {
			return err
		}
	}
	res, err := chromedp.Call(ctx, profiler.Stop, cdp.Empty{})
	if err != nil {
		return err
	}
	p := res.Profile
	byNode := map[int64]*profiler.ProfileNode{}
	for _, n := range p.Nodes {
		byNode[n.ID] = n
	}
	self := map[string]float64{}
	var total, busy, script float64
	for i, id := range p.Samples {
		dt := float64(p.TimeDeltas[i]) / 1000
		n := byNode[id]
		if n.CallFrame.FunctionName != "(idle)" {
			busy += dt
		}
		if n.CallFrame.URL != "" {
			script += dt
		}
		key := n.CallFrame.FunctionName
		if key == "" {
			key = "(anonymous)"
		}
		if n.CallFrame.URL != "" {
			u := n.CallFrame.URL[strings.LastIndex(n.CallFrame.URL, "/")+1:]
			key += fmt.Sprintf(" %s:%d:%d", u, n.CallFrame.LineNumber+1, n.CallFrame.ColumnNumber+1)
		}
		self[key] += dt
		total += dt
	}
	keys := make([]string, 0, len(self))
	for k := range self {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return self[keys[i]] > self[keys[j]] })
	fmt.Printf("\n%s worker, %d warm loads, %.0f ms profiled; per load: %.1f ms busy, %.1f ms in its own script; self time per load:\n\n",
		o.name, *loads, total, busy/float64(*loads), script/float64(*loads))
	for i, k := range keys {
		if i == 20 {
			break
		}
		fmt.Printf("  %8.2f ms  %s\n", self[k]/float64(*loads), k)
	}
	return nil
}
