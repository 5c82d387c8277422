package main

import (
	"strings"
	"testing"

	"github.com/swkit/swkit/internal/hostiletest"
)

// TestServeHostileTargets runs swkit serve itself, push API mounted, on the
// hostile fixture (dotfiles, links out of the folder) and sends it the
// corpus of internal/static, plus the same targets under the push prefix.
func TestServeHostileTargets(t *testing.T) {
	p := newPushFixture(t, 0)
	f := hostiletest.NewFixture(t)
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--push-token", testPushToken, "--security-headers"}, p.flags()...)
	url, _ := startCommand(t, append(args, f.Root)...)
	addr := strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/")
	targets := f.Targets(t, "../../internal/static/testdata/hostile/targets.txt")
	var pushTargets []string
	for _, target := range targets {
		if strings.HasPrefix(target, "/") {
			pushTargets = append(pushTargets, "/swkit/push"+target)
		}
	}
	statuses := f.Run(t, addr, append(targets, pushTargets...), "/", "/index.html", "/a/b.txt", "/a/", "/link-in")
	t.Logf("%d targets x GET, HEAD: statuses %v", len(targets)+len(pushTargets), statuses)
}
