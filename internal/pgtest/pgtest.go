// Package pgtest gives tests a real PostgreSQL server: a throwaway one started
// from the locally installed server binaries (Debian's postgresql package), or
// an existing one named by SWKIT_TEST_POSTGRES_DSN.
//
// A test package that needs PostgreSQL calls Main from TestMain and DB in each
// test:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
//	func TestX(t *testing.T) {
//		dsn := pgtest.DB(t) // a new, empty database, dropped when t ends
//	}
//
// There is no silent skip: when no server can be found or started, DB fails
// the test and says how to install one.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvDSN names the environment variable that points the tests at an existing
// server instead of starting one. Its role must be allowed to create
// databases (CREATEDB); each test gets its own and drops it afterwards.
const EnvDSN = "SWKIT_TEST_POSTGRES_DSN"

// NotFound is the message given when no server binaries are installed.
const NotFound = "PostgreSQL server not found: run `apt-get install -y postgresql` or ./test.sh, which installs it " +
	"(or set " + EnvDSN + " to use a running server)"

var (
	sharedOnce sync.Once
	shared     *Server
	sharedErr  error
)

// Main runs the package's tests (m.Run), then stops the shared server if a
// test started it, and exits with the tests' status.
func Main(m *testing.M) { os.Exit(Run(m)) }

// Run is Main without the exit, for a TestMain that has its own (such as
// testscript.Main): it runs the tests, stops the shared server if a test
// started it, and returns the tests' status.
func Run(m interface{ Run() int }) int {
	code := m.Run()
	if shared != nil {
		if err := shared.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest:", err)
		}
	}
	return code
}

// DB creates a new, empty database on the shared server and returns its DSN.
// The database is dropped when t ends (after the cleanups that t registers
// later, such as closing pools on it). The shared server is started by the
// first call, or is the one SWKIT_TEST_POSTGRES_DSN names.
func DB(t testing.TB) string {
	t.Helper()
	sharedOnce.Do(func() {
		if dsn := os.Getenv(EnvDSN); dsn != "" {
			shared = &Server{admin: dsn}
			return
		}
		shared, sharedErr = Start()
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared.CreateDB(t)
}

// Server is a PostgreSQL server for tests.
type Server struct {
	admin string // DSN of a database to run CREATE DATABASE from

	// Set for a server this package started.
	dir  string // temporary folder: data/, sock/, log
	bin  string // folder of initdb and postgres
	port int
	cred *syscall.Credential // the postgres user's, when running as root
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd exits
}

// Start starts a new server: initdb in a temporary folder, then postgres on
// 127.0.0.1 on a free port, with fsync off. As root it runs them as the
// postgres system user, since PostgreSQL refuses to run as root.
func Start() (*Server, error) {
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin}
	if os.Geteuid() == 0 {
		if s.cred, err = postgresUser(); err != nil {
			return nil, err
		}
	}
	// Not t.TempDir: its parents are root's and closed to the postgres user.
	if s.dir, err = os.MkdirTemp("", "swkit-pgtest-"); err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	if err := s.init(); err != nil {
		os.RemoveAll(s.dir)
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		if s.port, err = freePort(); err != nil {
			break
		}
		if err = s.start(); err == nil || attempt == 2 {
			break
		} // else the port was taken between freePort and start: try another
	}
	if err != nil {
		os.RemoveAll(s.dir)
		return nil, err
	}
	s.admin = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.port)
	return s, nil
}

// binGlob is where Debian installs the server binaries, one folder a major
// version.
var binGlob = "/usr/lib/postgresql/*/bin"

// findBin returns the folder holding initdb and postgres: the newest
// /usr/lib/postgresql/N/bin (Debian), or the one on PATH.
func findBin() (string, error) {
	dirs, _ := filepath.Glob(binGlob)
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		d := filepath.Dir(p)
		if isExec(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", errors.New(NotFound)
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

func postgresUser() (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgtest: running as root and there is no postgres user (PostgreSQL refuses to run as root): " +
			"install Debian's postgresql package, which creates it, or run the tests as another user")
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("pgtest: postgres user has uid %q gid %q", u.Uid, u.Gid)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	cmd.Dir = s.dir
	// Pdeathsig: if the test binary dies, so does its server (SIGQUIT is
	// PostgreSQL's immediate shutdown), instead of lingering.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred, Pdeathsig: syscall.SIGQUIT}
	return cmd
}

func (s *Server) init() error {
	sock := filepath.Join(s.dir, "sock")
	if err := os.Mkdir(sock, 0o700); err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	if s.cred != nil {
		for _, p := range []string{s.dir, sock} {
			if err := os.Chown(p, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
				return fmt.Errorf("pgtest: hand %s to the postgres user: %w", p, err)
			}
		}
	}
	args := []string{"-D", filepath.Join(s.dir, "data"), "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-sync"}
	// An ICU locale that does not sort like bytes: tests then catch a query
	// that forgets COLLATE "C" where byte order is promised.
	icu := append(args, "--locale=C.UTF-8", "--locale-provider=icu", "--icu-locale=en-US")
	out, err := s.command("initdb", icu...).CombinedOutput()
	if err != nil {
		os.RemoveAll(filepath.Join(s.dir, "data"))
		out, err = s.command("initdb", args...).CombinedOutput()
	}
	if err != nil {
		return fmt.Errorf("pgtest: initdb: %w\n%s", err, out)
	}
	return nil
}

// start runs postgres on s.port and waits until it accepts connections.
func (s *Server) start() error {
	logPath := filepath.Join(s.dir, "postgres.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer logFile.Close() // the child has its own descriptor
	cmd := s.command("postgres",
		"-D", filepath.Join(s.dir, "data"),
		"-p", strconv.Itoa(s.port),
		"-k", filepath.Join(s.dir, "sock"),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "fsync=off",
		"-c", "synchronous_commit=off",
		"-c", "full_page_writes=off",
		"-c", "max_connections=300",
	)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("pgtest: start postgres: %w", err)
	}
	s.cmd, s.done = cmd, make(chan struct{})
	go func() { cmd.Wait(); close(s.done) }()

	dsn := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable&connect_timeout=2", s.port)
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, dsn)
		if err == nil {
			conn.Close(ctx)
			cancel()
			return nil
		}
		cancel()
		select {
		case <-s.done:
			log, _ := os.ReadFile(logPath)
			return fmt.Errorf("pgtest: postgres exited at start (%v):\n%s", cmd.ProcessState, log)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Stop()
			log, _ := os.ReadFile(logPath)
			return fmt.Errorf("pgtest: postgres did not accept connections within 60 s: %v\n%s", err, log)
		}
	}
}

// Stop shuts the server down (fast shutdown: clients are disconnected) and
// keeps its data, so that Restart can bring it back. It is for tests of a
// database that goes away; it fails for a server given by SWKIT_TEST_POSTGRES_DSN.
func (s *Server) Stop() error {
	if s.cmd == nil {
		return errors.New("pgtest: stop: not a server this package started")
	}
	select {
	case <-s.done:
		return nil
	default:
	}
	s.cmd.Process.Signal(syscall.SIGINT) // fast shutdown
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
	return nil
}

// Restart starts a stopped server again on the same port with the same data.
func (s *Server) Restart() error {
	if s.cmd == nil {
		return errors.New("pgtest: restart: not a server this package started")
	}
	select {
	case <-s.done:
	default:
		return errors.New("pgtest: restart: server still running")
	}
	return s.start()
}

// Close stops a server this package started and deletes its files. For a
// server given by SWKIT_TEST_POSTGRES_DSN it does nothing.
func (s *Server) Close() error {
	if s.cmd == nil {
		return nil
	}
	err := s.Stop()
	if rerr := os.RemoveAll(s.dir); err == nil && rerr != nil {
		err = fmt.Errorf("pgtest: %w", rerr)
	}
	return err
}

// DSN is the server's administrator DSN, for programs (benchmarks) that
// use the server outside a test.
func (s *Server) DSN() string { return s.admin }

// CreateDB creates a new, empty database and returns its DSN; it is dropped
// when t ends.
func (s *Server) CreateDB(t testing.TB) string {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	name := "swkit_test_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// FORCE: a test that failed half-way may leave connections open.
		if err := s.exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	dsn, err := withDatabase(s.admin, name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return dsn
}

func (s *Server) exec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, s.admin)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// withDatabase returns dsn (a URL or a keyword/value string) naming database
// name instead of its own.
func withDatabase(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("parse %s: %w", EnvDSN, err)
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	// Keyword/value form: a later keyword overrides an earlier one.
	return dsn + " dbname=" + name, nil
}
