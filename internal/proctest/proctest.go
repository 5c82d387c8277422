// Package proctest runs the real servers that tests talk to (nginx, Caddy,
// Pebble) as programs of their own, until the test ends.
package proctest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// StartupTimeout bounds how long a program may take to listen: generous,
// for two busy cores.
const StartupTimeout = 20 * time.Second

// Start runs the program at path with args (and env added to the test's
// environment), its output in logFile, until the test ends; when port is
// not 0 it waits until 127.0.0.1:port accepts connections, failing the test
// with the log if the program exits first. The returned function ends the
// program earlier.
func Start(t testing.TB, path string, env []string, logFile string, port int, args ...string) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := os.Create(logFile)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-exited; out.Close() }) }
	t.Cleanup(stop)
	if port == 0 {
		return stop
	}
	name := filepath.Base(path)
	deadline := time.Now().Add(StartupTimeout)
	for {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			return stop
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(logFile)
			t.Fatalf("%s exited before it listened:\n%s", name, log)
		default:
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logFile)
			t.Fatalf("%s does not listen on %d after %v:\n%s", name, port, StartupTimeout, log)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// FreePort returns a port of 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
