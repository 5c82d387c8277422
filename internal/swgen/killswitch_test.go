package swgen

import (
	"bytes"
	"strings"
	"testing"
)

func TestKillSwitch(t *testing.T) {
	got, err := KillSwitch("")
	if err != nil {
		t.Fatal(err)
	}
	again, err := KillSwitch("")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, again) {
		t.Error("KillSwitch is not deterministic")
	}
	if !bytes.HasPrefix(got, []byte(KillSwitchBanner)) {
		t.Errorf("kill switch starts %q, want the banner", got[:min(len(got), 80)])
	}
	for _, want := range []string{"skipWaiting", "unregister", "caches.delete", "navigate", "swkit-precache-"} {
		if !bytes.Contains(got, []byte(want)) {
			t.Errorf("kill switch lacks %q:\n%s", want, got)
		}
	}
	// No fetch listener: every request goes to the network at once.
	if bytes.Contains(got, []byte(`"fetch"`)) {
		t.Errorf("kill switch listens for fetch:\n%s", got)
	}

	withID, err := KillSwitch(`app"1`)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(withID), `cacheId:'app"1'`) && !strings.Contains(string(withID), `cacheId:"app\"1"`) {
		t.Errorf("kill switch with a cacheId does not carry it:\n%s", withID)
	}
}
