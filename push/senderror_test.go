package push

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

// TestSendErrorHidesEndpoint: an endpoint is a capability URL (whoever has it
// can push to that browser), so errors, which end up in logs, name only its
// origin, even when net/http's error quotes the whole URL.
func TestSendErrorHidesEndpoint(t *testing.T) {
	endpoint := "https://push.example.net/send/SECRET-TOKEN-123"
	cause := &url.Error{Op: "Post", URL: endpoint, Err: errors.New("dial tcp: connection refused")}
	msg := (&SendError{Endpoint: endpoint, Err: cause}).Error()
	if strings.Contains(msg, "SECRET-TOKEN-123") {
		t.Errorf("error text leaks the endpoint: %q", msg)
	}
	if !strings.Contains(msg, "https://push.example.net") || !strings.Contains(msg, "connection refused") {
		t.Errorf("error text %q should name the origin and the cause", msg)
	}
}
