// Package e2e holds swkit's browser tests: generated workers, served by
// internal/static from a 127.0.0.1 server, driven in Chromium. One browser
// serves the package; each test has its own tab and its own port (origin).
package e2e

import (
	"testing"

	"github.com/swkit/swkit/internal/browsertest"
)

func TestMain(m *testing.M) { browsertest.Main(m) }
