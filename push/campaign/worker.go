package campaign

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/swkit/swkit/push"
)

// Worker defaults; see WorkerOptions.
const (
	DefaultConcurrency     = 100
	DefaultFlushSize       = 200
	DefaultFlushInterval   = 100 * time.Millisecond
	DefaultLease           = 15 * time.Second
	DefaultPoll            = time.Second
	DefaultDeliveryTimeout = 10 * time.Second
	DefaultMaxAttempts     = 5
	DefaultRetryBase       = 30 * time.Second

	// batchesInFlight is how many batches a worker holds at once: one being
	// fed to the senders while the last requests of the previous one end.
	batchesInFlight = 2
	// pageSize is how many pending subscriptions are read at a time, so a
	// batch that grew after the campaign was created still fits in memory.
	pageSize = 1000
	// maxRetryWait caps the wait between two attempts of one delivery.
	maxRetryWait = 10 * time.Minute
	// slowOrigin is how long a push service that let a delivery time out is
	// limited to slowInFlight requests at a time, so that a service that
	// accepts connections and never answers cannot hold every sender.
	slowOrigin   = 10 * time.Minute
	slowInFlight = 2
	// slowRetry is when a delivery turned away by that limit is tried again.
	slowRetry = 30 * time.Second
	// logFailures bounds the failures a worker logs one by one.
	logFailures = 10
)

// WorkerOptions configures a Worker. Store and Sender are required; zero
// values mean the defaults.
type WorkerOptions struct {
	Store  Store
	Sender *push.Sender
	// Owner names this worker in leases; default host-pid-random.
	Owner string
	// Concurrency bounds the deliveries in flight. Default 100.
	Concurrency int
	// FlushSize is how many outcomes are recorded at most per write; the
	// worker stops sending while that many wait. Default 200. With
	// Concurrency it bounds the repeats after a crash: a killed worker
	// leaves at most Concurrency + FlushSize deliveries made but not
	// recorded, which the next worker makes again.
	FlushSize int
	// FlushInterval is how often outcomes are recorded when fewer than
	// FlushSize wait. Default 100 ms.
	FlushInterval time.Duration
	// Lease is how long a claimed batch stays with this worker without
	// news; it is renewed every Lease/3. A worker that dies holds its
	// batches that long. Default 15 s.
	Lease time.Duration
	// Poll is how often an idle worker looks for work. Default 1 s.
	Poll time.Duration
	// DeliveryTimeout bounds one delivery, retries by the Sender included.
	// Default 10 s.
	DeliveryTimeout time.Duration
	// MaxAttempts is how many times a delivery that fails for a temporary
	// reason (429, 5xx, network) is tried before it counts as Failed.
	// Default 5.
	MaxAttempts int
	// RetryBase is the wait before the second attempt, doubled for each
	// further one up to 10 minutes; a Retry-After is honoured instead.
	// Default 30 s.
	RetryBase time.Duration
	// Campaign, when set, limits the worker to that campaign, and Run
	// returns once it is done.
	Campaign int64
	// Logf receives failures (push service origins only, never endpoints)
	// and store errors. Nil means log.Printf.
	Logf func(format string, args ...any)
}

// Worker delivers campaigns from a Store. Create it with NewWorker.
type Worker struct {
	o WorkerOptions

	mu        sync.Mutex
	throttled map[string]time.Time // origin -> until (429 Retry-After)
	slowUntil map[string]time.Time // origin -> end of its slow period
	inFlight  map[string]int       // origin -> deliveries under way
	campaigns map[int64]*Campaign
	failures  int
	problems  int
	firstErr  error
}

// NewWorker checks opts and returns a Worker.
func NewWorker(opts WorkerOptions) (*Worker, error) {
	if opts.Store == nil {
		return nil, errors.New("campaign: WorkerOptions.Store: required")
	}
	if opts.Sender == nil {
		return nil, errors.New("campaign: WorkerOptions.Sender: required")
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defd := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&opts.Concurrency, DefaultConcurrency)
	def(&opts.FlushSize, DefaultFlushSize)
	def(&opts.MaxAttempts, DefaultMaxAttempts)
	defd(&opts.FlushInterval, DefaultFlushInterval)
	defd(&opts.Lease, DefaultLease)
	defd(&opts.Poll, DefaultPoll)
	defd(&opts.DeliveryTimeout, DefaultDeliveryTimeout)
	defd(&opts.RetryBase, DefaultRetryBase)
	if opts.Owner == "" {
		opts.Owner = defaultOwner()
	}
	if opts.Logf == nil {
		opts.Logf = log.Printf
	}
	return &Worker{
		o:         opts,
		throttled: map[string]time.Time{},
		slowUntil: map[string]time.Time{},
		inFlight:  map[string]int{},
		campaigns: map[int64]*Campaign{},
	}, nil
}

func defaultOwner() string {
	host, _ := os.Hostname()
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// Failures returns how many deliveries this worker recorded as Failed, and
// the first one's error (its text names the push service's origin only).
func (w *Worker) Failures() (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.failures, w.firstErr
}

// batchState is a claimed batch as the feeder and the flusher see it.
type batchState struct {
	ref      BatchRef
	fed      int  // deliveries handed to the senders
	recorded int  // their outcomes, recorded
	complete bool // every pending subscription was fed
	feeding  bool // the feeder is still at it
	lost     bool // another worker holds it now
}

type job struct {
	b   *batchState
	c   *Campaign
	p   Pending
	msg push.Message
}

type result struct {
	b   *batchState
	out Outcome
	// check, without an outcome, asks the flusher to see whether b can be
	// finished or released.
	check bool
}

// Run delivers until ctx ends, or, with WorkerOptions.Campaign set, until
// that campaign is done. When ctx ends it stops taking work, lets the
// deliveries in flight end (each within DeliveryTimeout), records their
// outcomes and releases its batches, then returns ctx's error.
func (w *Worker) Run(ctx context.Context) error {
	jobs := make(chan job)
	results := make(chan result)
	slots := make(chan struct{}, batchesInFlight)

	var pool sync.WaitGroup
	for range w.o.Concurrency {
		pool.Go(func() {
			for j := range jobs {
				results <- result{b: j.b, out: w.deliver(j)}
			}
		})
	}
	// Throttles other workers recorded hold from the first request on.
	w.refreshThrottles(ctx)
	fl := &flusher{w: w, slots: slots, active: map[BatchRef]*batchState{}}
	flushed := make(chan struct{})
	go func() {
		defer close(flushed)
		fl.run(ctx, results)
	}()

	err := w.feed(ctx, jobs, results, slots, fl)

	close(jobs)
	pool.Wait()
	close(results)
	<-flushed
	return err
}

// feed claims batches and hands their pending subscriptions to the senders.
func (w *Worker) feed(ctx context.Context, jobs chan<- job, results chan<- result, slots chan struct{}, fl *flusher) error {
	for {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		b, ok, err := w.o.Store.ClaimBatch(ctx, w.o.Owner, w.o.Lease, w.o.Campaign)
		if err != nil || !ok {
			<-slots
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				w.o.Logf("push campaign: claim a batch: %v", err)
			} else if w.o.Campaign != 0 && fl.idle() {
				st, err := w.o.Store.CampaignStatus(ctx, w.o.Campaign)
				if err == nil && st.Done() {
					return nil
				}
				if errors.Is(err, ErrNotFound) {
					return err
				}
			}
			select {
			case <-time.After(w.o.Poll):
				continue
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		c, err := w.campaign(ctx, b.Campaign)
		if err != nil {
			w.o.Logf("push campaign %d: %v", b.Campaign, err)
			w.o.Store.ReleaseBatch(context.WithoutCancel(ctx), w.o.Owner, b.BatchRef)
			<-slots
			continue
		}
		bs := fl.add(b.BatchRef)
		err = w.feedBatch(ctx, b, bs, c, jobs, fl)
		fl.mu.Lock()
		bs.feeding = false
		bs.complete = err == nil && !bs.lost
		fl.mu.Unlock()
		results <- result{b: bs, check: true}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			w.o.Logf("push campaign %d: batch %d: %v", b.Campaign, b.Seq, err)
		}
	}
}

func (w *Worker) feedBatch(ctx context.Context, b Batch, bs *batchState, c *Campaign, jobs chan<- job, fl *flusher) error {
	msg := c.Message()
	after := b.Lo
	for {
		page, err := w.o.Store.PendingDeliveries(ctx, b, after, pageSize)
		if err != nil {
			return err
		}
		for _, p := range page {
			fl.mu.Lock()
			lost := bs.lost
			if !lost {
				bs.fed++
			}
			fl.mu.Unlock()
			if lost {
				return ErrLeaseLost
			}
			select {
			case jobs <- job{b: bs, c: c, p: p, msg: msg}:
			case <-ctx.Done():
				fl.mu.Lock()
				bs.fed--
				fl.mu.Unlock()
				return ctx.Err()
			}
		}
		if len(page) < pageSize {
			return nil
		}
		after = page[len(page)-1].Sub.Endpoint
	}
}

// campaign returns the campaign id, read once.
func (w *Worker) campaign(ctx context.Context, id int64) (*Campaign, error) {
	w.mu.Lock()
	c := w.campaigns[id]
	w.mu.Unlock()
	if c != nil {
		return c, nil
	}
	st, err := w.o.Store.CampaignStatus(ctx, id)
	if err != nil {
		return nil, err
	}
	c = &st.Campaign
	w.mu.Lock()
	w.campaigns[id] = c
	w.mu.Unlock()
	return c, nil
}

// deliver sends one message and says what to record.
func (w *Worker) deliver(j job) Outcome {
	out := Outcome{Batch: j.b.ref, Endpoint: j.p.Sub.Endpoint, Attempts: j.p.Attempts}
	origin := push.Origin(j.p.Sub.Endpoint)
	now := time.Now()
	if until, ok := w.holdOff(origin, now); ok {
		out.State, out.NextAt = Retrying, until
		return out
	}
	defer w.doneWith(origin)

	ctx, cancel := context.WithTimeout(context.Background(), w.o.DeliveryTimeout)
	_, err := w.o.Sender.Send(ctx, j.p.Sub, j.msg)
	cancel()
	var se *push.StatusError
	switch {
	case err == nil:
		out.State = Delivered
		return out
	case errors.Is(err, push.ErrGone):
		out.State = Gone
		return out
	case errors.As(err, &se) && se.Status == http.StatusTooManyRequests:
		// RFC 8030 §8.4: the service asks every sender to slow down, so
		// every worker waits, not just this one.
		wait := max(se.RetryAfter, w.o.RetryBase)
		w.throttle(origin, now.Add(wait))
	case errors.Is(err, context.DeadlineExceeded):
		w.markSlow(origin, now)
	}
	out.Attempts++
	if push.Retryable(err) && out.Attempts < w.o.MaxAttempts {
		out.State = Retrying
		out.NextAt = now.Add(w.retryWait(out.Attempts, se))
		w.problem(j.c.ID, fmt.Errorf("%w; attempt %d of %d, next at %s", err, out.Attempts, w.o.MaxAttempts, out.NextAt.Format(time.TimeOnly)))
		return out
	}
	out.State = Failed
	w.failed(err)
	w.problem(j.c.ID, err)
	return out
}

func (w *Worker) retryWait(attempts int, se *push.StatusError) time.Duration {
	d := min(w.o.RetryBase<<min(attempts-1, 16), maxRetryWait)
	if se != nil && se.RetryAfter > d {
		d = se.RetryAfter
	}
	return d
}

// holdOff reports whether origin must not be sent to now, and until when:
// it is throttled, or it is slow and already has its share of requests.
func (w *Worker) holdOff(origin string, now time.Time) (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if until, ok := w.throttled[origin]; ok && now.Before(until) {
		return until, true
	}
	if until, ok := w.slowUntil[origin]; ok && now.Before(until) && w.inFlight[origin] >= slowInFlight {
		return now.Add(slowRetry), true
	}
	w.inFlight[origin]++
	return time.Time{}, false
}

func (w *Worker) doneWith(origin string) {
	w.mu.Lock()
	if w.inFlight[origin]--; w.inFlight[origin] <= 0 {
		delete(w.inFlight, origin)
	}
	w.mu.Unlock()
}

func (w *Worker) markSlow(origin string, now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	// Subscribers choose origins: keep the map to those still slow.
	if len(w.slowUntil) > 1000 {
		for o, until := range w.slowUntil {
			if !now.Before(until) {
				delete(w.slowUntil, o)
			}
		}
	}
	w.slowUntil[origin] = now.Add(slowOrigin)
}

func (w *Worker) throttle(origin string, until time.Time) {
	w.mu.Lock()
	if until.After(w.throttled[origin]) {
		w.throttled[origin] = until
	}
	w.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), w.o.DeliveryTimeout)
	defer cancel()
	if err := w.o.Store.ThrottleOrigin(ctx, origin, until); err != nil {
		w.o.Logf("push campaign: record the throttle of %s: %v", origin, err)
	}
}

// refreshThrottles reads the throttles other workers recorded.
func (w *Worker) refreshThrottles(ctx context.Context) {
	t, err := w.o.Store.Throttles(ctx)
	if err != nil {
		w.o.Logf("push campaign: read throttles: %v", err)
		return
	}
	w.mu.Lock()
	for origin, until := range t {
		if until.After(w.throttled[origin]) {
			w.throttled[origin] = until
		}
	}
	w.mu.Unlock()
}

func (w *Worker) failed(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.failures++
	if w.firstErr == nil {
		w.firstErr = err
	}
}

// problem logs a failed attempt, the first logFailures of them one by one:
// a push service that is down must not flood the log.
func (w *Worker) problem(id int64, err error) {
	w.mu.Lock()
	w.problems++
	n := w.problems
	w.mu.Unlock()
	if n <= logFailures {
		w.o.Logf("push campaign %d: %v", id, err)
	} else if n == logFailures+1 {
		w.o.Logf("push campaign %d: more failed attempts, not logged one by one; see swkit push status", id)
	}
}

// flusher records outcomes in groups and finishes batches.
type flusher struct {
	w     *Worker
	slots chan struct{}

	mu     sync.Mutex
	active map[BatchRef]*batchState
}

func (f *flusher) add(ref BatchRef) *batchState {
	f.mu.Lock()
	defer f.mu.Unlock()
	bs := &batchState{ref: ref, feeding: true}
	f.active[ref] = bs
	return bs
}

func (f *flusher) idle() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.active) == 0
}

// run records the results until the channel closes. runCtx is Run's: once
// it ends, a store that stays away is given up on (see flush).
func (f *flusher) run(runCtx context.Context, results <-chan result) {
	w := f.w
	flushTick := time.NewTicker(w.o.FlushInterval)
	defer flushTick.Stop()
	leaseTick := time.NewTicker(w.o.Lease / 3)
	defer leaseTick.Stop()
	throttleTick := time.NewTicker(time.Second)
	defer throttleTick.Stop()
	var buf []Outcome
	var bufBatches []*batchState
	// The store may be down for a while: writes use their own context so
	// that a stopping worker still records what it sent.
	ctx := context.Background()

	// flush records buf, trying again while the store is away: the
	// senders wait meanwhile. A stopping worker gives up after a minute, so
	// that a server can shut down without its database; those deliveries
	// are then made again by the next worker.
	flush := func(last bool) {
		deadline := time.Now().Add(time.Minute)
		for len(buf) > 0 {
			wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			err := w.o.Store.RecordOutcomes(wctx, buf)
			cancel()
			if err == nil {
				break
			}
			if (last || runCtx.Err() != nil) && time.Now().After(deadline) {
				// Their batches never settle here; the leases run out.
				w.o.Logf("push campaign: record %d outcomes: %v; giving up, they will be sent again", len(buf), err)
				buf, bufBatches = buf[:0], bufBatches[:0]
				return
			}
			w.o.Logf("push campaign: record %d outcomes: %v; retrying", len(buf), err)
			time.Sleep(time.Second)
		}
		f.mu.Lock()
		for _, bs := range bufBatches {
			bs.recorded++
		}
		f.mu.Unlock()
		buf, bufBatches = buf[:0], bufBatches[:0]
		f.settle(ctx)
	}
	for {
		select {
		case r, ok := <-results:
			if !ok {
				flush(true)
				f.settle(ctx)
				return
			}
			if r.check {
				flush(false)
				continue
			}
			buf = append(buf, r.out)
			bufBatches = append(bufBatches, r.b)
			if len(buf) >= w.o.FlushSize {
				flush(false)
			}
		case <-flushTick.C:
			flush(false)
		case <-leaseTick.C:
			f.extend(ctx)
		case <-throttleTick.C:
			w.refreshThrottles(ctx)
		}
	}
}

// settle finishes the batches whose deliveries are all recorded, and
// releases those a stopping worker leaves half done.
func (f *flusher) settle(ctx context.Context) {
	w := f.w
	f.mu.Lock()
	var ready []*batchState
	for _, bs := range f.active {
		if !bs.feeding && bs.recorded == bs.fed {
			ready = append(ready, bs)
		}
	}
	f.mu.Unlock()
	for _, bs := range ready {
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		var err error
		switch {
		case bs.lost:
		case bs.complete:
			_, err = w.o.Store.FinishBatch(wctx, w.o.Owner, bs.ref)
		default:
			err = w.o.Store.ReleaseBatch(wctx, w.o.Owner, bs.ref)
		}
		cancel()
		if err != nil && !errors.Is(err, ErrLeaseLost) {
			// The lease runs out and another worker redoes the rest.
			w.o.Logf("push campaign %d: batch %d: %v", bs.ref.Campaign, bs.ref.Seq, err)
		}
		f.mu.Lock()
		delete(f.active, bs.ref)
		f.mu.Unlock()
		<-f.slots
	}
}

func (f *flusher) extend(ctx context.Context) {
	w := f.w
	f.mu.Lock()
	refs := make([]BatchRef, 0, len(f.active))
	for ref := range f.active {
		refs = append(refs, ref)
	}
	f.mu.Unlock()
	if len(refs) == 0 {
		return
	}
	wctx, cancel := context.WithTimeout(ctx, w.o.Lease/3)
	lost, err := w.o.Store.ExtendLeases(wctx, w.o.Owner, refs, w.o.Lease)
	cancel()
	if err != nil {
		w.o.Logf("push campaign: renew leases: %v", err)
		return
	}
	f.mu.Lock()
	for _, ref := range lost {
		if bs := f.active[ref]; bs != nil {
			bs.lost = true
		}
	}
	f.mu.Unlock()
}
