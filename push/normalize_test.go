package push_test

import (
	"encoding/json"
	"testing"

	"github.com/swkit/swkit/push"
)

// TestNormalizeEndpoint: spellings of one endpoint that browsers or
// attackers may post come out as one string.
func TestNormalizeEndpoint(t *testing.T) {
	const want = "https://push.example.com/send/abc"
	for _, in := range []string{
		want,
		"https://push.example.com/send/abc#frag",
		"https://push.example.com:443/send/abc",
		"https://PUSH.Example.COM/send/abc",
		"HTTPS://push.example.com/send/abc",
		"https://push.example.com./send/abc",
		"https://push.example.com/./send/abc",
		"https://push.example.com/send/./abc",
		"https://push.example.com/x/../send/abc",
		"https://push.example.com/send/abc#",
		"https://Push.Example.Com.:443/./send/abc#x",
		"https://push.example.com:443/send/x/../abc",
	} {
		got, err := push.NormalizeEndpoint(in)
		if err != nil || got != want {
			t.Errorf("NormalizeEndpoint(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"https://push.example.com:8443/a":  "https://push.example.com:8443/a",
		"https://[2001:DB8::1]:443/a":      "https://[2001:db8::1]/a",
		"https://push.example.com/a?b=C#d": "https://push.example.com/a?b=C",
		"https://push.example.com/A%2Fb":   "https://push.example.com/A%2Fb",
	} {
		if got, err := push.NormalizeEndpoint(in); err != nil || got != want {
			t.Errorf("NormalizeEndpoint(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	// ParseSubscription stores the normal form.
	b, _ := json.Marshal(map[string]any{
		"endpoint": "https://PUSH.example.com.:443/./send/abc#frag",
		"keys":     map[string]string{"p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM", "auth": "tBHItJI5svbpez7KI4CCXg"},
	})
	sub, err := push.ParseSubscription(b)
	if err != nil || sub.Endpoint != want {
		t.Errorf("ParseSubscription endpoint %q, %v; want %q", sub.Endpoint, err, want)
	}
}
