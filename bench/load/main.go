// Command load puts swkit's servers under concurrent load on 127.0.0.1 for a
// bounded time per target and prints a Markdown table: requests, errors,
// latency percentiles, and the server's resident memory (RSS) sampled every
// second, first 10 s against last 10 s, to show whether it stays flat.
//
//	go run ./bench/load [-duration 60s] [-concurrency 32] [-targets serve,subscribe,idempotent]
//
// Targets, each against a fresh process of the swkit binary built into
// bench/work (so that RSS is the server's alone):
//   - serve: GET of a 200-file site through swkit serve (gzip accepted,
//     worker generated in memory), every file in turn.
//   - subscribe: POST /swkit/push/subscriptions to swkit serve with push on
//     (SQLite), each request a new https endpoint: the table grows all along.
//   - idempotent: POST /api/votes to swkit demo, the votes API behind
//     idempotency.Middleware on SQLite; each request a new Idempotency-Key,
//     and one in ten repeats a key its worker sent three requests before,
//     which must be replayed.
//
// An error is a transport error or a status other than the one expected
// (200 for files, 201 for a new subscription or key, 201 with
// Idempotent-Replayed for a repeat). See docs/reliability.md for results.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/swkit/swkit/push"
)

func main() {
	duration := flag.Duration("duration", 60*time.Second, "load time per target")
	concurrency := flag.Int("concurrency", 32, "requests in flight")
	targets := flag.String("targets", "serve,subscribe,idempotent", "comma-separated targets")
	work := flag.String("work", "bench/work/load", "folder for the binary, site and databases")
	flag.Parse()
	if err := run(*duration, *concurrency, strings.Split(*targets, ","), *work); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

type result struct {
	target            string
	requests, errors  int64
	firstErr          string
	lat               []time.Duration
	rss               []int64 // KiB, one a second
	elapsed           time.Duration
	rssStart, rssLast int64
}

func run(duration time.Duration, concurrency int, targets []string, work string) error {
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	bin, err := filepath.Abs(filepath.Join(work, "swkit"))
	if err != nil {
		return err
	}
	build := exec.Command("go", "build", "-o", bin, "./cmd/swkit")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	site, files, err := writeSite(filepath.Join(work, "site"))
	if err != nil {
		return err
	}
	keys, err := push.GenerateVAPIDKeys()
	if err != nil {
		return err
	}
	var results []result
	for _, target := range targets {
		db := filepath.Join(work, target+".db")
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(db + suffix)
		}
		var args []string
		env := os.Environ()
		switch target {
		case "serve", "subscribe":
			args = []string{"serve", "--addr", "127.0.0.1:0", "--db", db, site}
			env = append(env, "SWKIT_VAPID_PUBLIC_KEY="+keys.Public, "SWKIT_VAPID_PRIVATE_KEY="+keys.Private,
				"SWKIT_VAPID_SUBJECT=mailto:load@example.com", "SWKIT_PUSH_TOKEN=")
		case "idempotent":
			args = []string{"demo", "--addr", "127.0.0.1:0", "--db", db}
		default:
			return fmt.Errorf("unknown target %q", target)
		}
		fmt.Fprintf(os.Stderr, "%s: swkit %s, %v at concurrency %d\n", target, strings.Join(args, " "), duration, concurrency)
		res, err := loadOne(target, bin, args, env, files, duration, concurrency)
		if err != nil {
			return fmt.Errorf("%s: %w", target, err)
		}
		results = append(results, res)
	}
	report(results, duration, concurrency)
	return nil
}

// writeSite writes 200 files (HTML, CSS, JS, JSON, SVG, binary) of 1 to 40
// KiB and returns the folder and the URL paths.
func writeSite(dir string) (string, []string, error) {
	os.RemoveAll(dir)
	var paths []string
	exts := []string{"html", "css", "js", "json", "svg", "png"}
	for i := range 200 {
		ext := exts[i%len(exts)]
		name := fmt.Sprintf("f/%03d.%s", i, ext)
		if i == 0 {
			name = "index.html"
		}
		size := 1024 + (i*7919)%(40*1024)
		var b bytes.Buffer
		for b.Len() < size {
			fmt.Fprintf(&b, "line %d of file %d: lorem ipsum dolor sit amet, consectetur adipiscing elit\n", b.Len(), i)
		}
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", nil, err
		}
		if err := os.WriteFile(p, b.Bytes()[:size], 0o644); err != nil {
			return "", nil, err
		}
		paths = append(paths, "/"+name)
	}
	paths = append(paths, "/sw.js", "/swkit.js", "/")
	return dir, paths, nil
}

var urlLine = regexp.MustCompile(`http://127\.0\.0\.1:\d+/`)

func loadOne(target, bin string, args, env []string, files []string, duration time.Duration, concurrency int) (result, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return result{}, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return result{}, err
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}()
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sent := false
		for sc.Scan() {
			if u := urlLine.FindString(sc.Text()); u != "" && !sent {
				urlc <- strings.TrimSuffix(u, "/")
				sent = true
			}
		}
	}()
	var base string
	select {
	case base = <-urlc:
	case <-time.After(30 * time.Second):
		return result{}, fmt.Errorf("no URL printed; stderr: %s", stderr.String())
	}

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency, MaxConnsPerHost: concurrency}, Timeout: 30 * time.Second}
	next, err := requester(target, base, files, concurrency)
	if err != nil {
		return result{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	res := result{target: target}
	var mu sync.Mutex
	var requests, errors atomic.Int64
	var wg sync.WaitGroup
	var rssMu sync.Mutex
	sampleDone := make(chan struct{})
	go func() {
		defer close(sampleDone)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			rssMu.Lock()
			res.rss = append(res.rss, rssKiB(cmd.Process.Pid))
			rssMu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	start := time.Now()
	for w := range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, 1<<16)
			for i := w; ctx.Err() == nil; i += concurrency {
				req, check := next(i)
				t0 := time.Now()
				resp, err := client.Do(req)
				var problem string
				if err != nil {
					if ctx.Err() != nil {
						break // the load ended mid-request
					}
					problem = err.Error()
				} else {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					problem = check(resp)
				}
				lat = append(lat, time.Since(t0))
				requests.Add(1)
				if problem != "" {
					if errors.Add(1) == 1 {
						mu.Lock()
						res.firstErr = problem
						mu.Unlock()
					}
				}
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	<-sampleDone
	res.requests, res.errors = requests.Load(), errors.Load()
	return res, nil
}

// requester returns, for the i-th request of a target, the request and a
// check of its response ("" when as expected).
func requester(target, base string, files []string, concurrency int) (func(i int) (*http.Request, func(*http.Response) string), error) {
	status := func(want int) func(*http.Response) string {
		return func(r *http.Response) string {
			if r.StatusCode != want {
				return fmt.Sprintf("status %d, want %d", r.StatusCode, want)
			}
			return ""
		}
	}
	switch target {
	case "serve":
		return func(i int) (*http.Request, func(*http.Response) string) {
			req, _ := http.NewRequest("GET", base+files[i%len(files)], nil)
			req.Header.Set("Accept-Encoding", "gzip")
			return req, status(200)
		}, nil
	case "subscribe":
		priv, err := ecdh.P256().GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		auth := make([]byte, 16)
		rand.Read(auth)
		p256dh := base64.RawURLEncoding.EncodeToString(priv.PublicKey().Bytes())
		authS := base64.RawURLEncoding.EncodeToString(auth)
		return func(i int) (*http.Request, func(*http.Response) string) {
			body, _ := json.Marshal(map[string]any{
				"endpoint": "https://push.example.com/load/" + strconv.Itoa(i),
				"keys":     map[string]string{"p256dh": p256dh, "auth": authS},
			})
			req, _ := http.NewRequest("POST", base+"/swkit/push/subscriptions", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			return req, status(201)
		}, nil
	case "idempotent":
		run := strconv.FormatInt(time.Now().UnixNano(), 36)
		// A repeat goes back three rounds of the same worker (requests i,
		// i+concurrency, ... are one worker's), so its first request has
		// surely completed; back%10 != 0 keeps that one an original.
		back := 3 * concurrency
		if back%10 == 0 {
			back += concurrency
		}
		return func(i int) (*http.Request, func(*http.Response) string) {
			key, replay := i, false
			if i%10 == 9 && i >= back {
				key, replay = i-back, true
			}
			body := fmt.Sprintf(`{"cat":%d,"note":"load %d"}`, key%10+1, key)
			req, _ := http.NewRequest("POST", base+"/api/votes", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", "load-"+run+"-"+strconv.Itoa(key))
			return req, func(r *http.Response) string {
				if problem := status(201)(r); problem != "" {
					return problem
				}
				if got := r.Header.Get("Idempotent-Replayed") == "true"; got != replay {
					return fmt.Sprintf("key %d: Idempotent-Replayed %v, want %v", key, got, replay)
				}
				return ""
			}
		}, nil
	}
	return nil, fmt.Errorf("unknown target %q", target)
}

// rssKiB reads VmRSS of a process from /proc.
func rssKiB(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	return -1
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p * float64(len(sorted)-1))
	return sorted[i]
}

func mean(xs []int64) float64 {
	if len(xs) == 0 {
		return 0
	}
	var s int64
	for _, x := range xs {
		s += x
	}
	return float64(s) / float64(len(xs))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000) }

func report(results []result, duration time.Duration, concurrency int) {
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("%v per target, %d requests in flight, 127.0.0.1; load average after: %s\n\n", duration, concurrency, strings.Join(strings.Fields(string(load))[:3], " "))
	fmt.Println("| target | requests | req/s | errors | p50 ms | p90 ms | p99 ms | max ms | RSS first 10 s MiB | RSS last 10 s MiB | RSS max MiB |")
	fmt.Println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, r := range results {
		slices.Sort(r.lat)
		n := min(10, len(r.rss)/2)
		first, last := mean(r.rss[:n]), mean(r.rss[len(r.rss)-n:])
		fmt.Printf("| %s | %d | %.0f | %d | %s | %s | %s | %s | %.1f | %.1f | %.1f |\n",
			r.target, r.requests, float64(r.requests)/r.elapsed.Seconds(), r.errors,
			ms(percentile(r.lat, .50)), ms(percentile(r.lat, .90)), ms(percentile(r.lat, .99)), ms(percentile(r.lat, 1)),
			first/1024, last/1024, float64(slices.Max(r.rss))/1024)
	}
	for _, r := range results {
		if r.firstErr != "" {
			fmt.Printf("\n%s: first error: %s\n", r.target, r.firstErr)
		}
	}
	fmt.Println()
	for _, r := range results {
		var b strings.Builder
		for i, k := range r.rss {
			if i > 0 {
				b.WriteString(" ")
			}
			fmt.Fprintf(&b, "%.0f", float64(k)/1024)
		}
		fmt.Printf("%s RSS MiB, one a second: %s\n", r.target, b.String())
	}
}
