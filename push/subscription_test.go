package push

import (
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestParseSubscription(t *testing.T) {
	good := `{"endpoint":"https://fcm.googleapis.com/fcm/send/abc","expirationTime":null,"keys":{"p256dh":"` + rfcUAPublic + `","auth":"` + rfcAuth + `"}}`
	s, err := ParseSubscription([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if s.Endpoint != "https://fcm.googleapis.com/fcm/send/abc" || s.Keys.P256dh != rfcUAPublic || s.Keys.Auth != rfcAuth || s.ExpirationTime != nil {
		t.Errorf("parsed %+v", s)
	}
	out, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != good {
		t.Errorf("marshal\n got %s\nwant %s", out, good)
	}

	for _, tc := range []struct {
		name, json, field, want string
	}{
		{"not json", `{`, "", "subscription: unexpected end of JSON input"},
		{"relative endpoint", `{"endpoint":"/push","keys":{"p256dh":"` + rfcUAPublic + `","auth":"` + rfcAuth + `"}}`, "endpoint", "absolute"},
		{"ftp endpoint", `{"endpoint":"ftp://x/push","keys":{"p256dh":"` + rfcUAPublic + `","auth":"` + rfcAuth + `"}}`, "endpoint", "scheme"},
		{"http public endpoint", `{"endpoint":"http://push.example.net/x","keys":{"p256dh":"` + rfcUAPublic + `","auth":"` + rfcAuth + `"}}`, "endpoint", "https"},
		{"userinfo", `{"endpoint":"https://u:p@push.example.net/x","keys":{"p256dh":"` + rfcUAPublic + `","auth":"` + rfcAuth + `"}}`, "endpoint", "user"},
		{"no keys", `{"endpoint":"https://push.example.net/x"}`, "keys.p256dh", "subscription keys.p256dh: "},
		{"short p256dh", `{"endpoint":"https://push.example.net/x","keys":{"p256dh":"BCVx","auth":"` + rfcAuth + `"}}`, "keys.p256dh", "65-byte"},
		{"p256dh off curve", `{"endpoint":"https://push.example.net/x","keys":{"p256dh":"BA` + strings.Repeat("A", 85) + `","auth":"` + rfcAuth + `"}}`, "keys.p256dh", "not on curve"},
		{"auth 15 bytes", `{"endpoint":"https://push.example.net/x","keys":{"p256dh":"` + rfcUAPublic + `","auth":"BTBZMqHH6r4Tts7J_aSI"}}`, "keys.auth", "want 16 bytes, got 15"},
		{"auth not base64", `{"endpoint":"https://push.example.net/x","keys":{"p256dh":"` + rfcUAPublic + `","auth":"!!!!"}}`, "keys.auth", "not base64url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSubscription([]byte(tc.json))
			se, ok := errors.AsType[*SubscriptionError](err)
			if !ok || se.Field != tc.field || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want a *SubscriptionError for %q containing %q", err, tc.field, tc.want)
			}
		})
	}
}

func TestCheckEndpoint(t *testing.T) {
	for _, tc := range []struct {
		name, endpoint string
		ok, okPrivate  bool
	}{
		{"https public", "https://fcm.googleapis.com/fcm/send/x", true, true},
		{"https public ip", "https://8.8.8.8/x", true, true},
		{"https public ipv6", "https://[2606:4700::1111]/x", true, true},
		{"http", "http://push.example.net/x", false, true},
		{"localhost", "https://localhost/x", false, true},
		{"localhost dot", "https://LOCALHOST./x", false, true},
		{"sub.localhost", "https://a.localhost:8080/x", false, true},
		{"127.0.0.1", "https://127.0.0.1/x", false, true},
		{"127.1.2.3", "https://127.1.2.3/x", false, true},
		{"::1", "https://[::1]/x", false, true},
		{"mapped loopback", "https://[::ffff:127.0.0.1]/x", false, true},
		{"10.x", "https://10.1.2.3/x", false, true},
		{"172.16.x", "https://172.16.0.1/x", false, true},
		{"192.168.x", "https://192.168.1.1/x", false, true},
		{"169.254.x", "https://169.254.169.254/x", false, true},
		{"fe80::", "https://[fe80::1]/x", false, true},
		{"fc00::", "https://[fc00::1]/x", false, true},
		{"fd00::", "https://[fd12:3456::1]/x", false, true},
		{"0.0.0.0", "https://0.0.0.0/x", false, true},
		{"::", "https://[::]/x", false, true},
		{"cgnat", "https://100.64.0.1/x", false, true},
		{"relative", "/push/x", false, false},
		{"ftp", "ftp://push.example.net/x", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckEndpoint(tc.endpoint, false)
			if (err == nil) != tc.ok {
				t.Errorf("CheckEndpoint(%q, false) = %v, want ok=%v", tc.endpoint, err, tc.ok)
			}
			if se, ok := errors.AsType[*SubscriptionError](err); err != nil && (!ok || se.Field != "endpoint") {
				t.Errorf("CheckEndpoint(%q, false) = %v, want a *SubscriptionError for endpoint", tc.endpoint, err)
			}
			if err := CheckEndpoint(tc.endpoint, true); (err == nil) != tc.okPrivate {
				t.Errorf("CheckEndpoint(%q, true) = %v, want ok=%v", tc.endpoint, err, tc.okPrivate)
			}
		})
	}
}

func TestDialAddrAllowed(t *testing.T) {
	for _, tc := range []struct {
		addr string
		ok   bool
	}{
		{"142.250.0.1:443", true},
		{"127.0.0.1:443", false},
		{"[::1]:443", false},
		{"10.0.0.1:443", false},
		{"169.254.169.254:80", false},
	} {
		if err := dialAddrAllowed(tc.addr); (err == nil) != tc.ok {
			t.Errorf("dialAddrAllowed(%q) = %v, want ok=%v", tc.addr, err, tc.ok)
		}
	}
}

func FuzzParseSubscription(f *testing.F) {
	f.Add([]byte(`{"endpoint":"https://fcm.googleapis.com/fcm/send/abc","expirationTime":null,"keys":{"p256dh":"` + rfcUAPublic + `","auth":"` + rfcAuth + `"}}`))
	f.Add([]byte(`{"endpoint":"http://127.0.0.1:1/p","expirationTime":1700000000000,"keys":{"p256dh":"` + rfcUAPublic + `","auth":"` + rfcAuth + `="}}`))
	f.Add([]byte(`{"endpoint":"https://x","keys":{"p256dh":"","auth":""}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSubscription(data)
		if err != nil {
			return
		}
		out, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("marshal accepted subscription: %v", err)
		}
		s2, err := ParseSubscription(out)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
		if !reflect.DeepEqual(s, s2) {
			t.Fatalf("round trip changed %+v into %+v", s, s2)
		}
		if _, err := Encrypt(s, []byte("x")); err != nil {
			t.Fatalf("accepted subscription cannot be encrypted to: %v", err)
		}
	})
}
