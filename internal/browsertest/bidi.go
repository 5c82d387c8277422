package browsertest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// Firefox speaks WebDriver BiDi (https://w3c.github.io/webdriver-bidi/)
// natively over a WebSocket, and Debian ships no geckodriver: this file is a
// client of the few commands the tests need (session.new,
// browsingContext.create/navigate/reload/close, script.evaluate). No Go
// library for BiDi is maintained; the protocol is JSON commands and results
// matched by id.

// DefaultFirefox is where Debian installs Firefox ESR; $SWKIT_FIREFOX overrides it.
const DefaultFirefox = "/usr/bin/firefox-esr"

// firefox is one headless Firefox process and its BiDi session.
type firefox struct {
	cmd     *exec.Cmd
	profile string
	conn    *bidiConn
}

// bidiListening is the line Firefox prints once BiDi accepts connections.
var bidiListening = regexp.MustCompile(`WebDriver BiDi listening on (ws://\S+)`)

// launchFirefox starts Firefox ESR headless on a fresh profile, with BiDi on
// a free port, and opens a session.
func launchFirefox() (*firefox, error) {
	path := envOr("SWKIT_FIREFOX", DefaultFirefox)
	if err := executable(path, "firefox", "firefox-esr", "SWKIT_FIREFOX"); err != nil {
		return nil, err
	}
	profile, err := os.MkdirTemp("", "swkit-firefox-")
	if err != nil {
		return nil, err
	}
	// The remote agent sets its recommended preferences (no updates, no
	// telemetry, no first-run pages); these keep it off the network too.
	prefs := `user_pref("network.captive-portal-service.enabled", false);
user_pref("network.connectivity-service.enabled", false);
user_pref("browser.safebrowsing.malware.enabled", false);
user_pref("browser.safebrowsing.phishing.enabled", false);
user_pref("browser.safebrowsing.downloads.enabled", false);
user_pref("extensions.getAddons.cache.enabled", false);
user_pref("services.settings.server", "http://127.0.0.1:9/");
user_pref("network.dns.disablePrefetch", true);
user_pref("network.prefetch-next", false);
`
	if err := os.WriteFile(filepath.Join(profile, "user.js"), []byte(prefs), 0o644); err != nil {
		os.RemoveAll(profile)
		return nil, err
	}
	ff := &firefox{profile: profile}
	if err := ff.start(); err != nil {
		os.RemoveAll(profile)
		return nil, err
	}
	return ff, nil
}

// start runs Firefox on ff's profile and opens a BiDi session.
func (ff *firefox) start() error {
	cmd := exec.Command(envOr("SWKIT_FIREFOX", DefaultFirefox), "--headless", "--no-remote", "--profile", ff.profile, "--remote-debugging-port=0")
	cmd.SysProcAttr = childAttr()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting firefox: %w", err)
	}
	ff.cmd, ff.conn = cmd, nil
	url, err := waitLine(stderr, bidiListening, 60*time.Second)
	if err != nil {
		ff.stop(true)
		return fmt.Errorf("starting firefox: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if ff.conn, err = dialBiDi(ctx, url+"/session"); err != nil {
		ff.stop(true)
		return fmt.Errorf("connecting to firefox: %w", err)
	}
	if _, err := ff.conn.call(ctx, "session.new", map[string]any{"capabilities": map[string]any{}}); err != nil {
		ff.stop(true)
		return fmt.Errorf("firefox session.new: %w", err)
	}
	return nil
}

// waitLine reads r until a line matches re and returns its first group;
// the rest of r is drained in the background (a full pipe would block the
// process).
func waitLine(r io.Reader, re *regexp.Regexp, timeout time.Duration) (string, error) {
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
		close(found)
	}()
	select {
	case s, ok := <-found:
		if !ok {
			return "", errors.New("the browser exited before it listened")
		}
		return s, nil
	case <-time.After(timeout):
		return "", fmt.Errorf("no %q after %v", re, timeout)
	}
}

// stop ends Firefox: with browser.close, or with SIGKILL when kill is set,
// as a crash would.
func (ff *firefox) stop(kill bool) {
	if ff.conn != nil && !kill {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		ff.conn.call(ctx, "browser.close", map[string]any{})
		cancel()
	}
	if kill {
		syscall.Kill(-ff.cmd.Process.Pid, syscall.SIGKILL)
	}
	if ff.conn != nil {
		ff.conn.close()
	}
	stop(ff.cmd) // browser.close or the kill ended it, or this does
}

func (ff *firefox) close() {
	ff.stop(false)
	os.RemoveAll(ff.profile)
}

// Restart stops Firefox (with SIGKILL when kill is set) and starts it
// again on the same profile: registrations, Cache Storage and IndexedDB
// survive. Tabs opened before are gone; open new ones.
func (ff *firefox) Restart(kill bool) error {
	ff.stop(kill)
	return ff.start()
}

// newTab opens a browsing context of its own, closed at t's cleanup.
func (ff *firefox) newTab(t testing.TB) *Tab {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()
	res, err := ff.conn.call(ctx, "browsingContext.create", map[string]any{"type": "tab"})
	if err != nil {
		t.Fatalf("firefox: opening a tab: %v", err)
	}
	var created struct {
		Context string `json:"context"`
	}
	if err := json.Unmarshal(res, &created); err != nil {
		t.Fatal(err)
	}
	tab := firefoxTab{conn: ff.conn, context: created.Context}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
		defer cancel()
		ff.conn.call(ctx, "browsingContext.close", map[string]any{"context": tab.context})
	})
	return &Tab{T: t, Engine: Firefox, Timeout: DefaultTimeout, drv: tab}
}

// firefoxTab is one browsing context.
type firefoxTab struct {
	conn    *bidiConn
	context string
}

func (f firefoxTab) navigate(ctx context.Context, url string) error {
	_, err := f.conn.call(ctx, "browsingContext.navigate", map[string]any{"context": f.context, "url": url, "wait": "complete"})
	return err
}

func (f firefoxTab) reload(ctx context.Context) error {
	_, err := f.conn.call(ctx, "browsingContext.reload", map[string]any{"context": f.context, "wait": "complete"})
	return err
}

func (f firefoxTab) eval(ctx context.Context, expr string) (string, error) {
	res, err := f.conn.call(ctx, "script.evaluate", map[string]any{
		"expression":      asJSON(expr),
		"target":          map[string]any{"context": f.context},
		"awaitPromise":    true,
		"resultOwnership": "none",
	})
	if err != nil {
		return "", err
	}
	var out struct {
		Type   string `json:"type"`
		Result struct {
			Type  string `json:"type"`
			Value string `json:"value"`
		} `json:"result"`
		ExceptionDetails struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	if err := json.Unmarshal(res, &out); err != nil {
		return "", err
	}
	if out.Type == "exception" {
		return "", fmt.Errorf("exception: %s", out.ExceptionDetails.Text)
	}
	if out.Result.Type != "string" {
		return "", fmt.Errorf("result of type %s, want string", out.Result.Type)
	}
	return out.Result.Value, nil
}

// bidiConn is a WebDriver BiDi connection: commands sent with increasing
// ids, each answered by a message with the same id; events are ignored.
type bidiConn struct {
	ws *websocket.Conn

	mu      sync.Mutex
	nextID  int64
	waiting map[int64]chan bidiMessage
	err     error // set once the connection is gone
}

type bidiMessage struct {
	Type    string          `json:"type"` // "success", "error" or "event"
	ID      int64           `json:"id"`
	Result  json.RawMessage `json:"result"`
	Error   string          `json:"error"`
	Message string          `json:"message"`
}

func dialBiDi(ctx context.Context, url string) (*bidiConn, error) {
	ws, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(64 << 20)
	c := &bidiConn{ws: ws, waiting: map[int64]chan bidiMessage{}}
	go c.read()
	return c, nil
}

func (c *bidiConn) read() {
	for {
		_, data, err := c.ws.Read(context.Background())
		if err != nil {
			c.mu.Lock()
			c.err = fmt.Errorf("bidi connection closed: %w", err)
			for id, ch := range c.waiting {
				close(ch)
				delete(c.waiting, id)
			}
			c.mu.Unlock()
			return
		}
		var m bidiMessage
		if json.Unmarshal(data, &m) != nil || m.Type == "event" {
			continue
		}
		c.mu.Lock()
		ch := c.waiting[m.ID]
		delete(c.waiting, m.ID)
		c.mu.Unlock()
		if ch != nil {
			ch <- m
		}
	}
}

// call sends a command and waits for its result.
func (c *bidiConn) call(ctx context.Context, method string, params any) (json.RawMessage, error) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return nil, c.err
	}
	c.nextID++
	id := c.nextID
	ch := make(chan bidiMessage, 1)
	c.waiting[id] = ch
	c.mu.Unlock()
	forget := func() {
		c.mu.Lock()
		delete(c.waiting, id)
		c.mu.Unlock()
	}
	msg, err := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	if err != nil {
		forget()
		return nil, err
	}
	if err := c.ws.Write(ctx, websocket.MessageText, msg); err != nil {
		forget()
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m, ok := <-ch:
		if !ok {
			c.mu.Lock()
			defer c.mu.Unlock()
			return nil, fmt.Errorf("%s: %w", method, c.err)
		}
		if m.Type == "error" {
			return nil, fmt.Errorf("%s: %s: %s", method, m.Error, m.Message)
		}
		return m.Result, nil
	case <-ctx.Done():
		forget()
		return nil, fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

func (c *bidiConn) close() { c.ws.Close(websocket.StatusNormalClosure, "") }
