package push

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"time"
)

// Seams for the external tests (package push_test), which cannot reach
// unexported fields but need pushtest, which imports push.

func SetVAPIDClock(v *VAPID, now func() time.Time) { v.now = now }

func VAPIDSigns(v *VAPID) int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.signs
}

func SetSenderSeams(s *Sender, now func() time.Time, sleep func(context.Context, time.Duration) error, jitter func(int64) int64) {
	if now != nil {
		s.now = now
	}
	if sleep != nil {
		s.sleep = sleep
	}
	if jitter != nil {
		s.jitter = jitter
	}
}

var ParseRetryAfter = parseRetryAfter

// SetResolverForTest makes the default client's dialer resolve host to ip,
// so a test can point a public-looking name at loopback.
func SetResolverForTest(s *Sender, host, ip string) {
	t := s.client.Transport.(*http.Transport)
	dial := t.DialContext
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		h, port, err := net.SplitHostPort(addr)
		if err == nil && h == host {
			addr = net.JoinHostPort(ip, port)
		}
		return dial(ctx, network, addr)
	}
}

// SetLookupForTest makes the dialer of a guarded custom Client resolve
// host to ip until t ends.
func SetLookupForTest(t interface{ Cleanup(func()) }, host, ip string) {
	old := lookupNetIP
	lookupNetIP = func(ctx context.Context, network, h string) ([]netip.Addr, error) {
		if h == host {
			return []netip.Addr{netip.MustParseAddr(ip)}, nil
		}
		return old(ctx, network, h)
	}
	t.Cleanup(func() { lookupNetIP = old })
}
