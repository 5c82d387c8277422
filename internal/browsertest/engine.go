package browsertest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
)

// The engines the browser tests run in, each from Debian's packages.
const (
	Chromium = "chromium" // over the DevTools protocol (chromedp)
	Firefox  = "firefox"  // Firefox ESR over WebDriver BiDi, headless
	WebKit   = "webkit"   // WebKitGTK's MiniBrowser over WebDriver, under Xvfb
)

// AllEngines lists every engine, in the order Engines runs them.
var AllEngines = []string{Chromium, Firefox, WebKit}

// Engine opens tabs in one browser engine for one test.
type Engine struct {
	Name string

	newTab func(t testing.TB) *Tab
}

// NewTab opens a tab, closed at the test's cleanup. The tabs of one Engine
// share their profile (registrations, caches, IndexedDB).
func (e *Engine) NewTab(t testing.TB) *Tab {
	t.Helper()
	return e.newTab(t)
}

// Engines runs test once per engine of AllEngines, as subtests named after
// them. $SWKIT_ENGINES (say "firefox,webkit") narrows the list, for a quick
// run by hand; the engines it leaves out are reported as skipped. A missing
// browser fails its subtest with a message saying how to install it.
func Engines(t *testing.T, test func(t *testing.T, e *Engine)) {
	t.Helper()
	for _, name := range AllEngines {
		t.Run(name, func(t *testing.T) {
			if !selected(name) {
				t.Skipf("%s left out by SWKIT_ENGINES=%s", name, os.Getenv("SWKIT_ENGINES"))
			}
			test(t, engine(t, name))
		})
	}
}

// selected reports whether $SWKIT_ENGINES, when set, names engine.
func selected(engine string) bool {
	list := os.Getenv("SWKIT_ENGINES")
	return list == "" || slices.Contains(strings.Split(list, ","), engine)
}

// engine returns the Engine of name for test t.
func engine(t *testing.T, name string) *Engine {
	t.Helper()
	switch name {
	case Chromium:
		b := Shared(t)
		return &Engine{Name: name, newTab: b.NewTab}
	case Firefox:
		ff, err := sharedFirefox.get(launchFirefox)
		if err != nil {
			t.Fatal(err)
		}
		return &Engine{Name: name, newTab: ff.newTab}
	case WebKit:
		drv, err := sharedWebKit.get(launchWebKitDriver)
		if err != nil {
			t.Fatal(err)
		}
		return webkitEngine(t, drv.newSession)
	}
	t.Fatalf("browsertest: unknown engine %q", name)
	return nil
}

// webkitEngine opens tabs in one WebDriver session (one MiniBrowser) for
// test t, started by newSession at the first tab: its tabs are windows of
// that session and share its website data.
func webkitEngine(t *testing.T, newSession func() (*webkitSession, error)) *Engine {
	var s *webkitSession
	return &Engine{Name: WebKit, newTab: func(tt testing.TB) *Tab {
		tt.Helper()
		if s == nil {
			var err error
			if s, err = newSession(); err != nil {
				tt.Fatal(err)
			}
			t.Cleanup(s.close)
			return s.firstTab(tt)
		}
		return s.newTab(tt)
	}}
}

// lazy is a browser process that the package starts on first use and Main
// stops at the end.
type lazy[T interface{ close() }] struct {
	mu  sync.Mutex
	v   T
	err error
	ran bool
}

func (l *lazy[T]) get(start func() (T, error)) (T, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.ran {
		l.ran = true
		l.v, l.err = start()
	}
	return l.v, l.err
}

func (l *lazy[T]) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ran && l.err == nil {
		l.v.close()
	}
}

var (
	sharedFirefox lazy[*firefox]
	sharedWebKit  lazy[*webkitDriver]
)

// executable checks that the program at path exists, or says how to install
// the Debian package that has it.
func executable(path, what, pkg, env string) error {
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s not found at %s: run `apt-get install -y %s` or ./test.sh, which installs it (or set %s)", what, path, pkg, env)
		}
		return fmt.Errorf("%s at %s: %w", what, path, err)
	}
	return nil
}

// envOr is $name, or def when it is unset.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// Restartable is a browser of one test's own, which the test may kill and
// start again on the same profile.
type Restartable struct {
	*Engine
	restart func(kill bool) error
}

// Restart stops the browser (with SIGKILL when kill is set, as a crash
// would) and starts it again on the same profile: registrations, Cache
// Storage and IndexedDB survive. Tabs opened before are gone; open new ones.
func (r *Restartable) Restart(kill bool) error { return r.restart(kill) }

// Own starts a browser of e's engine for t alone, on a fresh profile,
// closed at t's cleanup: for tests that kill or restart it. WebKit cannot:
// each WebDriver session of MiniBrowser starts with website data of its
// own, which ends with it, so the test is skipped there, saying why.
func (e *Engine) Own(t *testing.T) *Restartable {
	t.Helper()
	if own, restart := startRestartable(t, e.Name); own != nil {
		return &Restartable{Engine: own, restart: restart}
	}
	t.Skipf("%s: a WebDriver session's website data ends with it, so no restart keeps a profile (docs/testing.md)", e.Name)
	return nil
}

// startRestartable starts a Chromium or a Firefox for t alone, closed at
// t's cleanup, and returns it with its restart; nil for other engines.
func startRestartable(t testing.TB, name string) (*Engine, func(kill bool) error) {
	t.Helper()
	switch name {
	case Chromium:
		b := New(t)
		return &Engine{Name: name, newTab: b.NewTab}, b.Restart
	case Firefox:
		ff, err := launchFirefox()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(ff.close)
		return &Engine{Name: name, newTab: ff.newTab}, ff.Restart
	}
	return nil, nil
}

// Start starts a browser of the engine of name for t alone, outside a
// package of browser tests (a benchmark command), on a fresh profile,
// closed at t's cleanup. Its tabs share that profile.
func Start(t testing.TB, name string) *Engine {
	t.Helper()
	if name != WebKit {
		if e, _ := startRestartable(t, name); e != nil {
			return e
		}
		t.Fatalf("browsertest: unknown engine %q", name)
	}
	drv, err := launchWebKitDriver()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drv.close)
	s, err := drv.newSession()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.close)
	first := true
	return &Engine{Name: name, newTab: func(tt testing.TB) *Tab {
		tt.Helper()
		if first {
			first = false
			return s.firstTab(tt)
		}
		return s.newTab(tt)
	}}
}

// RunCommand runs f with a testing.TB outside a test (a benchmark
// command), printing what it logs and reports to stderr, and reports
// whether it passed.
func RunCommand(f func(t testing.TB)) bool {
	ok := true
	testing.Benchmark(func(b *testing.B) {
		if b.N > 1 {
			return // testing.Benchmark asks for more rounds of a fast function; f runs once
		}
		defer func() { ok = !b.Failed() }()
		f(commandTB{b})
	})
	return ok
}

// commandTB is a testing.TB that prints what fails.
type commandTB struct{ *testing.B }

func (t commandTB) Fatal(args ...any) { fmt.Fprintln(os.Stderr, args...); t.B.FailNow() }
func (t commandTB) Fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	t.B.FailNow()
}
func (t commandTB) Errorf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	t.B.Fail()
}
func (t commandTB) Logf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
