package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/jackc/pgx/v5"

	"github.com/swkit/swkit/internal/pgtest"
	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/push/campaign"
	"github.com/swkit/swkit/push/pushtest"
	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/postgres"
	"github.com/swkit/swkit/store/sqlite"
)

// envChild makes the test binary run as the swkit command (see TestMain).
const envChild = "SWKIT_TEST_CHILD"

// TestPushCampaignLifecycle: send records a campaign and prints its id,
// status shows it queued, a worker delivers it, status shows the counts.
func TestPushCampaignLifecycle(t *testing.T) {
	f := newPushFixture(t, 3)
	code, stdout, stderr := runCmd(t, append([]string{"push", "send", "--title", "hi"}, f.flags()...)...)
	if code != 0 || stdout != "1\n" || !strings.Contains(stderr, "swkit push status 1") {
		t.Fatalf("send: exit %d, stdout %q, stderr %q; want the id alone and a hint", code, stdout, stderr)
	}
	if n := f.svc.Requests(); n != 0 {
		t.Errorf("send without --wait made %d requests", n)
	}
	code, stdout, _ = runCmd(t, "push", "status", "--db", f.db, "--json", "1")
	var st campaign.StatusJSON
	if code != 0 || json.Unmarshal([]byte(stdout), &st) != nil || st.Queued != 3 || st.Done {
		t.Fatalf("status --json: exit %d, %s; want 3 queued", code, stdout)
	}

	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int)
	go func() { done <- run(ctx, append([]string{"push", "worker"}, f.flags()...), &out, &errOut) }()
	for deadline := time.Now().Add(20 * time.Second); len(f.svc.Messages()) < 3; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the worker delivered %d of 3; stderr %s", len(f.svc.Messages()), errOut.String())
		}
	}
	var line string
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(line, "done"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("status never said done: %q", line)
		}
		_, line, _ = runCmd(t, "push", "status", "--db", f.db)
	}
	if !strings.HasPrefix(line, "campaign 1 done: queued 0, delivered 3, gone 0, failed 0, retrying 0, ") {
		t.Errorf("status: %q", line)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("worker exit %d; stderr %s", code, errOut.String())
	}
	if m := f.svc.Messages()[0]; m.Topic != "campaign-1" {
		t.Errorf("topic %q, want campaign-1, so that a repeat replaces an undelivered copy", m.Topic)
	}
}

// TestPushSendFields: the flags the HTTP API has, and tag targeting.
func TestPushSendFields(t *testing.T) {
	f := newPushFixture(t, 2)
	st, err := sqlite.Open(t.Context(), f.db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetTags(t.Context(), f.subs[1].Endpoint, []string{"news"}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	code, stdout, stderr := runCmd(t, append([]string{"push", "send", "--title", "hi", "--badge", "/b.png", "--image", "/i.png",
		"--data", `{"n":1}`, "--actions", `[{"action":"open","title":"Look"}]`, "--to-tag", "news", "--wait"}, f.flags()...)...)
	if code != 0 || stdout != "delivered 1, gone 0, failed 0\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	msgs := f.svc.Messages()
	want := `{"title":"hi","badge":"/b.png","image":"/i.png","actions":[{"action":"open","title":"Look"}],"data":{"n":1}}`
	if len(msgs) != 1 || msgs[0].Endpoint != f.subs[1].Endpoint || string(msgs[0].Plaintext) != want {
		t.Errorf("messages %+v: want one to the tagged subscription with %s", msgs, want)
	}
	for _, tc := range []struct{ args, want string }{
		{"--actions [{}]", "--actions[0].action: required"},
		{"--data {", "invalid value"},
		{"--to-tag a,b", "--to-tag: tag"},
	} {
		code, _, stderr := runCmd(t, append(append([]string{"push", "send", "--title", "hi"}, strings.Fields(tc.args)...), f.flags()...)...)
		if code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want it to say %q", tc.args, code, stderr, tc.want)
		}
	}
}

// TestPushSendOneSubscription: --subscription sends to the subscription
// given, as web-push's CLI does, without the store.
func TestPushSendOneSubscription(t *testing.T) {
	f := newPushFixture(t, 0)
	sub := pushtest.NewSubscription(f.svc)
	b, _ := json.Marshal(sub)
	args := append([]string{"push", "send", "--title", "hi", "--subscription", string(b)}, f.flags()...)
	if code, stdout, stderr := runCmd(t, args...); code != 0 || stdout != "delivered 1, gone 0, failed 0\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	f.svc.Respond(sub.Endpoint, pushtest.Response{Status: 429, RetryAfter: "3600"})
	code, _, stderr := runCmd(t, args...)
	if code != 1 || !strings.Contains(stderr, "429 Too Many Requests") || !strings.Contains(stderr, "retry after 1h0m0s") {
		t.Errorf("a 429: exit %d, stderr %q; want the Retry-After shown", code, stderr)
	}
}

func TestPushStatusErrors(t *testing.T) {
	f := newPushFixture(t, 0)
	if code, _, stderr := runCmd(t, "push", "status", "--db", f.db); code != 1 || !strings.Contains(stderr, "no campaign in this database yet") {
		t.Errorf("no campaign: exit %d, %q", code, stderr)
	}
	if code, _, stderr := runCmd(t, "push", "status", "--db", f.db, "7"); code != 1 || !strings.Contains(stderr, "no campaign 7") {
		t.Errorf("missing id: exit %d, %q", code, stderr)
	}
	if code, _, stderr := runCmd(t, "push", "status", "--db", f.db, "x"); code != 1 || !strings.Contains(stderr, `campaign id "x"`) {
		t.Errorf("bad id: exit %d, %q", code, stderr)
	}
}

// TestPushKillWorker: two swkit push worker processes on one PostgreSQL
// share a campaign; one is killed with SIGKILL in the middle and started
// again. Every subscription gets the message; none whose delivery was
// recorded gets it twice; the repeats stay within the documented bound.
func TestPushKillWorker(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and worker processes")
	}
	const (
		subs        = 2000
		concurrency = 4
	)
	clearPushEnv(t)
	dsn := pgtest.DB(t)
	keys, err := push.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	svc := pushtest.NewServer()
	defer svc.Close()
	svc.SetDelay(5 * time.Millisecond) // slow enough to kill a worker mid-campaign
	st, err := postgres.Open(t.Context(), dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var all []string
	for range subs {
		s := pushtest.NewSubscription(svc)
		all = append(all, s.Endpoint)
		if _, err := st.PutSubscription(t.Context(), s); err != nil {
			t.Fatal(err)
		}
	}
	flags := []string{"--db", dsn, "--vapid-public-key", keys.Public, "--vapid-private-key", keys.Private,
		"--vapid-subject", "mailto:ops@example.com", "--push-allow-private"}
	code, stdout, stderr := runCmd(t, append([]string{"push", "send", "--title", "kill test"}, flags...)...)
	if code != 0 {
		t.Fatalf("send: exit %d, %s", code, stderr)
	}
	id := strings.TrimSpace(stdout)

	worker := append([]string{"push", "worker", "--concurrency", fmt.Sprint(concurrency), "--lease", "2s"}, flags...)
	a := startChild(t, worker...)
	b := startChild(t, worker...)
	waitFor(t, "a quarter delivered", func() bool { return len(svc.Messages()) >= subs/4 })
	if err := a.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	a.Wait()
	recorded := recordedDeliveries(t, dsn, id)
	t.Logf("killed one worker at %d messages, %d deliveries recorded", len(svc.Messages()), len(recorded))
	startChild(t, worker...)

	waitFor(t, "the campaign done", func() bool {
		_, out, _ := runCmd(t, "push", "status", "--db", dsn, id)
		return strings.Contains(out, " done: ")
	})
	b.Process.Signal(syscall.SIGINT)

	got := map[string]int{}
	for _, m := range svc.Messages() {
		got[m.Endpoint]++
		if m.Topic != "campaign-"+id {
			t.Fatalf("message with topic %q, want campaign-%s", m.Topic, id)
		}
	}
	repeats := 0
	for _, ep := range all {
		switch n := got[ep]; {
		case n == 0:
			t.Errorf("a subscription got nothing")
		case n > 1:
			repeats += n - 1
			if recorded[ep] {
				t.Errorf("a subscription whose delivery was recorded before the kill got %d copies", n)
			}
		}
	}
	bound := concurrency + campaign.DefaultFlushSize
	t.Logf("%d subscriptions, %d messages, %d repeats (bound %d)", subs, len(svc.Messages()), repeats, bound)
	if repeats > bound {
		t.Errorf("%d repeats, more than Concurrency + FlushSize = %d", repeats, bound)
	}
	_, out, _ := runCmd(t, "push", "status", "--db", dsn, "--json", id)
	var sj campaign.StatusJSON
	if err := json.Unmarshal([]byte(out), &sj); err != nil || sj.Delivered != subs || sj.Total != subs || !sj.Done {
		t.Errorf("status %s: want %d delivered of %d, done", out, subs, subs)
	}
}

// recordedDeliveries is every subscription whose delivery the store has
// recorded: outcomes of open batches, and the ranges of done ones.
func recordedDeliveries(t *testing.T, dsn, id string) map[string]bool {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(t.Context(), `
		SELECT s.endpoint FROM swkit_subscriptions s JOIN swkit_push_batches b
			ON b.campaign_id = $1 AND b.done AND s.endpoint > b.lo AND (b.hi IS NULL OR s.endpoint <= b.hi)`, id)
	if err != nil {
		t.Fatal(err)
	}
	eps, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	// Open batches: their outcome chunks, [[endpoint, state, ...], ...].
	rows, err = conn.Query(t.Context(), `SELECT outcomes FROM swkit_push_outcomes WHERE campaign_id = $1`, id)
	if err != nil {
		t.Fatal(err)
	}
	chunks, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range chunks {
		var outs [][]any
		if err := json.Unmarshal(c, &outs); err != nil {
			t.Fatal(err)
		}
		for _, o := range outs {
			if o[1] == float64(campaign.Delivered) {
				eps = append(eps, o[0].(string))
			}
		}
	}
	m := map[string]bool{}
	for _, e := range eps {
		m[e] = true
	}
	return m
}

// startChild starts the test binary as "swkit args..." in its own process
// and kills it when the test ends.
func startChild(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), envChild+"=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			t.Log("child:", sc.Text())
		}
		io.Copy(io.Discard, stderr)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestPushStatusTerminal: on a terminal, status redraws a progress bar in
// place until the campaign is done; on /dev/null (a character device, but
// no terminal) it prints once and returns at once.
func TestPushStatusTerminal(t *testing.T) {
	const subs = 40
	f := newPushFixture(t, subs)
	f.svc.SetDelay(50 * time.Millisecond) // slow enough to see the bar move
	if code, _, stderr := runCmd(t, append([]string{"push", "send", "--title", "hi"}, f.flags()...)...); code != 0 {
		t.Fatalf("send: %s", stderr)
	}

	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	if code := run(t.Context(), []string{"push", "status", "--db", f.db, "1"}, devNull, io.Discard); code != 0 {
		t.Fatalf("status to %s: exit %d", os.DevNull, code)
	}

	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	var screen syncBuffer
	go io.Copy(&screen, ptmx)
	status := make(chan int, 1)
	go func() {
		defer tty.Close()
		status <- run(t.Context(), []string{"push", "status", "--db", f.db, "1"}, tty, io.Discard)
	}()
	waitFor(t, "the bar, waiting for a worker", func() bool {
		return strings.Contains(screen.String(), "[..............................]   0% campaign 1 waiting for a worker")
	})

	ctx, cancel := context.WithCancel(t.Context())
	worker := make(chan int, 1)
	go func() {
		worker <- run(ctx, append([]string{"push", "worker", "--concurrency", "2"}, f.flags()...), io.Discard, io.Discard)
	}()
	defer func() { cancel(); <-worker }()
	select {
	case code := <-status:
		if code != 0 {
			t.Fatalf("status exit %d", code)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("status still drawing after 60 s: %q", screen.String())
	}
	waitFor(t, "the last frame", func() bool { return strings.HasSuffix(screen.String(), "\n") })
	frames := strings.Split(strings.TrimSuffix(screen.String(), "\r\n"), "\r\x1b[K")
	last := frames[len(frames)-1]
	if !strings.HasPrefix(last, "[##############################] 100% campaign 1 done: queued 0, delivered 40, ") {
		t.Errorf("last frame %q, want a full bar and the counts", last)
	}
	moving := 0
	for _, fr := range frames {
		if strings.Contains(fr, " running: ") {
			moving++
		}
	}
	t.Logf("%d frames, %d while running", len(frames), moving)
	if moving == 0 {
		t.Errorf("no frame while the campaign ran: %q", screen.String())
	}
}

// TestPushSendWaitTimeout: --wait gives up after --timeout when a push
// service accepts connections and never answers, says so, and leaves the
// campaign to the workers. The delivery in flight first gets up to its
// 10 s (here shorter, its requests having --push-timeout 1s) to end and be
// recorded.
func TestPushSendWaitTimeout(t *testing.T) {
	f := newPushFixture(t, 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, never answered
		}
	}()
	st, err := sqlite.Open(t.Context(), f.db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sub := pushtest.NewSubscription(f.svc)
	sub.Endpoint = "http://" + ln.Addr().String() + "/push/silent"
	if _, err := st.PutSubscription(t.Context(), sub); err != nil {
		t.Fatal(err)
	}
	st.Close()

	done := make(chan struct{})
	var code int
	var stdout, stderr string
	start := time.Now()
	go func() {
		defer close(done)
		code, stdout, stderr = runCmd(t, append([]string{"push", "send", "--title", "hi", "--wait", "--timeout", "2s", "--push-timeout", "1s"}, f.flags()...)...)
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("push send --wait --timeout 2s still running after 60 s")
	}
	t.Logf("returned after %v", time.Since(start).Round(time.Millisecond))
	if code != 1 || stdout != "delivered 0, gone 0, failed 0\n" || !strings.Contains(stderr, "campaign 1 not done after --timeout 2s") {
		t.Errorf("exit %d, stdout %q, stderr %q; want 1 and the campaign left to the workers", code, stdout, stderr)
	}
}
