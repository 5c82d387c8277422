package open

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/swkit/swkit/internal/pgtest"
	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestKeywordDSNIsPostgres: libpq's keyword/value form opens PostgreSQL,
// the same database as the URL form, and never a SQLite file named after
// it.
func TestKeywordDSNIsPostgres(t *testing.T) {
	dsn := pgtest.DB(t)
	kv := keywordForm(t, dsn)
	t.Chdir(t.TempDir())
	if backend, _, err := Parse(kv); err != nil || backend != Postgres {
		t.Fatalf("Parse(%q) = %q, %v; want postgres", kv, backend, err)
	}
	a, err := Open(t.Context(), dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(t.Context(), kv, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	sub := push.Subscription{Endpoint: "https://push.example.com/kv"}
	sub.Keys.P256dh, sub.Keys.Auth = "p256dh", "auth"
	if _, err := a.PutSubscription(t.Context(), sub); err != nil {
		t.Fatal(err)
	}
	page, err := b.Subscriptions(t.Context(), "", 10)
	if err != nil || len(page) != 1 || page[0].Endpoint != sub.Endpoint {
		t.Errorf("the keyword/value DSN sees %v, %v; want the subscription stored through the URL", page, err)
	}
	if names, _ := filepath.Glob("*"); len(names) > 0 {
		t.Errorf("files created in the working directory: %q", names)
	}
}

// keywordForm turns a postgres:// URL into libpq's keyword/value form.
func keywordForm(t *testing.T, dsn string) string {
	t.Helper()
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	kv := fmt.Sprintf("host=%s port=%d dbname=%s sslmode=disable", cfg.Host, cfg.Port, cfg.Database)
	if cfg.User != "" {
		kv += " user=" + cfg.User
	}
	if cfg.Password != "" {
		kv += " password='" + strings.ReplaceAll(cfg.Password, "'", `\'`) + "'"
	}
	return kv
}

func TestRedacted(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"host=db password=hunter2 dbname=x", "host=db password=xxxxx dbname=x"},
		{"host=db password = 'hun ter\\'2' dbname=x", "host=db password = xxxxx dbname=x"},
		{"PASSWORD=hunter2", "PASSWORD=xxxxx"},
		{"postgres://u:hunter2@db/x", "postgres://u:xxxxx@db/x"},
		{"data/swkit.db", "data/swkit.db"},
	} {
		if got := redacted(tc.in); got != tc.want {
			t.Errorf("redacted(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseKeywordForms(t *testing.T) {
	for _, tc := range []struct{ dsn, backend, target string }{
		{"host=db password=hunter2 dbname=swkit", Postgres, "host=db password=hunter2 dbname=swkit"},
		{"  dbname = swkit", Postgres, "  dbname = swkit"},
		{"sqlite:a=b.db", SQLite, "a=b.db"},
		{"data/a=b.db", SQLite, "data/a=b.db"},
	} {
		backend, target, err := Parse(tc.dsn)
		if err != nil || backend != tc.backend || target != tc.target {
			t.Errorf("Parse(%q) = %q, %q, %v; want %q, %q", tc.dsn, backend, target, err, tc.backend, tc.target)
		}
	}
}
