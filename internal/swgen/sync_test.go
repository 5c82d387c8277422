package swgen

import (
	"strings"
	"testing"

	"github.com/swkit/swkit/config"
)

func syncConfig(rc config.RuntimeCaching) config.Config {
	return config.Config{RuntimeCaching: []config.RuntimeCaching{rc}}
}

func TestBackgroundSyncRoute(t *testing.T) {
	cfg := syncConfig(config.RuntimeCaching{URLPattern: "/api/*", Method: "post", Handler: "networkOnly"})
	base, err := Generate(cfg, testEntries())
	if err != nil {
		t.Fatal(err)
	}
	cfg.RuntimeCaching[0].Options.BackgroundSync = &config.BackgroundSync{Name: "votes"}
	got, err := Generate(cfg, testEntries())
	if err != nil {
		t.Fatal(err)
	}
	checkSyntax(t, got)
	t.Logf("worker: %d bytes (%d gzip) with a POST networkOnly route, %d (%d gzip) with backgroundSync on it",
		len(base), gzipSize(t, base), len(got), gzipSize(t, got))
	for _, want := range []string{`"swkit-sync"`, `"swkit-sync:"`, `"votes",10080)`, `"Idempotency-Key"`, `"POST"`} {
		if !strings.Contains(string(got), want) {
			t.Errorf("worker lacks %s", want)
		}
	}
	if strings.Contains(string(base), "swkit-sync") {
		t.Error("a worker without backgroundSync routes bundles the sync modules")
	}

	cfg.RuntimeCaching[0].Options.BackgroundSync = &config.BackgroundSync{MaxRetentionTime: 60}
	got, err = Generate(cfg, testEntries())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"default",60)`} {
		if !strings.Contains(string(got), want) {
			t.Errorf("worker with defaults lacks %s", want)
		}
	}
}
