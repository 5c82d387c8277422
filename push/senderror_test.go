package push

import (
	"context"
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
)

// TestSendErrorHidesEndpoint: an endpoint is a capability URL (whoever has it
// can push to that browser), so errors, which end up in logs, name only its
// origin, even when net/http's error quoted the whole URL.
func TestSendErrorHidesEndpoint(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: the connection is refused

	s, err := NewSender(newTestVAPID(t), SenderOptions{Subject: "mailto:ops@example.com", AllowPrivate: true, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	sub := Subscription{Endpoint: "http://" + addr + "/send/SECRET-TOKEN-123"}
	sub.Keys.P256dh, sub.Keys.Auth = rfcUAPublic, rfcAuth

	_, err = s.Send(context.Background(), sub, Message{Payload: []byte("hi")})
	var se *SendError
	if !errors.As(err, &se) || se.Endpoint != sub.Endpoint || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("Send = %v, want a *SendError for the endpoint wrapping the refused connection", err)
	}
	msg := err.Error()
	if strings.Contains(msg, "SECRET-TOKEN-123") {
		t.Errorf("error text leaks the endpoint: %q", msg)
	}
	if !strings.HasPrefix(msg, "send to http://"+addr+": ") || !strings.Contains(msg, "connection refused") {
		t.Errorf("error text %q should name the origin and the cause", msg)
	}
}
