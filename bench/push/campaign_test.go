package main

import (
	"os/exec"
	"regexp"
	"testing"

	"github.com/swkit/swkit/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestCampaignBenchRuns runs the campaign benchmark at a small size, so that
// a change to the store's tables or to swkit push worker cannot break it
// unnoticed. The figures at this size mean nothing; the run checks that the
// stubs counted one push per subscription and the campaign agreed.
func TestCampaignBenchRuns(t *testing.T) {
	cmd := exec.Command("go", "run", "./bench/push", "-campaign", "-subs", "2000", "-workers", "1", "-services", "2", "-dsn", pgtest.DB(t))
	cmd.Dir = "../.."
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go run ./bench/push -campaign: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`(?m)^1 worker\(s\): .* 2000 delivered in `).Match(out) {
		t.Fatalf("no result line for 2000 deliveries in:\n%s", out)
	}
}
