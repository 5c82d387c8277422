package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/push/campaign"
	"github.com/swkit/swkit/push/pushapi"
	"golang.org/x/term"
)

const (
	pushSendSynopsis   = "send [--db DSN] --title T [--body B] [--url U] [--ttl D] [--to-tag TAG]... [--wait] [--subscription JSON]"
	pushWorkerSynopsis = "worker [--db DSN] [--concurrency N] [--lease D]"
	pushStatusSynopsis = "status [--db DSN] [--json] [ID]"
)

// runPush dispatches "swkit push send|worker|status".
func runPush(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "send":
			return runPushSend(ctx, args[1:], stdout, stderr)
		case "worker":
			return runPushWorker(ctx, args[1:], stdout, stderr)
		case "status":
			return runPushStatus(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "Usage:\n  swkit push %s\n  swkit push %s\n  swkit push %s\n", pushSendSynopsis, pushWorkerSynopsis, pushStatusSynopsis)
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		return nil
	}
	return errUsage
}

// listFlag collects a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// jsonFlag is a flag holding a JSON value.
type jsonFlag struct{ raw json.RawMessage }

func (j *jsonFlag) String() string { return string(j.raw) }

func (j *jsonFlag) Set(v string) error {
	if !json.Valid([]byte(v)) {
		return errors.New("not valid JSON")
	}
	j.raw = json.RawMessage(v)
	return nil
}

// runPushSend records a campaign and prints its id, or with --wait delivers
// it and prints the counts; with --subscription it sends to that one
// subscription at once.
func runPushSend(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := newFlagSet("push", pushSendSynopsis, stderr)
	cfg := addPushFlags(fl, false)
	var n pushapi.Notification
	fl.StringVar(&n.Title, "title", "", "notification title (required)")
	fl.StringVar(&n.Body, "body", "", "notification text")
	fl.StringVar(&n.URL, "url", "", "URL opened when the notification is clicked (relative to the site, or https://...)")
	fl.StringVar(&n.Icon, "icon", "", "icon URL")
	fl.StringVar(&n.Badge, "badge", "", "badge URL (the small monochrome image)")
	fl.StringVar(&n.Image, "image", "", "image URL shown in the notification")
	fl.StringVar(&n.Tag, "tag", "", "a notification replaces an earlier one with the same tag")
	var data, actions jsonFlag
	fl.Var(&data, "data", "JSON value handed to the page on a click")
	fl.Var(&actions, "actions", `buttons as JSON: [{"action":"open","title":"Look"}]`)
	ttl := fl.Duration("ttl", push.DefaultTTL, "how long push services keep an undelivered message; 0: deliver now or never")
	urgency := fl.String("urgency", "", "very-low, low, normal or high (default normal)")
	fl.StringVar(&n.Topic, "topic", "", "replaces an undelivered message with the same topic (32 base64url characters at most)")
	var tags listFlag
	fl.Var(&tags, "to-tag", "send only to subscriptions with this tag; repeatable (any of them)")
	wait := fl.Bool("wait", false, "deliver now and print delivered / gone / failed when done")
	timeout := fl.Duration("timeout", 30*time.Minute, "with --wait or --subscription: give up after this long")
	one := fl.String("subscription", "", "send to this one subscription (PushSubscription JSON, or @FILE) instead of the stored ones")
	pos, err := parseFlags(fl, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		fmt.Fprintf(stderr, "swkit push send: unexpected argument %q\n", pos[0])
		fl.Usage()
		return errUsage
	}
	if n.Title == "" {
		return errors.New("--title is required")
	}
	switch {
	case *ttl < 0:
		return fmt.Errorf("--ttl must be 0 or more, got %s", *ttl)
	case *ttl == 0:
		n.TTL = push.NoStore
	default:
		n.TTL = *ttl
	}
	if *timeout <= 0 {
		return fmt.Errorf("--timeout must be positive, got %s", *timeout)
	}
	n.Urgency = push.Urgency(*urgency)
	n.Data = data.raw
	n.Tags = tags
	if actions.raw != nil {
		if err := json.Unmarshal(actions.raw, &n.Actions); err != nil {
			return fmt.Errorf(`--actions: want [{"action": "...", "title": "..."}]: %w`, err)
		}
	}
	// Check the message before opening anything, so a typo costs nothing.
	if err := n.Validate(); err != nil {
		return flagError(err)
	}
	if _, err := n.Payload(); errors.Is(err, push.ErrPayloadTooLarge) {
		return fmt.Errorf("notification too large: its JSON must fit in %d bytes: shorten --body or --title", push.MaxPayload)
	} else if err != nil {
		return flagError(err)
	}

	cfg.resolve()
	if *one != "" {
		if len(tags) > 0 {
			return errors.New("--subscription and --to-tag do not go together")
		}
		ctx, cancel := context.WithTimeout(ctx, *timeout)
		defer cancel()
		return sendOne(ctx, cfg, *one, n, stdout)
	}
	logf := func(string, ...any) {} // failures are summed up below instead
	p, err := cfg.open(ctx, logf, true)
	if err != nil {
		return err
	}
	defer p.Close()
	c, err := p.API.Enqueue(ctx, n)
	if err != nil {
		return flagError(err)
	}
	if !*wait {
		fmt.Fprintln(stdout, c.ID)
		fmt.Fprintf(stderr, "campaign %d queued: swkit serve or swkit push worker on this database delivers it; follow it with: swkit push status %d\n", c.ID, c.ID)
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	w, err := p.Worker(campaign.WorkerOptions{Campaign: c.ID})
	if err != nil {
		return err
	}
	runErr := w.Run(ctx)
	st, err := p.Store.CampaignStatus(context.WithoutCancel(ctx), c.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "delivered %d, gone %d, failed %d\n", st.Delivered, st.Gone, st.Failed)
	if runErr != nil {
		if errors.Is(runErr, context.DeadlineExceeded) {
			return fmt.Errorf("campaign %d not done after --timeout %s (%d queued, %d retrying); the workers go on with it: swkit push status %d", c.ID, *timeout, st.Queued, st.Retrying, c.ID)
		}
		return runErr
	}
	if st.Failed > 0 {
		_, first := w.Failures()
		if first == nil {
			first = errors.New("see the log of the worker that sent them")
		}
		return fmt.Errorf("%d of %d subscriptions failed; first: %w", st.Failed, st.Total, first)
	}
	return nil
}

// sendOne delivers n to the subscription that arg holds (JSON, or @FILE),
// as web-push's send-notification does: nothing is stored.
func sendOne(ctx context.Context, cfg *pushConfig, arg string, n pushapi.Notification, stdout io.Writer) error {
	raw := []byte(arg)
	if name, ok := strings.CutPrefix(arg, "@"); ok {
		var err error
		if raw, err = os.ReadFile(name); err != nil {
			return fmt.Errorf("--subscription: %w", err)
		}
	}
	sub, err := push.ParseSubscription(raw)
	if err != nil {
		return fmt.Errorf("--subscription: %w", err)
	}
	if err := push.CheckEndpoint(sub.Endpoint, cfg.AllowPrivate); err != nil {
		return fmt.Errorf("--subscription: %w", err)
	}
	sender, err := cfg.sender()
	if err != nil {
		return err
	}
	msg, err := n.Message()
	if err != nil {
		return err
	}
	if _, err := sender.Send(ctx, sub, msg); err != nil {
		if errors.Is(err, push.ErrGone) {
			return fmt.Errorf("%w: the browser unsubscribed; drop this subscription", err)
		}
		return err
	}
	fmt.Fprintln(stdout, "delivered 1, gone 0, failed 0")
	return nil
}

// workerGCPercent is swkit push worker's GOGC when the environment sets none.
const workerGCPercent = 400

// runPushWorker delivers campaigns until interrupted.
func runPushWorker(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := newFlagSet("push", pushWorkerSynopsis, stderr)
	cfg := addPushFlags(fl, false)
	conc := fl.Int("concurrency", campaign.DefaultConcurrency, "deliveries in flight")
	lease := fl.Duration("lease", campaign.DefaultLease, "how long the batches of a worker that died wait before another worker takes them over")
	pos, err := parseFlags(fl, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		fmt.Fprintf(stderr, "swkit push worker: unexpected argument %q\n", pos[0])
		fl.Usage()
		return errUsage
	}
	if *conc <= 0 {
		return fmt.Errorf("--concurrency must be positive, got %d", *conc)
	}
	if *lease < time.Second {
		return fmt.Errorf("--lease must be 1s or more, got %s", *lease)
	}
	if os.Getenv("GOGC") == "" {
		// A worker's live heap is small (about 10 MB) and churns with every
		// delivery, so the default GOGC=100 collects very often: 400 cut
		// its CPU per delivery by about 10% for about 18 MB more memory
		// (bench/push -campaign).
		defer debug.SetGCPercent(debug.SetGCPercent(workerGCPercent))
	}
	cfg.resolve()
	logf := func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) }
	p, err := cfg.open(ctx, logf, true)
	if err != nil {
		return err
	}
	defer p.Close()
	w, err := p.Worker(campaign.WorkerOptions{Concurrency: *conc, Lease: *lease})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "push worker running: delivering campaigns until stopped (Ctrl-C)")
	if err := w.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// runPushStatus prints a campaign's counts: a live progress bar on a
// terminal, one line otherwise, JSON with --json.
func runPushStatus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := newFlagSet("push", pushStatusSynopsis, stderr)
	db := fl.String("db", "", "store: a SQLite file, sqlite:PATH or postgres://... (env "+envDB+")")
	asJSON := fl.Bool("json", false, "print the counts as JSON")
	pos, err := parseFlags(fl, args)
	if err != nil {
		return err
	}
	var id int64
	switch len(pos) {
	case 0:
	case 1:
		if id, err = strconv.ParseInt(pos[0], 10, 64); err != nil || id <= 0 {
			return fmt.Errorf("campaign id %q: want the number swkit push send printed", pos[0])
		}
	default:
		fmt.Fprintf(stderr, "swkit push status: unexpected argument %q\n", pos[1])
		fl.Usage()
		return errUsage
	}
	cfg := &pushConfig{}
	cfg.DB = *db
	cfg.resolve()
	st, err := cfg.openStore(ctx, true)
	if err != nil {
		return err
	}
	defer st.Close()
	read := func() (campaign.Status, error) {
		if id == 0 {
			return st.LatestCampaign(ctx)
		}
		return st.CampaignStatus(ctx, id)
	}
	s, err := read()
	if errors.Is(err, campaign.ErrNotFound) {
		if id == 0 {
			return errors.New(`no campaign in this database yet: "swkit push send" records one`)
		}
		return fmt.Errorf("no campaign %d in this database: check --db", id)
	}
	if err != nil {
		return err
	}
	id = s.ID
	switch {
	case *asJSON:
		b, _ := json.Marshal(s.JSON(time.Now()))
		fmt.Fprintf(stdout, "%s\n", b)
		return nil
	case !isTerminal(stdout):
		fmt.Fprintln(stdout, statusLine(&s, time.Now()))
		return nil
	}
	// A live bar, redrawn in place, until the campaign is done or the
	// user stops watching.
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		fmt.Fprintf(stdout, "\r\033[K%s %s", bar(&s, 30), statusLine(&s, time.Now()))
		if s.Done() {
			fmt.Fprintln(stdout)
			return nil
		}
		select {
		case <-ctx.Done():
			fmt.Fprintln(stdout)
			return nil
		case <-tick.C:
		}
		if next, err := read(); err == nil {
			s = next
		}
	}
}

func statusLine(s *campaign.Status, now time.Time) string {
	state := "running"
	switch {
	case s.Done():
		state = "done"
	case s.StartedAt.IsZero():
		state = "waiting for a worker"
	}
	return fmt.Sprintf("campaign %d %s: queued %d, delivered %d, gone %d, failed %d, retrying %d, %.0f/s",
		s.ID, state, s.Queued, s.Delivered, s.Gone, s.Failed, s.Retrying, s.Rate(now))
}

// bar draws the share of deliveries with an outcome.
func bar(s *campaign.Status, width int) string {
	doneN := s.Delivered + s.Gone + s.Failed
	frac := 1.0
	if s.Total > 0 {
		frac = float64(doneN) / float64(s.Total)
	}
	full := min(int(frac*float64(width)), width)
	return fmt.Sprintf("[%s%s] %3.0f%%", strings.Repeat("#", full), strings.Repeat(".", width-full), frac*100)
}

// isTerminal reports whether w is a terminal. A character device is not
// enough: /dev/null is one, and "swkit push status >/dev/null" in a cron
// job must print once and return, not draw a bar until the campaign ends.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// flagError names the flag behind a notification field.
func flagError(err error) error {
	var fe *pushapi.FieldError
	if errors.As(err, &fe) {
		name := fe.Field
		if name == "tags" {
			name = "to-tag"
		}
		return fmt.Errorf("--%s: %s", name, fe.Problem)
	}
	return err
}
