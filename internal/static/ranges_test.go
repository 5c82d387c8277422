package static

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAbusiveRange(t *testing.T) {
	many := func(n int, spec func(i int) string) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = spec(i)
		}
		return "bytes=" + strings.Join(parts, ",")
	}
	apart := func(i int) string { return fmt.Sprintf("%d-%d", 2*i, 2*i) }
	tests := []struct {
		name  string
		value string
		want  bool
	}{
		{"one", "bytes=0-4", false},
		{"two apart", "bytes=0-4, 10-14", false},
		{"adjacent", "bytes=0-4,5-9", false},
		{"overlapping", "bytes=0-4,3-9", true},
		{"same twice", "bytes=0-0,0-0", true},
		{"suffix overlaps start", "bytes=0-10,-1000", true},
		{"open end overlaps", "bytes=100-,200-300", true},
		{"out of order, apart", "bytes=20-29,0-9", false},
		{"unsatisfiable ones do not count as overlap", "bytes=5000-,6000-", false},
		{"MaxRanges apart", many(MaxRanges, apart), false},
		{"MaxRanges+1 apart", many(MaxRanges+1, apart), true},
		{"100000 of 0-0", many(100000, func(int) string { return "0-0" }), true},
		{"empty elements are not ranges", "bytes=0-1,,, ,4-5", false},
		{"not bytes", "items=0-1,0-1", false},
		{"malformed left to ServeContent", "bytes=x-1,0-1,0-1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := abusiveRange(tt.value, 1000); got != tt.want {
				t.Errorf("abusiveRange = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestRangeAmplification sends, over real HTTP, the ranges that turn a
// small request into a large multipart response: the answer must be no
// larger than a plain GET's, while legitimate multi-range requests still
// get their parts.
func TestRangeAmplification(t *testing.T) {
	s := newSite(t)
	content := strings.Repeat("0123456789abcdef", 256<<10/16) // 256 KiB, sent from the file
	if err := os.WriteFile(filepath.Join(s.dir, "big.bin"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.handler(t, Options{}))
	defer srv.Close()
	get := func(rng string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+"/big.bin", nil)
		req.Header.Set("Range", rng)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, body
	}
	for _, tc := range []struct {
		name, rng string
	}{
		{"100000 overlapping", "bytes=" + strings.Repeat("0-0,", 99999) + "0-0"},
		{"MaxRanges+1 apart", apartRanges(MaxRanges + 1)},
		{"two overlapping halves", "bytes=0-200000,100000-"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(tc.rng)
			if resp.StatusCode != 200 || string(body) != content {
				t.Errorf("status %d, %d bytes; want 200 and the whole file (%d bytes)", resp.StatusCode, len(body), len(content))
			}
		})
	}
	resp, body := get(apartRanges(MaxRanges))
	if resp.StatusCode != 206 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "multipart/byteranges") {
		t.Fatalf("MaxRanges ranges apart: status %d, type %q; want 206 multipart", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if n := strings.Count(string(body), "Content-Range: bytes "); n != MaxRanges {
		t.Errorf("MaxRanges ranges apart: %d parts, want %d", n, MaxRanges)
	}
}

// apartRanges is a Range value of n one-byte ranges 100 bytes apart.
func apartRanges(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf("%d-%d", 100*i, 100*i)
	}
	return "bytes=" + strings.Join(parts, ",")
}
