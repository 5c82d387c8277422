package swgen

import (
	"bytes"
	"strings"
	"testing"

	"github.com/swkit/swkit/config"
)

// pushMarkers are strings of the push modules that minification keeps.
var pushMarkers = []string{"pushsubscriptionchange", "notificationclick", "swkit:notification-action", "public-key"}

// TestGeneratePush: the push modules are bundled exactly when the config has
// a push object, and push() gets its options after sw().
func TestGeneratePush(t *testing.T) {
	off, err := Generate(config.Config{}, testEntries())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range pushMarkers {
		if bytes.Contains(off, []byte(m)) {
			t.Errorf("worker without push contains %q", m)
		}
	}
	on, err := Generate(config.Config{Push: &config.Push{Title: "Cats", Icon: "/icon.png"}}, testEntries())
	if err != nil {
		t.Fatal(err)
	}
	checkSyntax(t, on)
	for _, m := range append(pushMarkers, `endpoint:"/swkit/push/"`, `title:"Cats"`, `icon:"/icon.png"`) {
		if !bytes.Contains(on, []byte(m)) {
			t.Errorf("worker with push lacks %q", m)
		}
	}
	t.Logf("push adds %d bytes raw, %d bytes gzip (%d -> %d raw)",
		len(on)-len(off), gzipSize(t, on)-gzipSize(t, off), len(off), len(on))
}

func TestEntryModulePush(t *testing.T) {
	src, err := entryModule(config.Defaults(config.Config{Push: &config.Push{Badge: "b.png"}}), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`import { push } from "./sw/push.js";`,
		"});\npush({ endpoint: \"/swkit/push/\", badge: \"b.png\" });\n",
	} {
		if !strings.Contains(src, want) {
			t.Errorf("entry module lacks %q:\n%s", want, src)
		}
	}
	plain, err := entryModule(config.Defaults(config.Config{}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain, "push") {
		t.Errorf("entry module without push mentions push:\n%s", plain)
	}
}

// TestPushOptionsChangeVersion: the version pages read (swkit:get-version)
// changes with the push options, not only the bytes.
func TestPushOptionsChangeVersion(t *testing.T) {
	version := func(p *config.Push) string {
		src, err := entryModule(config.Defaults(config.Config{Push: p}), nil)
		if err != nil {
			t.Fatal(err)
		}
		_, rest, _ := strings.Cut(src, "version_: ")
		v, _, _ := strings.Cut(rest, ",")
		return v
	}
	a, b, c := version(nil), version(&config.Push{}), version(&config.Push{Title: "x"})
	if a == b || b == c || a == c {
		t.Errorf("versions %s, %s, %s: want three different ones", a, b, c)
	}
}
