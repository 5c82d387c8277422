package open_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/open"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, dsn             string
		wantBackend, wantPath string
		wantErr               string
	}{
		{"empty", "", open.SQLite, "swkit.db", ""},
		{"plain path", "data/swkit.db", open.SQLite, "data/swkit.db", ""},
		{"absolute path", "/var/lib/swkit/swkit.db", open.SQLite, "/var/lib/swkit/swkit.db", ""},
		{"sqlite prefix", "sqlite:data.db", open.SQLite, "data.db", ""},
		{"sqlite url", "sqlite://data.db", open.SQLite, "data.db", ""},
		{"sqlite absolute url", "sqlite:///var/data.db", open.SQLite, "/var/data.db", ""},
		{"file prefix", "file:data.db", open.SQLite, "data.db", ""},
		{"windows path", `C:\swkit\swkit.db`, open.SQLite, `C:\swkit\swkit.db`, ""},
		{"postgres", "postgres://u:p@db:5432/swkit?sslmode=disable", open.Postgres, "postgres://u:p@db:5432/swkit?sslmode=disable", ""},
		{"postgresql", "postgresql://db/swkit", open.Postgres, "postgresql://db/swkit", ""},
		{"unknown scheme", "mysql://db/swkit", "", "", "unknown scheme mysql"},
		{"unknown scheme, password redacted", "mysql://admin:hunter2@db/swkit", "", "", `"mysql://admin:xxxxx@db/swkit": unknown scheme mysql`},
		{"sqlite without path", "sqlite:", "", "", "no file path"},
		{"sqlite parameters", "file:data.db?mode=ro", "", "", "parameters are not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			backend, path, err := open.Parse(tt.dsn)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Parse(%q) error = %v, want one saying %q", tt.dsn, err, tt.wantErr)
				}
				return
			}
			if err != nil || backend != tt.wantBackend || path != tt.wantPath {
				t.Fatalf("Parse(%q) = %q, %q, %v; want %q, %q, nil", tt.dsn, backend, path, err, tt.wantBackend, tt.wantPath)
			}
		})
	}
}

func TestOpenSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	s, err := open.Open(t.Context(), "sqlite:"+path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Subscriptions(t.Context(), "", 10); err != nil {
		t.Fatal(err)
	}
}

func TestOpenDefault(t *testing.T) {
	t.Chdir(t.TempDir())
	s, err := open.Open(t.Context(), "", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if m, _ := filepath.Glob(open.DefaultSQLite); len(m) != 1 {
		t.Errorf("Open(\"\") did not create %s in the working directory", open.DefaultSQLite)
	}
}

func TestOpenPostgresUnreachable(t *testing.T) {
	_, err := open.Open(t.Context(), "postgres://swkit@127.0.0.1:1/swkit", store.Options{})
	if err == nil || !strings.Contains(err.Error(), "open postgres") {
		t.Fatalf("Open with no server = %v, want an open postgres error", err)
	}
}
