package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swkit/swkit/server"
)

// TestListenerLimits: swkit serve and swkit demo cut a stalled request
// body and a client that never reads, refuse a 40 KiB header with 431, and
// close the connection after a request with both Content-Length and
// Transfer-Encoding, so that a smuggled request behind it is never served.
// The deadlines are shortened for the test; their defaults are server's.
func TestListenerLimits(t *testing.T) {
	clearPushEnv(t)
	old := limits
	limits = server.Limits{BodyTimeout: time.Second, SendTimeout: time.Second}
	t.Cleanup(func() { limits = old })

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "index.html"), "<!doctype html><title>hi</title>")
	big := filepath.Join(dir, "big.bin")
	if err := os.WriteFile(big, make([]byte, 64<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		cmd  []string
		post string // a POST route with a body-reading handler
	}{
		{[]string{"serve", "--addr", "127.0.0.1:0", dir}, "/"},
		{[]string{"demo", "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "swkit.db")}, "/api/votes"},
	} {
		t.Run(tc.cmd[0], func(t *testing.T) {
			url, _ := startCommand(t, tc.cmd...)
			addr := strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/")

			stalled := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\nIdempotency-Key: k1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"cat\":", tc.post)
			if got := closedAfter(t, addr, stalled, false); got != "" {
				t.Errorf("stalled body: %s", got)
			}
			if tc.cmd[0] == "serve" {
				if got := closedAfter(t, addr, "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n", true); got != "" {
					t.Errorf("a client that never reads: %s", got)
				}
			}
			smuggled := "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n"
			chunked := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n%s", tc.post, 5+len(smuggled), smuggled)
			if got := closedAfter(t, addr, chunked, false); got != "" {
				t.Errorf("Content-Length with Transfer-Encoding: %s", got)
			}

			req, _ := http.NewRequest("GET", url, nil)
			req.Header.Set("Cookie", strings.Repeat("a", 40<<10))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
				t.Errorf("40 KiB header: status %d, want 431", resp.StatusCode)
			}
		})
	}
}

// closedAfter sends raw on a new connection and reports what is wrong
// unless the server answers at most once and then closes the connection
// within 20 s. With noRead the client reads nothing until the end.
func closedAfter(t *testing.T, addr, raw string, noRead bool) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if noRead {
		// Give the server time to fill the socket buffers (some MiB on
		// loopback) and give up; a server that gave up has closed, which
		// the reads below then see as a body cut short.
		time.Sleep(3 * limits.SendTimeout)
	}
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	br := bufio.NewReader(c)
	responses := 0
	for {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			var ne net.Error
			switch {
			case errors.As(err, &ne) && ne.Timeout():
				return fmt.Sprintf("still open after %v (%d responses)", time.Since(start), responses)
			case responses > 1:
				return fmt.Sprintf("%d responses", responses)
			}
			return ""
		}
		responses++
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return fmt.Sprintf("body still open after %v", time.Since(start))
			}
			return "" // cut mid-body: closed
		}
	}
}
