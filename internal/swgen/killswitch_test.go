package swgen

import (
	"bytes"
	"strings"
	"testing"

	"github.com/swkit/swkit/config"
)

func TestKillSwitch(t *testing.T) {
	got, err := KillSwitch(config.Config{})
	if err != nil {
		t.Fatal(err)
	}
	again, err := KillSwitch(config.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, again) {
		t.Error("KillSwitch is not deterministic")
	}
	if !bytes.HasPrefix(got, []byte(KillSwitchBanner)) {
		t.Errorf("kill switch starts %q, want the banner", got[:min(len(got), 80)])
	}
	for _, want := range []string{"skipWaiting", "unregister", "caches.delete", "navigate", "swkit-precache-", "deleteDatabase", "swkit-expiry", "swkit-expiration", "swkit-sync", "cacheNames:[]"} {
		if !bytes.Contains(got, []byte(want)) {
			t.Errorf("kill switch lacks %q:\n%s", want, got)
		}
	}
	// No fetch listener: every request goes to the network at once.
	if bytes.Contains(got, []byte(`"fetch"`)) {
		t.Errorf("kill switch listens for fetch:\n%s", got)
	}

	withID, err := KillSwitch(config.Config{CacheID: `app"1`})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(withID), `cacheId:'app"1'`) && !strings.Contains(string(withID), `cacheId:"app\"1"`) {
		t.Errorf("kill switch with a cacheId does not carry it:\n%s", withID)
	}
}

// TestKillSwitchCacheNames: the runtime caches a config's routes name are
// passed to the worker, once each, sorted; routes without one use swkit's
// default cache, which the swkit- prefix covers.
func TestKillSwitchCacheNames(t *testing.T) {
	route := func(name string) config.RuntimeCaching {
		return config.RuntimeCaching{URLPattern: "/x/**", Handler: config.CacheFirst, Options: config.RuntimeOptions{CacheName: name}}
	}
	got, err := KillSwitch(config.Config{RuntimeCaching: []config.RuntimeCaching{route("images"), route(""), route("api"), route("images")}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `cacheNames:["api","images"]`; !bytes.Contains(got, []byte(want)) {
		t.Errorf("kill switch lacks %s:\n%s", want, got)
	}
}
