package storetest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/swkit/swkit/idempotency"
)

// Environment of a child process started by RaceProcesses.
const (
	envChildDSN  = "SWKIT_STORETEST_CHILD_DSN"
	envChildKeys = "SWKIT_STORETEST_CHILD_KEYS"
)

// ChildMain serves RaceProcesses: call it first in the backend's TestMain.
// In a child process it opens the store with open, claims the keys when told
// to start, prints the ones it won, and exits; elsewhere it returns at once.
func ChildMain(open func(ctx context.Context, dsn string) (Store, error)) {
	dsn := os.Getenv(envChildDSN)
	if dsn == "" {
		return
	}
	if err := child(open, dsn); err != nil {
		fmt.Fprintln(os.Stderr, "storetest child:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func child(open func(ctx context.Context, dsn string) (Store, error), dsn string) error {
	var keys int
	if _, err := fmt.Sscan(os.Getenv(envChildKeys), &keys); err != nil {
		return fmt.Errorf("%s: %w", envChildKeys, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := open(ctx, dsn)
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Println("ready")
	// Wait for the parent's word, so that every child races from an open store.
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		return fmt.Errorf("wait for start: %w", err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	out := bufio.NewWriter(os.Stdout)
	for w := range 4 {
		wg.Go(func() {
			for i := range keys {
				k := fmt.Sprintf("key-%d", (i+w*keys/4)%keys)
				c, err := s.BeginIdempotent(ctx, k, "h", time.Hour)
				mu.Lock()
				switch {
				case errors.Is(err, idempotency.ErrInProgress):
				case err != nil:
					if firstErr == nil {
						firstErr = err
					}
				case c.Claimed():
					fmt.Fprintln(out, "claimed", k)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if err := out.Flush(); err != nil {
		return err
	}
	return firstErr
}

// RaceProcesses starts n copies of the test binary (see ChildMain), each
// opening its own store on dsn, and has them race to claim the same keys: each
// key must be claimed exactly once across the processes, as with server
// processes behind a load balancer.
func RaceProcesses(t *testing.T, dsn string, n, keys int) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	type proc struct {
		cmd    *exec.Cmd
		stdin  io.WriteCloser
		stdout *bufio.Reader
		stderr strings.Builder
	}
	procs := make([]*proc, n)
	for i := range procs {
		p := &proc{cmd: exec.Command(exe, "-test.run=^$")}
		p.cmd.Env = append(os.Environ(), envChildDSN+"="+dsn, fmt.Sprintf("%s=%d", envChildKeys, keys))
		p.cmd.Stderr = &p.stderr
		if p.stdin, err = p.cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
		out, err := p.cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		p.stdout = bufio.NewReader(out)
		if err := p.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.cmd.Process.Kill(); p.cmd.Wait() })
		procs[i] = p
	}
	for i, p := range procs {
		if line, err := p.stdout.ReadString('\n'); line != "ready\n" {
			t.Fatalf("child %d: %q, %v; stderr:\n%s", i, line, err, p.stderr.String())
		}
	}
	for _, p := range procs {
		io.WriteString(p.stdin, "go\n")
	}
	wins := map[string]int{}
	for i, p := range procs {
		out, _ := io.ReadAll(p.stdout)
		if err := p.cmd.Wait(); err != nil {
			t.Fatalf("child %d: %v; stderr:\n%s", i, err, p.stderr.String())
		}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if k, ok := strings.CutPrefix(line, "claimed "); ok {
				wins[k]++
			}
		}
	}
	for i := range keys {
		k := fmt.Sprintf("key-%d", i)
		if wins[k] != 1 {
			t.Errorf("%s claimed %d times across %d processes, want once", k, wins[k], n)
		}
	}
}
