// Package browsertest drives Debian's browsers for swkit's browser tests:
// Chromium over the DevTools protocol (chromedp), Firefox ESR over WebDriver
// BiDi and WebKitGTK over WebDriver (small clients of its own, bidi.go and
// webdriver.go). It serves test sites from a 127.0.0.1 server that can be
// stopped and started again on the same port, for real offline tests.
//
// One browser serves a whole test package:
//
//	func TestMain(m *testing.M) { browsertest.Main(m) }
//
//	func TestOffline(t *testing.T) {
//		tab := browsertest.Shared(t).NewTab(t)
//		srv := browsertest.NewServer(t, handler)
//		tab.Navigate(srv.URL("/"))
//		...
//	}
//
// Each test gets its own tab and its own server port; a port is an origin, so
// tests never see each other's registrations or caches. A test that any
// engine can run takes its tabs from Engines:
//
//	func TestOffline(t *testing.T) {
//		browsertest.Engines(t, func(t *testing.T, e *browsertest.Engine) {
//			tab := e.NewTab(t)
//			...
//		})
//	}
//
// Firefox and WebKit start on first use and stop with Main.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// DefaultExecPath is where Debian installs Chromium; $SWKIT_CHROMIUM overrides it.
const DefaultExecPath = "/usr/bin/chromium"

// ExecPath is the Chromium binary the package starts.
func ExecPath() string {
	if p := os.Getenv("SWKIT_CHROMIUM"); p != "" {
		return p
	}
	return DefaultExecPath
}

// Browser is one Chromium process with its own profile directory.
type Browser struct {
	dataDir string
	ownDir  bool // remove dataDir on Close

	mu          sync.Mutex
	ctx         context.Context // the first tab; every NewTab derives from it
	cancel      context.CancelFunc
	cancelAlloc context.CancelFunc
}

// Launch starts Chromium on the profile in dataDir, or on a fresh temporary
// profile (removed by Close) when dataDir is "".
func Launch(dataDir string) (*Browser, error) {
	path := ExecPath()
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("chromium not found at %s: run `apt-get install -y chromium` or ./test.sh, which installs it", path)
		}
		return nil, fmt.Errorf("chromium at %s: %w", path, err)
	}
	b := &Browser{dataDir: dataDir}
	if dataDir == "" {
		dir, err := os.MkdirTemp("", "swkit-chromium-")
		if err != nil {
			return nil, err
		}
		b.dataDir, b.ownDir = dir, true
	}
	if err := b.start(); err != nil {
		b.removeDir()
		return nil, err
	}
	return b, nil
}

func (b *Browser) start() error {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(ExecPath()),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		// Without these Chromium keeps trying hosts it cannot reach here.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.Headless,
		chromedp.UserDataDir(b.dataDir),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	// No timeout on the first run: the browser lives as long as its context.
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelAlloc()
		return fmt.Errorf("starting chromium: %w", err)
	}
	b.mu.Lock()
	b.ctx, b.cancel, b.cancelAlloc = ctx, cancel, cancelAlloc
	b.mu.Unlock()
	return nil
}

// stop ends the browser, gracefully or with SIGKILL, and waits for it.
func (b *Browser) stop(kill bool) {
	b.mu.Lock()
	ctx, cancel, cancelAlloc := b.ctx, b.cancel, b.cancelAlloc
	b.ctx, b.cancel, b.cancelAlloc = nil, nil, nil
	b.mu.Unlock()
	if ctx == nil {
		return
	}
	if kill {
		if c := chromedp.FromContext(ctx); c != nil && c.Browser != nil {
			if p := c.Browser.Process(); p != nil && p.Kill() == nil {
				// chromedp ends the context when it sees the connection
				// drop; canceling before that starts a graceful close
				// that waits for an answer that never comes.
				select {
				case <-ctx.Done():
				case <-time.After(5 * time.Second):
				}
			}
		}
	}
	cancel()
	cancelAlloc()
}

// Restart stops Chromium (with SIGKILL when kill is set, as a crash would) and
// starts it again on the same profile: registrations, Cache Storage and
// IndexedDB survive. Tabs opened before are gone; open new ones. After a
// restart, navigate before reading a registration (TESTING.md, pitfall 3).
func (b *Browser) Restart(kill bool) error {
	b.stop(kill)
	return b.start()
}

// Close stops Chromium and removes a profile that Launch created.
func (b *Browser) Close() {
	b.stop(false)
	b.removeDir()
}

func (b *Browser) removeDir() {
	if b.ownDir {
		_ = os.RemoveAll(b.dataDir)
	}
}

// DataDir is the browser's profile directory.
func (b *Browser) DataDir() string { return b.dataDir }

// Context is the browser's first tab: a parent for chromedp.NewContext
// (for example with chromedp.WithTargetID to attach to a worker).
func (b *Browser) Context() context.Context {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ctx
}

var shared *Browser

// Main is TestMain for a package of browser tests: it starts one Chromium
// for the package, runs the tests and stops it. A missing Chromium fails the
// package rather than skipping it: browser tests that silently do not run
// prove nothing.
func Main(m *testing.M) {
	b, err := Launch("")
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		os.Exit(1)
	}
	shared = b
	code := m.Run()
	b.Close()
	sharedFirefox.close()
	sharedWebKit.close()
	os.Exit(code)
}

// Shared is the package's browser that Main started.
func Shared(t testing.TB) *Browser {
	t.Helper()
	if shared == nil {
		t.Fatal("browsertest: no shared browser; call browsertest.Main from TestMain")
	}
	return shared
}

// New starts a browser of the test's own, on a fresh profile, closed at
// cleanup: for tests that restart or kill it.
func New(t testing.TB) *Browser {
	t.Helper()
	b, err := Launch("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}
