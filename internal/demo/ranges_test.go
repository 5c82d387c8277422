package demo

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// TestImageRangeAmplification: /img ignores a Range of overlapping ranges
// and answers with the image alone, as the file server does.
func TestImageRangeAmplification(t *testing.T) {
	_, url := serve(t, Options{})
	_, whole := get(t, "GET", url+"/img", nil)
	resp, body := get(t, "GET", url+"/img", http.Header{"Range": {"bytes=" + strings.Repeat("0-0,", 9999) + "0-0"}})
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, whole) {
		t.Errorf("status %d, %d bytes; want 200 and the image (%d bytes)", resp.StatusCode, len(body), len(whole))
	}
	resp, body = get(t, "GET", url+"/img", http.Header{"Range": {"bytes=0-1"}})
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, whole[:2]) {
		t.Errorf("one range: status %d, body %q; want 206 and the first two bytes", resp.StatusCode, body)
	}
}
