package push_test

import (
	"net"
	"strings"
	"testing"

	"github.com/swkit/swkit/push"
)

// TestAddressFilterEmbeddedIPv4: IPv6 forms that lead to an IPv4 address
// through a translator, and the 6to4 relay anycast, are refused both when
// a page subscribes and when the sender connects, with the IPv4 address
// they embed named.
func TestAddressFilterEmbeddedIPv4(t *testing.T) {
	for _, tc := range []struct{ name, host, want string }{
		{"NAT64", "64:ff9b::7f00:1", "NAT64 for 127.0.0.1"},
		{"NAT64 to a public address", "64:ff9b::808:808", "NAT64 for 8.8.8.8"},
		{"local-use NAT64", "64:ff9b:1::a00:1", "NAT64 for 10.0.0.1"},
		{"6to4", "2002:7f00:1::1", "6to4 for 127.0.0.1"},
		{"6to4 of a private network", "2002:c0a8:101::1", "6to4 for 192.168.1.1"},
		{"Teredo", "2001:0:4136:e378:8000:63bf:80ff:fffe", "Teredo for 127.0.0.1"},
		{"IPv4-compatible", "::7f00:1", "IPv4-compatible for 127.0.0.1"},
		{"IPv4-compatible private", "::a00:5", "IPv4-compatible for 10.0.0.5"},
		{"IPv4-mapped private", "::ffff:10.1.2.3", "not public"},
		{"6to4 relay anycast", "192.88.99.1", "not public"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			host := tc.host
			if strings.Contains(host, ":") {
				host = "[" + host + "]"
			}
			err := push.CheckEndpoint("https://"+host+"/push/x", false)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("CheckEndpoint: %v, want a refusal saying %q", err, tc.want)
			}
			err = push.DialControl("tcp", net.JoinHostPort(tc.host, "443"), nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("DialControl: %v, want a refusal saying %q", err, tc.want)
			}
		})
	}
	for _, ok := range []string{"8.8.8.8", "2606:4700:4700::1111", "2a00:1450:4007:80b::200a"} {
		if err := push.DialControl("tcp", net.JoinHostPort(ok, "443"), nil); err != nil {
			t.Errorf("DialControl(%s) = %v, want allowed", ok, err)
		}
	}
}
