package sqlite_test

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/sqlite"
)

// TestFilesArePrivate: the database, its -wal and its -shm file, which
// hold push auth secrets and stored responses, are created 0600.
func TestFilesArePrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "swkit.db")
	s, err := sqlite.Open(t.Context(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sub := push.Subscription{Endpoint: "https://push.example.com/1"}
	sub.Keys.P256dh, sub.Keys.Auth = "p256dh", "auth-secret"
	if _, err := s.PutSubscription(t.Context(), sub); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s: mode %v, want 0600", filepath.Base(name), perm)
		}
	}
}

// envReadOnlyChild names the database a child process opens as another
// user, for TestReadOnlyFailsAtOpen.
const envReadOnlyChild = "SWKIT_TEST_SQLITE_READONLY"

// TestReadOnlyChild is the child of TestReadOnlyFailsAtOpen: it prints
// what Open returned.
func TestReadOnlyChild(t *testing.T) {
	path := os.Getenv(envReadOnlyChild)
	if path == "" {
		t.Skip("child of TestReadOnlyFailsAtOpen only")
	}
	s, err := sqlite.Open(t.Context(), path, store.Options{})
	if err == nil {
		s.Close()
		os.Stdout.WriteString("OPENED\n")
		return
	}
	os.Stdout.WriteString("ERROR " + err.Error() + "\n")
}

// TestReadOnlyFailsAtOpen: a database that can be read but not written
// (its folder writable, so that SQLite can create -wal and -shm, the case
// where SQLite itself reports nothing until the first write) is an error
// from Open, not a server that starts and fails every write. Root ignores
// permission bits, so as root the open runs in a child process as nobody.
func TestReadOnlyFailsAtOpen(t *testing.T) {
	dir, err := os.MkdirTemp("", "swkit-ro-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "swkit.db")
	s, err := sqlite.Open(t.Context(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := os.Chmod(path, 0o444); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	var got string
	if os.Geteuid() != 0 {
		s, err := sqlite.Open(t.Context(), path, store.Options{})
		if err == nil {
			s.Close()
			got = "OPENED"
		} else {
			got = "ERROR " + err.Error()
		}
	} else {
		got = openAsNobody(t, dir, path)
	}
	if !strings.HasPrefix(got, "ERROR ") || !strings.Contains(got, "cannot be written") {
		t.Errorf("Open of a read-only database: %s; want an error saying it cannot be written", got)
	}
}

// openAsNobody runs TestReadOnlyChild as the user nobody, from a copy of
// the test binary it can execute, and returns its line.
func openAsNobody(t *testing.T, dir, path string) string {
	t.Helper()
	bin := filepath.Join(dir, "sqlite.test")
	src, err := os.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	dst.Close()
	cmd := exec.Command(bin, "-test.run=^TestReadOnlyChild$", "-test.count=1")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), envReadOnlyChild+"="+path, "HOME="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "ERROR ") || line == "OPENED" {
			return line
		}
	}
	t.Fatalf("child as nobody: %v\n%s", err, out)
	return ""
}
