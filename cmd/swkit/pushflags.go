package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/swkit/swkit/internal/demo"
	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/push/pushapi"
	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/open"
)

// The environment variables the push flags fall back to. Secrets belong
// there rather than in flags, which other users of the machine see in ps.
const (
	envDB         = "SWKIT_DB"
	envPublicKey  = "SWKIT_VAPID_PUBLIC_KEY"
	envPrivateKey = "SWKIT_VAPID_PRIVATE_KEY"
	envSubject    = "SWKIT_VAPID_SUBJECT"
	envPushToken  = "SWKIT_PUSH_TOKEN"
)

// pushConfig is the push settings shared by serve, demo and push send. An
// empty flag falls back to its environment variable.
type pushConfig struct {
	db, publicKey, privateKey, subject, token string
	allowPrivate                              bool
}

// addPushFlags defines the push flags on fl; server adds --push-token.
func addPushFlags(fl *flag.FlagSet, server bool) *pushConfig {
	c := &pushConfig{}
	fl.StringVar(&c.db, "db", "", "store: a SQLite file, sqlite:PATH, postgres://... or 'host=... dbname=...' (env "+envDB+"; default "+open.DefaultSQLite+")")
	fl.StringVar(&c.publicKey, "vapid-public-key", "", "VAPID public key from \"swkit vapid\" (env "+envPublicKey+")")
	fl.StringVar(&c.privateKey, "vapid-private-key", "", "VAPID private key (env "+envPrivateKey+", preferred: flags show in ps)")
	fl.StringVar(&c.subject, "vapid-subject", "", "contact for push services, mailto: or https: (env "+envSubject+")")
	fl.BoolVar(&c.allowPrivate, "push-allow-private", false, "accept push endpoints on http and private addresses (tests only)")
	if server {
		fl.StringVar(&c.token, "push-token", "", "bearer token that enables the push API's POST send, 16+ characters (env "+envPushToken+")")
	}
	return c
}

// resolve fills empty settings from the environment; call it after parsing.
func (c *pushConfig) resolve() {
	for _, f := range []struct {
		v   *string
		env string
	}{
		{&c.db, envDB}, {&c.publicKey, envPublicKey}, {&c.privateKey, envPrivateKey},
		{&c.subject, envSubject}, {&c.token, envPushToken},
	} {
		if *f.v == "" {
			*f.v = os.Getenv(f.env)
		}
	}
}

// keysConfigured reports whether push is meant to be on: either key set.
func (c *pushConfig) keysConfigured() bool { return c.publicKey != "" || c.privateKey != "" }

// errNoKeys is the one line a user sees when push needs keys.
var errNoKeys = errors.New(`no VAPID keys: run "swkit vapid" and set ` + envPublicKey + ` and ` + envPrivateKey + ` (or pass --vapid-public-key and --vapid-private-key)`)

// handler checks the settings, opens the store and returns the push API on
// it. The caller closes the store.
func (c *pushConfig) handler(ctx context.Context, logf func(string, ...any), mustExist bool) (*pushapi.Handler, io.Closer, error) {
	switch {
	case c.publicKey == "" && c.privateKey == "":
		return nil, nil, errNoKeys
	case c.publicKey == "":
		return nil, nil, errors.New("VAPID private key set but no public key: set " + envPublicKey + " as well (both come from \"swkit vapid\")")
	case c.privateKey == "":
		return nil, nil, errors.New("VAPID public key set but no private key: set " + envPrivateKey + " as well (both come from \"swkit vapid\")")
	case c.subject == "":
		// RFC 8292 §2.1: push services want a way to reach the sender.
		return nil, nil, errors.New("no VAPID subject: set " + envSubject + " or --vapid-subject to a mailto: or https: contact (RFC 8292 requires one)")
	}
	v, err := push.ParseVAPIDKeys(c.publicKey, c.privateKey)
	if ke, ok := errors.AsType[*push.KeyError](err); ok {
		return nil, nil, fmt.Errorf("VAPID %s key: %w: run \"swkit vapid\" for a fresh pair", ke.Key, ke.Err)
	} else if err != nil {
		return nil, nil, err
	}
	sender, err := push.NewSender(v, push.SenderOptions{Subject: c.subject, AllowPrivate: c.allowPrivate})
	if oe, ok := errors.AsType[*push.OptionError](err); ok && oe.Option == "Subject" {
		return nil, nil, fmt.Errorf("--vapid-subject: %w", oe.Err)
	} else if err != nil {
		return nil, nil, err
	}
	st, err := c.openStore(ctx, mustExist)
	if err != nil {
		return nil, nil, err
	}
	h, err := pushapi.New(pushapi.Options{
		Store: st, VAPID: v, Sender: sender, SendToken: c.token,
		AllowPrivate: c.allowPrivate, Logf: logf,
	})
	if err != nil {
		st.Close()
		if oe, ok := errors.AsType[*pushapi.OptionError](err); ok && oe.Option == "SendToken" {
			return nil, nil, fmt.Errorf("--push-token: %w", oe.Err)
		}
		return nil, nil, err
	}
	return h, st, nil
}

// openStore opens --db. With mustExist a SQLite file must already be there:
// "push send" on a mistyped path would otherwise create an empty database
// and report zero deliveries as if all were well.
func (c *pushConfig) openStore(ctx context.Context, mustExist bool) (open.Store, error) {
	backend, target, err := open.Parse(c.db)
	if err != nil {
		return nil, fmt.Errorf("--db: %w", err)
	}
	if backend == open.SQLite && mustExist {
		if _, err := os.Stat(target); errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("database %s does not exist: pass --db or set %s to the server's database", target, envDB)
		}
	}
	st, err := open.Open(ctx, c.db, store.Options{})
	if err != nil {
		what := target // a PostgreSQL DSN may hold a password: never print it
		if backend == open.Postgres {
			what = "PostgreSQL"
		}
		return nil, fmt.Errorf("open database %s: %w", what, err)
	}
	return st, nil
}

// pushMount is the push API in front of a server's own handler, or nothing
// when push is off.
type pushMount struct {
	api   *pushapi.Handler // nil when push is off
	store io.Closer
	send  string // whether the send endpoint is on, for note
	note  string // one line for the operator, once wrap has run
}

// mountPush returns push on when keys are configured, or off with a note
// saying how to turn it on. Half a configuration is an error, not "off".
// With demoKeys (swkit demo), no keys configured means the demo's own,
// made on the first run and kept in the store (demo.VAPIDKeys).
func (c *pushConfig) mountPush(ctx context.Context, stderr io.Writer, demoKeys bool) (*pushMount, error) {
	c.resolve()
	var keysNote string
	if !c.keysConfigured() && demoKeys {
		where, err := c.useDemoKeys(ctx)
		if err != nil {
			return nil, err
		}
		keysNote = "; VAPID keys kept in " + where
	}
	if !c.keysConfigured() {
		return &pushMount{note: "push is off: run \"swkit vapid\" and set " + envPublicKey + ", " + envPrivateKey + " and " + envSubject + " to turn it on"}, nil
	}
	logf := func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) }
	h, st, err := c.handler(ctx, logf, false)
	if err != nil {
		return nil, err
	}
	send := "send endpoint off (set " + envPushToken + " to enable it)"
	if c.token != "" {
		send = "send endpoint on"
	}
	return &pushMount{api: h, store: st, send: send + keysNote}, nil
}

// useDemoKeys sets the demo's keys from the store, making them on the
// first run, and a demo subject unless one is set; it returns where the
// keys are kept, for the operator (never the keys themselves).
func (c *pushConfig) useDemoKeys(ctx context.Context) (string, error) {
	st, err := c.openStore(ctx, false)
	if err != nil {
		return "", err
	}
	defer st.Close()
	ks, ok := st.(demo.KeyStore)
	if !ok {
		return "", fmt.Errorf("the store %T cannot keep the demo's keys: set %s and %s", st, envPublicKey, envPrivateKey)
	}
	keys, err := demo.VAPIDKeys(ctx, ks)
	if err != nil {
		return "", err
	}
	c.publicKey, c.privateKey = keys.Public, keys.Private
	if c.subject == "" {
		c.subject = demo.Subject
	}
	backend, target, _ := open.Parse(c.db)
	if backend == open.Postgres {
		return "PostgreSQL", nil
	}
	return target, nil
}

// wrap serves the push API under endpoint, a path ending in "/" such as
// pushapi.DefaultPrefix (swkit.json's push.endpoint), and everything else
// with next; it also sets the note to say where. A plain prefix test
// rather than a ServeMux, so that next keeps seeing requests exactly as
// before (ServeMux would redirect unclean paths).
func (m *pushMount) wrap(endpoint string, next http.Handler) http.Handler {
	if m.api == nil {
		return next
	}
	m.note = "push API at " + endpoint + ", " + m.send
	api := http.StripPrefix(endpoint, m.api)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, endpoint) {
			api.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Close closes the store, if push opened one.
func (m *pushMount) Close() {
	if m.store != nil {
		m.store.Close()
	}
}
