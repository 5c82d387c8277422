// Package hostiletest sends hostile request targets to a file server and
// checks that nothing escapes its folder: no secret from outside the folder
// or from a dotfile inside it, no 5xx, no Go error text or file-system path,
// no redirect off the site. It serves the tests of internal/static (the
// handler of swkit serve) and of swkit.New, which share one corpus
// (internal/static/testdata/hostile/targets.txt) and one fixture.
//
// Requests are written on a raw TCP connection, so that the target reaches
// the server byte for byte: Go's HTTP client would clean or reject most of
// them before sending.
package hostiletest

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Secrets and public contents of the fixture. No response may contain a
// secret; a 200 response must be exactly one of the public files.
const (
	OutsideSecret = "OUTSIDE-SECRET-b51d0f8e: the parent folder, never served"
	DotfileSecret = "DOTFILE-SECRET-4c7a2e19: hidden inside the root, never served"
)

// Public are the fixture's servable files (slash paths) and their contents.
var Public = map[string]string{
	"index.html":   "<!doctype html><title>home</title><p>public home page</p>\n",
	"a/index.html": "<!doctype html><title>a</title><p>public folder a</p>\n",
	"a/b.txt":      "public file a/b.txt\n",
}

// Fixture is a served folder (Root) inside a parent folder (Parent) that
// holds secret.txt.
type Fixture struct {
	Parent, Root string
}

// NewFixture writes the folder: the public files, dotfiles and dot-folders
// holding DotfileSecret, and symbolic links leading out of the root (to the
// parent's secret.txt, to the parent itself, to /etc, in a loop, nowhere),
// plus one link inside the root (link-in -> index.html), which may be served.
func NewFixture(t testing.TB) *Fixture {
	t.Helper()
	parent := t.TempDir()
	root := filepath.Join(parent, "root")
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(parent, "secret.txt"), []byte(OutsideSecret), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, content := range Public {
		write(name, content)
	}
	for _, name := range []string{".env", ".env.local", ".git/config", ".git/HEAD", "a/.hidden/b", ".htaccess", ".htpasswd", ".ssh/id_rsa", ".well-known/.env"} {
		write(name, DotfileSecret+"\n")
	}
	links := []struct{ name, target string }{
		{"link-out", "../secret.txt"},
		{"link-abs", filepath.Join(parent, "secret.txt")},
		{"link-etc", "/etc"},
		{"linkdir-out", ".."},
		{"a/link-up", "../.."},
		{"link-loop", "link-loop"},
		{"link-dangling", "does-not-exist"},
		{"link-in", "index.html"},
	}
	for _, l := range links {
		if err := os.Symlink(l.target, filepath.Join(root, filepath.FromSlash(l.name))); err != nil {
			t.Fatalf("symlink %s: %v", l.name, err)
		}
	}
	return &Fixture{Parent: parent, Root: root}
}

// Targets reads a corpus file: one request target a line, '#' comment lines,
// a line in double quotes a Go string literal; {ROOT} and {PARENT} are
// replaced by the fixture's absolute paths (without their leading slash
// when the line already has one before them).
func (f *Fixture) Targets(t testing.TB, corpus string) []string {
	t.Helper()
	b, err := os.ReadFile(corpus)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i, line := range strings.Split(string(b), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, `"`) {
			if line, err = strconv.Unquote(line); err != nil {
				t.Fatalf("%s:%d: %v", corpus, i+1, err)
			}
		}
		line = strings.ReplaceAll(line, "/{ROOT}", f.Root)
		line = strings.ReplaceAll(line, "/{PARENT}", f.Parent)
		line = strings.ReplaceAll(line, "{ROOT}", f.Root)
		line = strings.ReplaceAll(line, "{PARENT}", f.Parent)
		out = append(out, line)
	}
	return out
}

// Response is what a raw request got: the status, the header block and the
// body. Status is 0 when the server closed the connection without a response.
type Response struct {
	Status int
	Header http.Header
	Body   string
}

// Get writes "GET target HTTP/1.1" to addr (host:port) and reads the answer.
func Get(addr, target string) (Response, error) {
	return Do(addr, "GET", target, nil)
}

// Do writes one request with the given method, target and extra header
// lines ("Name: value") on a new connection and reads the answer.
func Do(addr, method, target string, header []string) (Response, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return Response{}, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	var req strings.Builder
	fmt.Fprintf(&req, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", method, target, addr)
	for _, h := range header {
		req.WriteString(h + "\r\n")
	}
	req.WriteString("\r\n")
	if _, err := io.WriteString(conn, req.String()); err != nil {
		return Response{}, err
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return Response{}, nil // closed without answering: not a leak
		}
		return Response{}, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return Response{}, fmt.Errorf("reading the body: %w", err)
	}
	return Response{Status: res.StatusCode, Header: res.Header, Body: string(body)}, nil
}

// internalText is what Go errors and stack traces look like. None of it may
// reach a client.
var internalText = []string{
	"open ", "openat", "statat", "lstat", "readlink", "no such file", "not a directory",
	"permission denied", "invalid argument", "escapes from parent", "path escapes",
	"too many levels", "is a directory", "goroutine ", "panic", "runtime error",
	"os.Root", "fs.ErrNotExist", "file does not exist", ".go:",
}

// Check returns the problems of one response to target, or nil: a secret
// or a path of the fixture in the status line, headers or body; a 5xx;
// Go error text; a 200 body that is not one of the public files; a redirect
// that leaves the site.
func (f *Fixture) Check(target string, res Response) []string {
	var bad []string
	if res.Status >= 500 {
		bad = append(bad, fmt.Sprintf("status %d", res.Status))
	}
	var text strings.Builder
	for k, vs := range res.Header {
		if k == "Location" {
			continue // checked below; it echoes the client's own path
		}
		fmt.Fprintf(&text, "%s: %s\n", k, strings.Join(vs, ", "))
	}
	text.WriteString(res.Body)
	all := text.String()
	for _, s := range []string{OutsideSecret, DotfileSecret, "root:x:0:0", f.Parent, "secret.txt"} {
		if strings.Contains(all, s) {
			bad = append(bad, fmt.Sprintf("response contains %q", s))
		}
	}
	lower := strings.ToLower(all)
	for _, s := range internalText {
		if strings.Contains(lower, strings.ToLower(s)) {
			bad = append(bad, fmt.Sprintf("response contains internal text %q: %.200q", s, all))
		}
	}
	if res.Status == http.StatusOK && res.Body != "" {
		public := false
		for _, c := range Public {
			public = public || res.Body == c
		}
		if !public {
			bad = append(bad, fmt.Sprintf("200 with a body that is no public file: %.200q", res.Body))
		}
	}
	if loc := res.Header.Get("Location"); loc != "" {
		// Relative references ("./a/") stay on the site; a scheme, a host,
		// "//" or a backslash (which browsers read as "/") may not.
		u, err := url.Parse(loc)
		if err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(loc, "//") || strings.Contains(loc, `\`) {
			bad = append(bad, fmt.Sprintf("redirect off the site: Location %q", loc))
		}
		if strings.ContainsAny(loc, "\r\n") {
			bad = append(bad, fmt.Sprintf("Location with a line break: %q", loc))
		}
		for _, s := range []string{f.Parent, OutsideSecret, DotfileSecret} {
			if strings.Contains(loc, s) && !strings.Contains(target, s) {
				bad = append(bad, fmt.Sprintf("Location %q names %q", loc, s))
			}
		}
	}
	return bad
}

// Run sends every target of the corpus to addr with each method and fails
// t for each problem Check finds; the targets listed in ok must answer 200.
// It returns the number of responses per status, for the test's log.
func (f *Fixture) Run(t *testing.T, addr string, targets []string, ok ...string) map[int]int {
	t.Helper()
	statuses := map[int]int{}
	mustOK := map[string]bool{}
	for _, o := range ok {
		mustOK[o] = true
	}
	for _, target := range targets {
		for _, method := range []string{"GET", "HEAD"} {
			res, err := Do(addr, method, target, []string{"Accept-Encoding: gzip, br"})
			if err != nil {
				t.Errorf("%s %.120q: %v", method, target, err)
				continue
			}
			statuses[res.Status]++
			for _, p := range f.Check(target, res) {
				t.Errorf("%s %.120q: %d: %s", method, target, res.Status, p)
			}
			if mustOK[target] && res.Status != http.StatusOK {
				t.Errorf("%s %q (a control) answered %d, want 200: the harness does not reach the files", method, target, res.Status)
			}
		}
	}
	return statuses
}
