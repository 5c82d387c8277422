package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestKeywordDSN: a keyword/value --db is PostgreSQL, never a SQLite file
// named after it, and its password is never printed.
func TestKeywordDSN(t *testing.T) {
	f := newPushFixture(t, 0)
	dir := t.TempDir()
	t.Chdir(dir)
	const dsn = "host=127.0.0.1 port=1 user=swkit password=hunter2-secret dbname=swkit connect_timeout=2"
	args := []string{"push", "send", "--title", "hi", "--db", dsn, "--vapid-public-key", f.keys.Public,
		"--vapid-private-key", f.keys.Private, "--vapid-subject", "mailto:ops@example.com"}
	code, stdout, stderr := runCmd(t, args...)
	if code == 0 {
		t.Fatalf("push send on an unreachable PostgreSQL succeeded: %s", stdout)
	}
	if strings.Contains(stdout+stderr, "hunter2") {
		t.Errorf("the password is printed:\n%s%s", stdout, stderr)
	}
	if !strings.Contains(stderr, "postgres") && !strings.Contains(stderr, "PostgreSQL") {
		t.Errorf("stderr %q does not say PostgreSQL", stderr)
	}
	if names, _ := filepath.Glob(filepath.Join(dir, "*")); len(names) > 0 {
		t.Errorf("files created: %q", names)
	}
}
