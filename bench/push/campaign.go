package main

// The campaign benchmark: a million subscriptions with real keys in
// PostgreSQL, delivered by swkit push worker processes to several local
// stub push services, with one worker and then two. It reports the
// deliveries per second end to end (from the first claim to the last
// outcome recorded) and each worker's peak resident memory (VmHWM).

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/swkit/swkit/internal/pgtest"
	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/push/campaign"
	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/postgres"
)

type campaignFlags struct {
	subs, services, conc int
	h2                   bool
	workers              string
	dsn                  string
	cpuprofile           string
}

func runCampaignBench(f campaignFlags) {
	ctx := context.Background()
	dsn := f.dsn
	if dsn == "" {
		srv, err := pgtest.Start()
		if err != nil {
			log.Fatal(err)
		}
		defer srv.Close()
		dsn = srv.DSN()
	}
	st, err := postgres.Open(ctx, dsn, store.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()

	var stubs []*stub
	var pems []byte
	for range f.services {
		s, err := startStub(f.h2, !f.h2)
		if err != nil {
			log.Fatal(err)
		}
		defer s.close()
		stubs = append(stubs, s)
		pems = append(pems, s.cert...)
	}
	work := filepath.Join("bench", "work")
	os.MkdirAll(work, 0o755)
	caFile := filepath.Join(work, "stub-ca.pem")
	if err := os.WriteFile(caFile, pems, 0o644); err != nil {
		log.Fatal(err)
	}
	bin := filepath.Join(work, "swkit")
	build := []string{"build", "-o", bin}
	if f.cpuprofile != "" {
		build = append(build, "-tags", "swkitprofile")
	}
	if out, err := exec.Command("go", append(build, "./cmd/swkit")...).CombinedOutput(); err != nil {
		log.Fatalf("go build: %v\n%s", err, out)
	}

	n, err := countSubs(ctx, dsn)
	if err != nil {
		log.Fatal(err)
	}
	if n != int64(f.subs) {
		start := time.Now()
		if err := loadSubs(ctx, dsn, stubs, f.subs); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("stored %d subscriptions with fresh P-256 keys in %v\n", f.subs, time.Since(start).Round(time.Millisecond))
	}
	keys, err := push.GenerateVAPIDKeys()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("campaign benchmark: %d subscriptions on PostgreSQL, %d stub push services (%s) on 127.0.0.1, concurrency %d per worker, GOMAXPROCS=%d, %s, load %s\n",
		f.subs, f.services, stubs[0].proto, f.conc, runtime.GOMAXPROCS(0), runtime.Version(), loadAvg())

	for _, w := range strings.Split(f.workers, ",") {
		workers, err := strconv.Atoi(w)
		if err != nil || workers <= 0 {
			log.Fatalf("-workers %q: want counts such as 1,2", f.workers)
		}
		var before int64
		for _, s := range stubs {
			before += s.count.Load()
		}
		createStart := time.Now()
		c, err := st.CreateCampaign(ctx, campaign.Campaign{
			Payload: []byte(`{"title":"A new cat","body":"The cat picture changed.","url":"/","tag":"cat"}`), TTL: time.Hour,
		}, campaign.DefaultBatchSize)
		if err != nil {
			log.Fatal(err)
		}
		created := time.Since(createStart)
		var procs []*exec.Cmd
		for range workers {
			cmd := exec.Command(bin, "push", "worker", "--db", dsn, "--push-allow-private", "--concurrency", strconv.Itoa(f.conc))
			cmd.Env = append(os.Environ(), "SSL_CERT_FILE="+caFile,
				"SWKIT_VAPID_PUBLIC_KEY="+keys.Public, "SWKIT_VAPID_PRIVATE_KEY="+keys.Private,
				"SWKIT_VAPID_SUBJECT=mailto:bench@example.com")
			if f.cpuprofile != "" && len(procs) == 0 {
				// The first worker's first 10 s (cmd/swkit/cpuprofile.go).
				cmd.Env = append(cmd.Env, "SWKIT_CPUPROFILE="+fmt.Sprintf("%s.%dw", f.cpuprofile, workers))
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				log.Fatal(err)
			}
			if os.Getenv("BENCH_PERF") != "" {
				go exec.Command("perf", "record", "-g", "-o", filepath.Join(work, "perf.data"), "-p", strconv.Itoa(cmd.Process.Pid), "--", "sleep", "8").Run()
			}
			procs = append(procs, cmd)
		}
		cpuBefore := cpuByGroup(procs)
		peak := make([]int64, workers)
		var s campaign.Status
		for {
			time.Sleep(500 * time.Millisecond)
			for i, p := range procs {
				peak[i] = max(peak[i], vmHWM(p.Process.Pid))
			}
			if s, err = st.CampaignStatus(ctx, c.ID); err != nil {
				log.Fatal(err)
			}
			if s.Done() {
				break
			}
		}
		cpu := cpuByGroup(procs)
		for _, p := range procs {
			p.Process.Signal(syscall.SIGINT)
			p.Wait()
		}
		var got, bad int64
		for _, s := range stubs {
			got += s.count.Load()
			bad += s.bad.Load()
		}
		if got-before != int64(f.subs) || s.Delivered != int64(f.subs) || bad != 0 {
			log.Fatalf("workers %d: stubs got %d requests (%d not a push), campaign delivered %d, for %d subscriptions", workers, got-before, bad, s.Delivered, f.subs)
		}
		el := s.UpdatedAt.Sub(s.StartedAt)
		var mem []string
		for _, p := range peak {
			mem = append(mem, fmt.Sprintf("%.0f MB", float64(p)/1e6))
		}
		fmt.Printf("%d worker(s): campaign created in %v; %d delivered in %v = %.0f deliveries/s; peak RSS per worker %s; load %s\n",
			workers, created.Round(time.Millisecond), s.Delivered, el.Round(time.Millisecond), float64(s.Delivered)/el.Seconds(), strings.Join(mem, ", "), loadAvg())
		fmt.Printf("  CPU seconds: workers %.1f, PostgreSQL %.1f, stub services %.1f\n",
			cpu[0]-cpuBefore[0], cpu[1]-cpuBefore[1], cpu[2]-cpuBefore[2])
	}
}

func countSubs(ctx context.Context, dsn string) (int64, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	var n int64
	err = conn.QueryRow(ctx, `SELECT count(*) FROM swkit_subscriptions`).Scan(&n)
	return n, err
}

// loadSubs replaces the stored subscriptions with n new ones, each with
// its own P-256 key pair and auth secret, spread over the stubs, with COPY.
func loadSubs(ctx context.Context, dsn string, stubs []*stub, n int) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `TRUNCATE swkit_subscriptions CASCADE`); err != nil {
		return err
	}
	rows := make([][]any, n)
	var wg sync.WaitGroup
	parts := runtime.GOMAXPROCS(0)
	now := time.Now()
	for p := range parts {
		wg.Go(func() {
			auth := make([]byte, 16)
			id := make([]byte, 12)
			for i := p; i < n; i += parts {
				k, err := ecdh.P256().GenerateKey(rand.Reader)
				if err != nil {
					panic(err)
				}
				rand.Read(auth)
				rand.Read(id)
				rows[i] = []any{
					stubs[i%len(stubs)].url + "/push/" + base64.RawURLEncoding.EncodeToString(id),
					base64.RawURLEncoding.EncodeToString(k.PublicKey().Bytes()),
					base64.RawURLEncoding.EncodeToString(auth), now,
				}
			}
		})
	}
	wg.Wait()
	_, err = conn.CopyFrom(ctx, pgx.Identifier{"swkit_subscriptions"}, []string{"endpoint", "p256dh", "auth", "created_at"}, pgx.CopyFromRows(rows))
	if err != nil {
		return err
	}
	_, err = conn.Exec(ctx, `ANALYZE swkit_subscriptions`)
	return err
}

// vmHWM is a process's peak resident set in bytes, 0 once it is gone.
func vmHWM(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

// cpuByGroup is the CPU seconds used so far by the workers, by every
// postgres process, and by this process (the stubs).
func cpuByGroup(workers []*exec.Cmd) [3]float64 {
	var g [3]float64
	for _, p := range workers {
		g[0] += cpuSeconds(p.Process.Pid)
	}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); strings.TrimSpace(string(comm)) == "postgres" {
			g[1] += cpuSeconds(pid)
		}
	}
	g[2] = cpuSeconds(os.Getpid())
	return g
}

// cpuSeconds is utime+stime of a process, from /proc/PID/stat.
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	s, _ := strconv.ParseFloat(f[12], 64)
	return (u + s) / 100 // USER_HZ
}
