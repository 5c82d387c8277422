package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// WebKitGTK's WebKitWebDriver speaks W3C WebDriver (classic,
// https://w3c.github.io/webdriver/): JSON over HTTP. This file is a client
// of the few endpoints the tests need. The Go WebDriver libraries are
// unmaintained and carry Selenium's whole surface; these are a dozen
// requests.

// Where Debian's webkit2gtk-driver installs the driver and its browser;
// $SWKIT_WEBKIT_DRIVER and $SWKIT_MINIBROWSER override them.
const (
	DefaultWebKitDriver = "/usr/bin/WebKitWebDriver"
	DefaultMiniBrowser  = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser"
)

// webkitDriver is one WebKitWebDriver process and the Xvfb display its
// MiniBrowsers open their windows on (what xvfb-run does, but with a display
// that Xvfb picks itself and both ending with the test binary).
type webkitDriver struct {
	xvfb, cmd *exec.Cmd
	base      string // http://127.0.0.1:port
}

func launchWebKitDriver() (*webkitDriver, error) {
	driver := envOr("SWKIT_WEBKIT_DRIVER", DefaultWebKitDriver)
	if err := executable(driver, "WebKitWebDriver", "webkit2gtk-driver", "SWKIT_WEBKIT_DRIVER"); err != nil {
		return nil, err
	}
	if err := executable(envOr("SWKIT_MINIBROWSER", DefaultMiniBrowser), "MiniBrowser", "webkit2gtk-driver", "SWKIT_MINIBROWSER"); err != nil {
		return nil, err
	}
	xvfbPath, err := exec.LookPath("Xvfb")
	if err != nil {
		return nil, fmt.Errorf("Xvfb not found: run `apt-get install -y xvfb` or ./test.sh, which installs it")
	}
	// -displayfd: Xvfb takes a free display and writes its number there.
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	xvfb := exec.Command(xvfbPath, "-displayfd", "3", "-nolisten", "tcp", "-screen", "0", "1280x1024x24")
	xvfb.ExtraFiles = []*os.File{w}
	xvfb.SysProcAttr = childAttr()
	err = xvfb.Start()
	w.Close()
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("starting Xvfb: %w", err)
	}
	d := &webkitDriver{xvfb: xvfb}
	display, err := waitLine(r, regexp.MustCompile(`^(\d+)$`), 60*time.Second)
	if err != nil {
		d.close()
		return nil, fmt.Errorf("starting Xvfb: %w", err)
	}
	port, err := freePort()
	if err != nil {
		d.close()
		return nil, err
	}
	d.cmd = exec.Command(driver, "--host=127.0.0.1", "--port="+strconv.Itoa(port))
	d.cmd.Env = append(os.Environ(), "DISPLAY=:"+display)
	d.cmd.SysProcAttr = childAttr()
	if err := d.cmd.Start(); err != nil {
		d.close()
		return nil, fmt.Errorf("starting WebKitWebDriver: %w", err)
	}
	d.base = "http://127.0.0.1:" + strconv.Itoa(port)
	deadline := time.Now().Add(60 * time.Second)
	for {
		var status struct {
			Ready bool `json:"ready"`
		}
		if err := d.do(context.Background(), "GET", "/status", nil, &status); err == nil && status.Ready {
			return d, nil
		}
		if time.Now().After(deadline) {
			d.close()
			return nil, fmt.Errorf("WebKitWebDriver not ready after 60s: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// childAttr puts a browser process in a process group of its own (so that
// stop ends its children too) and has the kernel kill it if the test
// binary dies first (a timeout, a crash), so that no browser outlives it.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// stop ends the process group of cmd, forcibly after 10 s.
func stop(cmd *exec.Cmd) {
	if cmd == nil || cmd.Process == nil {
		return
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}

// freePort is a port of 127.0.0.1 that nothing listens on now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func (d *webkitDriver) close() {
	stop(d.cmd) // and the MiniBrowsers it started, in its group
	stop(d.xvfb)
}

// do sends a WebDriver command and decodes its "value" into out (when not
// nil); a WebDriver error becomes a Go error.
func (d *webkitDriver) do(ctx context.Context, method, path string, body, out any) error {
	var r *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	} else {
		r = bytes.NewReader(nil)
	}
	req, err := http.NewRequestWithContext(ctx, method, d.base+path, r)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	var reply struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.NewDecoder(res.Body).Decode(&reply); err != nil {
		return fmt.Errorf("%s %s: %s: %w", method, path, res.Status, err)
	}
	if res.StatusCode != http.StatusOK {
		var e struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		}
		json.Unmarshal(reply.Value, &e)
		return fmt.Errorf("%s %s: %s: %s", method, path, e.Error, e.Message)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(reply.Value, out)
}

// webkitSession is one MiniBrowser with its windows. Classic WebDriver
// acts on the session's current window, so a command for a tab switches to
// its window first, under mu.
type webkitSession struct {
	d    *webkitDriver
	path string // /session/<id>

	mu      sync.Mutex
	current string // the handle of the current window
}

func (d *webkitDriver) newSession() (*webkitSession, error) {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()
	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName": "MiniBrowser",
		"webkitgtk:browserOptions": map[string]any{
			"binary": envOr("SWKIT_MINIBROWSER", DefaultMiniBrowser),
			"args":   []string{"--automation"},
		},
	}}}
	var created struct {
		SessionID string `json:"sessionId"`
	}
	if err := d.do(ctx, "POST", "/session", caps, &created); err != nil {
		return nil, fmt.Errorf("webkit: new session: %w", err)
	}
	s := &webkitSession{d: d, path: "/session/" + created.SessionID}
	ms := int(DefaultTimeout / time.Millisecond)
	if err := d.do(ctx, "POST", s.path+"/timeouts", map[string]any{"script": ms, "pageLoad": ms}, nil); err != nil {
		s.close()
		return nil, fmt.Errorf("webkit: timeouts: %w", err)
	}
	if err := d.do(ctx, "GET", s.path+"/window", nil, &s.current); err != nil {
		s.close()
		return nil, fmt.Errorf("webkit: window handle: %w", err)
	}
	return s, nil
}

func (s *webkitSession) close() {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()
	s.d.do(ctx, "DELETE", s.path, nil, nil)
}

// firstTab is the session's first window.
func (s *webkitSession) firstTab(t testing.TB) *Tab {
	return &Tab{T: t, Engine: WebKit, Timeout: DefaultTimeout, drv: &webkitTab{s: s, handle: s.current}}
}

// newTab opens another window of the session.
func (s *webkitSession) newTab(t testing.TB) *Tab {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()
	var w struct {
		Handle string `json:"handle"`
	}
	s.mu.Lock()
	err := s.d.do(ctx, "POST", s.path+"/window/new", map[string]any{"type": "tab"}, &w)
	s.mu.Unlock()
	if err != nil {
		t.Fatalf("webkit: opening a window: %v", err)
	}
	return &Tab{T: t, Engine: WebKit, Timeout: DefaultTimeout, drv: &webkitTab{s: s, handle: w.Handle}}
}

// webkitTab is one window of a session.
type webkitTab struct {
	s      *webkitSession
	handle string
}

// command switches to the tab's window and sends one command.
func (w *webkitTab) command(ctx context.Context, method, path string, body, out any) error {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	if w.s.current != w.handle {
		if err := w.s.d.do(ctx, "POST", w.s.path+"/window", map[string]any{"handle": w.handle}, nil); err != nil {
			return err
		}
		w.s.current = w.handle
	}
	return w.s.d.do(ctx, method, w.s.path+path, body, out)
}

func (w *webkitTab) navigate(ctx context.Context, url string) error {
	return w.command(ctx, "POST", "/url", map[string]any{"url": url}, nil)
}

func (w *webkitTab) reload(ctx context.Context) error {
	return w.command(ctx, "POST", "/refresh", map[string]any{}, nil)
}

// evalScript runs the expression as an asynchronous script: the last
// argument is the callback that ends it.
const evalScript = `const done = arguments[arguments.length - 1];
%s.then((json) => done({ json }), (e) => done({ error: String(e) }));`

func (w *webkitTab) eval(ctx context.Context, expr string) (string, error) {
	var out struct {
		JSON  *string `json:"json"`
		Error string  `json:"error"`
	}
	script := fmt.Sprintf(evalScript, asJSON(expr))
	if err := w.command(ctx, "POST", "/execute/async", map[string]any{"script": script, "args": []any{}}, &out); err != nil {
		return "", err
	}
	if out.JSON == nil {
		return "", fmt.Errorf("exception: %s", out.Error)
	}
	return *out.JSON, nil
}
