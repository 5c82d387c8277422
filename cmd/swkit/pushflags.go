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

	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/push/pushapi"
	"github.com/swkit/swkit/push/pushserver"
	"github.com/swkit/swkit/store/open"
)

// The environment variables the push flags fall back to, the ones a Go
// program reads with pushserver.FromEnv.
const (
	envDB         = pushserver.EnvDB
	envPublicKey  = pushserver.EnvPublicKey
	envPrivateKey = pushserver.EnvPrivateKey
	envSubject    = pushserver.EnvSubject
	envPushToken  = pushserver.EnvPushToken
	envPushProxy  = pushserver.EnvPushProxy
)

// pushConfig is the push settings shared by serve, demo and the push
// commands: flags over pushserver.Config, whose environment variables fill
// the flags left empty.
type pushConfig struct {
	pushserver.Config
}

// addPushFlags defines the push flags on fl; server adds --push-token.
func addPushFlags(fl *flag.FlagSet, server bool) *pushConfig {
	c := &pushConfig{}
	fl.StringVar(&c.DB, "db", "", "store: a SQLite file, sqlite:PATH, postgres://... or 'host=... dbname=...' (env "+envDB+"; default "+open.DefaultSQLite+")")
	fl.StringVar(&c.PublicKey, "vapid-public-key", "", "VAPID public key from \"swkit vapid\" (env "+envPublicKey+")")
	fl.StringVar(&c.PrivateKey, "vapid-private-key", "", "VAPID private key (env "+envPrivateKey+", preferred: flags show in ps)")
	fl.StringVar(&c.Subject, "vapid-subject", "", "contact for push services, mailto: or https: (env "+envSubject+")")
	fl.BoolVar(&c.AllowPrivate, "push-allow-private", false, "accept push endpoints on http and private addresses (tests only)")
	fl.StringVar(&c.Proxy, "push-proxy", "", "HTTP proxy URL for requests to push services (env "+envPushProxy+")")
	fl.DurationVar(&c.Timeout, "push-timeout", 0, "limit for one request to a push service (default 30s)")
	if server {
		fl.StringVar(&c.SendToken, "push-token", "", "bearer token that enables the push API's POST send, 16+ characters (env "+envPushToken+")")
	}
	return c
}

// resolve fills empty settings from the environment; call it after parsing.
func (c *pushConfig) resolve() { c.FillFromEnv() }

// errNoKeys is the one line a user sees when push needs keys.
var errNoKeys = fmt.Errorf("%w (or pass --vapid-public-key and --vapid-private-key)", pushserver.ErrNoKeys)

// flagNames are the flags behind pushserver.Config's fields.
var flagNames = map[string]string{
	"Subject": "vapid-subject", "Proxy": "push-proxy", "Timeout": "push-timeout",
	"SendToken": "push-token", "DB": "db",
}

// settingError names the flag behind a refused setting; the library's own
// text already names the environment variable of a missing one.
func settingError(err error) error {
	if errors.Is(err, pushserver.ErrNoKeys) {
		return errNoKeys
	}
	se, ok := errors.AsType[*pushserver.SettingError](err)
	if !ok {
		return err
	}
	name, ok := flagNames[se.Setting]
	inner := se.Err
	oe, refused := errors.AsType[*push.OptionError](inner)
	if refused {
		inner = oe.Err
	}
	switch {
	case !ok:
		return err
	case se.Setting == "Subject" && !refused:
		return fmt.Errorf("%w (or pass --%s)", err, name) // missing
	}
	return fmt.Errorf("--%s: %w", name, inner)
}

// openStore opens --db. With mustExist a SQLite file must already be there:
// "push send" on a mistyped path would otherwise create an empty database
// and report zero deliveries as if all were well.
func (c *pushConfig) openStore(ctx context.Context, mustExist bool) (pushserver.Store, error) {
	if err := c.checkExists(mustExist); err != nil {
		return nil, err
	}
	st, err := c.OpenStore(ctx)
	return st, settingError(err)
}

func (c *pushConfig) checkExists(mustExist bool) error {
	backend, target, err := open.Parse(c.DB)
	if err != nil {
		return fmt.Errorf("--db: %w", err)
	}
	if backend == open.SQLite && mustExist {
		if _, err := os.Stat(target); errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("database %s does not exist: pass --db or set %s to the server's database", target, envDB)
		}
	}
	return nil
}

// sender checks the key settings and returns the Sender they describe.
func (c *pushConfig) sender() (*push.Sender, error) {
	s, err := c.Sender()
	return s, settingError(err)
}

// open checks the settings and opens push on the store: the API, the
// sender and the store. The caller closes it.
func (c *pushConfig) open(ctx context.Context, logf func(string, ...any), mustExist bool) (*pushserver.Push, error) {
	// The keys first, so that a missing one is reported before a missing
	// database.
	if _, err := c.sender(); err != nil {
		return nil, err
	}
	if err := c.checkExists(mustExist); err != nil {
		return nil, err
	}
	cfg := c.Config
	cfg.Logf = logf
	p, err := pushserver.New(ctx, cfg)
	return p, settingError(err)
}

// pushMount is the push API in front of a server's own handler, or nothing
// when push is off.
type pushMount struct {
	api  *pushapi.Handler // nil when push is off
	push *pushserver.Push
	send string // whether the send endpoint is on, for note
	note string // one line for the operator, once wrap has run
}

// mountPush returns push on when keys are configured, or off with a note
// saying how to turn it on. Half a configuration is an error, not "off".
func (c *pushConfig) mountPush(ctx context.Context, stderr io.Writer) (*pushMount, error) {
	c.resolve()
	if !c.Enabled() {
		return &pushMount{note: "push is off: run \"swkit vapid\" and set " + envPublicKey + ", " + envPrivateKey + " and " + envSubject + " to turn it on"}, nil
	}
	logf := func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) }
	p, err := c.open(ctx, logf, false)
	if err != nil {
		return nil, err
	}
	send := "send endpoint off (set " + envPushToken + " to enable it)"
	if c.SendToken != "" {
		send = "send endpoint on"
	}
	// Every server with push on delivers campaigns, sharing them with the
	// other instances on the store.
	if err := p.Start(); err != nil {
		p.Close()
		return nil, err
	}
	return &pushMount{api: p.API, push: p, send: send}, nil
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

// Close stops the campaign worker and closes the store, if push opened
// them. The worker first records what it sent and releases its batches.
func (m *pushMount) Close() {
	if m.push != nil {
		m.push.Close()
	}
}
