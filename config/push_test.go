package config

import (
	"reflect"
	"testing"
)

func TestParsePush(t *testing.T) {
	tests := []struct {
		name string
		json string
		want *Push
	}{
		{"absent", `{}`, nil},
		{"null", `{"push": null}`, nil},
		{"empty object turns push on", `{"push": {}}`, &Push{}},
		{"all options", `{"push": {"endpoint": "/api/push/", "title": "Cats", "icon": "/icon.png", "badge": "img/badge.png"}}`,
			&Push{Endpoint: "/api/push/", Title: "Cats", Icon: "/icon.png", Badge: "img/badge.png"}},
		{"https endpoint", `{"push": {"endpoint": "https://push.example/swkit/push/"}}`,
			&Push{Endpoint: "https://push.example/swkit/push/"}},
		{"data icon", `{"push": {"icon": "data:image/png;base64,AAAA"}}`, &Push{Icon: "data:image/png;base64,AAAA"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse("swkit.json", []byte(tt.json))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got.Push, tt.want) {
				t.Errorf("Push = %+v, want %+v", got.Push, tt.want)
			}
		})
	}
}

func TestParsePushErrors(t *testing.T) {
	tests := []struct {
		name string
		json string
		want string
	}{
		{"unknown key", "{\"push\": {\n\"icons\": \"/a.png\"}}", `swkit.json:2: push: unknown key "icons" (did you mean "icon"?)`},
		{"not an object", `{"push": true}`, `swkit.json:1: push: want an object, got boolean`},
		{"endpoint without slash", "{\"push\": {\n\"endpoint\": \"/swkit/push\"}}",
			`swkit.json:2: push.endpoint: "/swkit/push" must end in / (the worker appends public-key and subscriptions)`},
		{"relative endpoint", `{"push": {"endpoint": "swkit/push/"}}`,
			`swkit.json:1: push.endpoint: "swkit/push/" must be a path on the site ("/swkit/push/") or an https URL`},
		{"http endpoint", `{"push": {"endpoint": "http://push.example/"}}`,
			`swkit.json:1: push.endpoint: "http://push.example/" must be a path on the site ("/swkit/push/") or an https URL`},
		{"scheme-relative endpoint", `{"push": {"endpoint": "//push.example/"}}`,
			`swkit.json:1: push.endpoint: "//push.example/" must be a path on the site ("/swkit/push/") or an https URL`},
		{"endpoint with query", `{"push": {"endpoint": "/push/?v=1"}}`,
			`swkit.json:1: push.endpoint: "/push/?v=1" must end in / (the worker appends public-key and subscriptions)`},
		{"javascript icon", `{"push": {"icon": "javascript:alert(1)"}}`,
			`swkit.json:1: push.icon: scheme "javascript" not allowed: use a relative, http(s) or data: URL`},
		{"bad badge", `{"push": {"badge": "%zz"}}`, `swkit.json:1: push.badge: "%zz" is not a URL`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("swkit.json", []byte(tt.json))
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("Parse:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestValidatePush(t *testing.T) {
	err := Validate(&Config{Push: &Push{Endpoint: "push/"}})
	if want := `push.endpoint: "push/" must be a path on the site ("/swkit/push/") or an https URL`; err == nil || err.Error() != want {
		t.Errorf("Validate = %v, want %s", err, want)
	}
	if err := Validate(&Config{Push: &Push{}}); err != nil {
		t.Errorf("Validate(push {}) = %v", err)
	}
}

func TestDefaultsPush(t *testing.T) {
	in := Config{Push: &Push{Title: "Cats"}}
	got := Defaults(in)
	if want := (Push{Endpoint: DefaultPushEndpoint, Title: "Cats"}); *got.Push != want {
		t.Errorf("Push = %+v, want %+v", *got.Push, want)
	}
	if in.Push.Endpoint != "" {
		t.Error("Defaults modified its argument's Push")
	}
	if Defaults(Config{}).Push != nil {
		t.Error("Defaults turned push on")
	}
	if again := Defaults(got); !reflect.DeepEqual(again, got) {
		t.Errorf("Defaults is not idempotent: %+v", again.Push)
	}
}

func TestPushPath(t *testing.T) {
	for _, tt := range []struct {
		push *Push
		want string
	}{
		{nil, "/swkit/push/"},
		{&Push{}, "/swkit/push/"},
		{&Push{Endpoint: "/api/notify/"}, "/api/notify/"},
		{&Push{Endpoint: "https://push.example/v1/"}, "/v1/"},
	} {
		if got := (Config{Push: tt.push}).PushPath(); got != tt.want {
			t.Errorf("PushPath with %+v = %q, want %q", tt.push, got, tt.want)
		}
	}
}
