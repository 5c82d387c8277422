// Package open opens the store backend that a DSN names, such as the value
// of swkit's --db flag. It lives apart from package store because it imports
// every backend, and the backends import store.
//
// The DSN forms:
//
//	""                           the SQLite file swkit.db in the working directory
//	postgres://user@host/db      PostgreSQL (also postgresql://, and any pgx parameter)
//	host=db user=swkit dbname=x  PostgreSQL, libpq's keyword/value form
//	                             (anything that starts with word=)
//	sqlite:path, sqlite://path   the SQLite file at path (sqlite:///abs/path for /abs/path)
//	file:path                    the SQLite file at path
//	path                         the SQLite file at path
//
// Any other scheme (mysql://...) is an error rather than a file of that name,
// and a keyword/value string is never taken for a file name: several
// processes would silently stop sharing their state, each on a file named
// after the DSN, password included. A SQLite file whose name starts with
// word= is given as sqlite:NAME.
package open

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/swkit/swkit/idempotency"
	"github.com/swkit/swkit/push/campaign"
	"github.com/swkit/swkit/push/pushapi"
	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/postgres"
	"github.com/swkit/swkit/store/sqlite"
)

// DefaultSQLite is the SQLite file used when the DSN is empty, relative to
// the working directory.
const DefaultSQLite = "swkit.db"

// Backend names, as Parse returns them.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Store is what Open returns, a *sqlite.Store or a *postgres.Store: the
// subscription store of package pushapi (with tags), the campaign store of
// package campaign and the key store of package idempotency over one
// database.
type Store interface {
	pushapi.TagStore
	campaign.Store
	idempotency.Store
	// PurgeExpired deletes expired idempotency keys (see
	// store.Options.PurgeInterval) and returns how many.
	PurgeExpired(ctx context.Context, now time.Time) (int64, error)
	// Close closes the database.
	Close() error
}

// Open opens the store that dsn names (see the package documentation) and
// brings its schema up to date.
func Open(ctx context.Context, dsn string, opts store.Options) (Store, error) {
	backend, target, err := Parse(dsn)
	if err != nil {
		return nil, err
	}
	// Not "return postgres.Open(...)": a nil *postgres.Store in the
	// interface would not be a nil Store.
	var s Store
	if backend == Postgres {
		s, err = postgres.Open(ctx, target, opts)
	} else {
		s, err = sqlite.Open(ctx, target, opts)
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

var (
	scheme = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*)://`)
	// keyword is the start of libpq's keyword/value form ("host=db ...").
	keyword = regexp.MustCompile(`^\s*[A-Za-z_][A-Za-z0-9_]*\s*=`)
	// password is a password in the keyword/value form, quoted or not.
	password = regexp.MustCompile(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S*)`)
)

// redacted is dsn with its password, if any, replaced by "xxxxx", in the
// URL form and in the keyword/value form: errors end up in logs and on
// terminals.
func redacted(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		return u.Redacted()
	}
	return password.ReplaceAllString(dsn, "${1}xxxxx")
}

// Parse returns the backend that dsn names, SQLite or Postgres, and what to
// give that backend's Open: the file path for SQLite, the DSN unchanged for
// PostgreSQL.
func Parse(dsn string) (backend, target string, err error) {
	switch {
	case dsn == "":
		return SQLite, DefaultSQLite, nil
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"), keyword.MatchString(dsn):
		return Postgres, dsn, nil
	case strings.HasPrefix(dsn, "sqlite:"):
		target = strings.TrimPrefix(dsn, "sqlite:")
		target = strings.TrimPrefix(target, "//") // sqlite://rel, sqlite:///abs
	case strings.HasPrefix(dsn, "file:"):
		target = strings.TrimPrefix(dsn, "file:")
		target = strings.TrimPrefix(target, "//")
	default:
		if m := scheme.FindStringSubmatch(dsn); m != nil {
			return "", "", fmt.Errorf("database %q: unknown scheme %s: use postgres://..., host=... dbname=..., sqlite:PATH or a file path", redacted(dsn), m[1])
		}
		target = dsn
	}
	if target == "" {
		return "", "", fmt.Errorf("database %q: no file path", redacted(dsn))
	}
	if strings.ContainsRune(target, '?') {
		return "", "", fmt.Errorf("database %q: SQLite parameters are not supported, give the file path alone", redacted(dsn))
	}
	return SQLite, target, nil
}
