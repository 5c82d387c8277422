// Package pushserver wires swkit's push notifications in one call: the
// settings (read from the same environment variables as the swkit
// command), the store, the sender, the HTTP API and the campaign worker.
//
//	p, err := pushserver.New(ctx, pushserver.FromEnv())
//	if err != nil {
//		return err
//	}
//	defer p.Close() // stops the worker, then closes the store
//	p.Start()       // deliver campaigns from this process
//	mux.Handle("/swkit/push/", http.StripPrefix("/swkit/push", p.API))
//
// swkit serve, demo and the push commands use it too, so a Go program
// configured through the environment behaves as they do. The parts it
// builds (push.Sender, pushapi.Handler, campaign.Worker) stay available
// for programs that need to assemble them differently.
package pushserver

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/push/campaign"
	"github.com/swkit/swkit/push/pushapi"
	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/open"
)

// The environment variables FromEnv reads. Secrets belong there rather
// than in command-line flags, which other users of the machine see in ps.
const (
	EnvDB         = "SWKIT_DB"
	EnvPublicKey  = "SWKIT_VAPID_PUBLIC_KEY"
	EnvPrivateKey = "SWKIT_VAPID_PRIVATE_KEY"
	EnvSubject    = "SWKIT_VAPID_SUBJECT"
	EnvPushToken  = "SWKIT_PUSH_TOKEN"
	EnvPushProxy  = "SWKIT_PUSH_PROXY"
)

// Store is what push keeps in a database: subscriptions with their tags,
// and campaigns. swkit's SQLite and PostgreSQL stores are Stores.
type Store interface {
	pushapi.TagStore
	campaign.Store
	Close() error
}

// Config is every push setting. The zero value of each optional field
// means the default of the part it configures.
type Config struct {
	// DB names the database (see package store/open: a SQLite file,
	// sqlite:PATH, postgres://... or a keyword DSN). Empty means
	// open.DefaultSQLite. Ignored when Store is set.
	DB string
	// Store, when set, is used instead of opening DB; Close leaves it
	// open, as it belongs to the caller.
	Store Store
	// PublicKey and PrivateKey are the VAPID key pair from "swkit vapid"
	// or push.GenerateVAPIDKeys, in base64url.
	PublicKey, PrivateKey string
	// Subject is the contact push services can reach the sender at:
	// mailto: or https: (RFC 8292 §2.1 requires it).
	Subject string
	// SendToken turns on the API's POST send (see pushapi.Options).
	SendToken string
	// Proxy is an http:// or https:// proxy for requests to push services.
	Proxy string
	// Timeout limits one request to a push service (push.SenderOptions).
	Timeout time.Duration
	// AllowPrivate accepts subscription endpoints on http: and on loopback
	// or private addresses, at subscribe time and when the sender
	// connects. Tests only: on a public server it lets anyone make the
	// server send requests into its own network.
	AllowPrivate bool
	// Logf receives what the API and the worker log. Nil means log.Printf.
	Logf func(format string, args ...any)
}

// FromEnv returns the Config that the environment describes, as swkit
// serve reads it: SWKIT_DB, SWKIT_VAPID_PUBLIC_KEY,
// SWKIT_VAPID_PRIVATE_KEY, SWKIT_VAPID_SUBJECT, SWKIT_PUSH_TOKEN and
// SWKIT_PUSH_PROXY. Fields it leaves empty can be set afterwards.
func FromEnv() Config {
	var c Config
	c.FillFromEnv()
	return c
}

// FillFromEnv sets every empty field that has an environment variable
// from that variable, so that values set in code (or by flags) win.
func (c *Config) FillFromEnv() {
	for _, f := range []struct {
		v   *string
		env string
	}{
		{&c.DB, EnvDB}, {&c.PublicKey, EnvPublicKey}, {&c.PrivateKey, EnvPrivateKey},
		{&c.Subject, EnvSubject}, {&c.SendToken, EnvPushToken}, {&c.Proxy, EnvPushProxy},
	} {
		if *f.v == "" {
			*f.v = os.Getenv(f.env)
		}
	}
}

// Enabled reports whether push is meant to be on: either key is set. A
// server can serve without push when it is not, and should refuse to start
// when New then fails, rather than run with push quietly off.
func (c *Config) Enabled() bool { return c.PublicKey != "" || c.PrivateKey != "" }

// ErrNoKeys is returned when neither VAPID key is set.
var ErrNoKeys = errors.New(`no VAPID keys: run "swkit vapid" and set ` + EnvPublicKey + ` and ` + EnvPrivateKey)

// SettingError is a Config field that is missing or refused. Err says why
// and names the environment variable when that is where the value goes.
type SettingError struct {
	Setting string // the Config field: "PublicKey", "Subject", "SendToken", ...
	Err     error
}

func (e *SettingError) Error() string { return e.Err.Error() }
func (e *SettingError) Unwrap() error { return e.Err }

func settingError(setting string, format string, args ...any) error {
	return &SettingError{Setting: setting, Err: fmt.Errorf(format, args...)}
}

// Sender checks the key settings and returns the sender they describe,
// without opening the database.
func (c *Config) Sender() (*push.Sender, error) {
	switch {
	case c.PublicKey == "" && c.PrivateKey == "":
		return nil, ErrNoKeys
	case c.PublicKey == "":
		return nil, settingError("PublicKey", "VAPID private key set but no public key: set %s as well (both come from \"swkit vapid\")", EnvPublicKey)
	case c.PrivateKey == "":
		return nil, settingError("PrivateKey", "VAPID public key set but no private key: set %s as well (both come from \"swkit vapid\")", EnvPrivateKey)
	case c.Subject == "":
		return nil, settingError("Subject", "no VAPID subject: set %s to a mailto: or https: contact, as RFC 8292 requires", EnvSubject)
	case c.Timeout < 0:
		return nil, settingError("Timeout", "must be positive, got %s", c.Timeout)
	}
	v, err := push.ParseVAPIDKeys(c.PublicKey, c.PrivateKey)
	if ke, ok := errors.AsType[*push.KeyError](err); ok {
		setting := "PublicKey"
		if ke.Key == "private" {
			setting = "PrivateKey"
		}
		return nil, &SettingError{Setting: setting, Err: fmt.Errorf("VAPID %s key: %w: run \"swkit vapid\" for a fresh pair", ke.Key, ke.Err)}
	} else if err != nil {
		return nil, err
	}
	s, err := push.NewSender(v, push.SenderOptions{
		Subject: c.Subject, AllowPrivate: c.AllowPrivate, Proxy: c.Proxy, Timeout: c.Timeout,
	})
	if oe, ok := errors.AsType[*push.OptionError](err); ok {
		return nil, &SettingError{Setting: oe.Option, Err: oe}
	}
	return s, err
}

// OpenStore opens c.DB, or returns c.Store when it is set.
func (c *Config) OpenStore(ctx context.Context) (Store, error) {
	if c.Store != nil {
		return c.Store, nil
	}
	backend, target, err := open.Parse(c.DB)
	if err != nil {
		return nil, &SettingError{Setting: "DB", Err: err}
	}
	st, err := open.Open(ctx, c.DB, store.Options{})
	if err != nil {
		what := target // a PostgreSQL DSN may hold a password: never show it
		if backend == open.Postgres {
			what = "PostgreSQL"
		}
		return nil, fmt.Errorf("open database %s: %w", what, err)
	}
	return st, nil
}

// Push is push, wired: the API to mount, and the sender and store the
// campaign worker uses.
type Push struct {
	// API is the HTTP API; mount it with http.StripPrefix (see pushapi).
	API *pushapi.Handler
	// Sender sends with the configured keys, proxy and timeout.
	Sender *push.Sender
	// Store keeps subscriptions and campaigns.
	Store Store

	logf       func(string, ...any)
	closeStore bool
	mu         sync.Mutex
	stop       func() // stops the worker Start started and waits for it
}

// New checks cfg, opens the store and builds the API on it, with
// campaigns on (POST send records a campaign; see Start). It fails when a
// setting is missing or wrong, naming it: see Config.Enabled for serving
// without push.
func New(ctx context.Context, cfg Config) (*Push, error) {
	sender, err := cfg.Sender()
	if err != nil {
		return nil, err
	}
	st, err := cfg.OpenStore(ctx)
	if err != nil {
		return nil, err
	}
	p := &Push{Sender: sender, Store: st, logf: cfg.Logf, closeStore: cfg.Store == nil}
	p.API, err = pushapi.New(pushapi.Options{
		Store: st, Campaigns: st, VAPID: sender.VAPID(), Sender: sender, SendToken: cfg.SendToken,
		AllowPrivate: cfg.AllowPrivate, Logf: cfg.Logf,
	})
	if err != nil {
		p.Close()
		if oe, ok := errors.AsType[*pushapi.OptionError](err); ok {
			return nil, &SettingError{Setting: oe.Option, Err: oe.Err}
		}
		return nil, err
	}
	return p, nil
}

// Worker returns a campaign worker on p's store and sender; opts' Store,
// Sender and (when nil) Logf are filled in.
func (p *Push) Worker(opts campaign.WorkerOptions) (*campaign.Worker, error) {
	opts.Store, opts.Sender = p.Store, p.Sender
	if opts.Logf == nil {
		opts.Logf = p.logf
	}
	return campaign.NewWorker(opts)
}

// Start runs a campaign worker with default options in the background
// until Close, so that this process delivers campaigns, sharing them with
// every other worker on the store. Calling it again does nothing.
func (p *Push) Start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stop != nil {
		return nil
	}
	w, err := p.Worker(campaign.WorkerOptions{})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ctx)
	}()
	p.stop = func() {
		cancel()
		<-done
	}
	return nil
}

// Close stops the worker Start started, which first records what it sent
// and releases its batches, then closes the store if New opened it.
func (p *Push) Close() error {
	p.mu.Lock()
	stop := p.stop
	p.stop = nil
	p.mu.Unlock()
	if stop != nil {
		stop()
	}
	if p.closeStore {
		return p.Store.Close()
	}
	return nil
}
