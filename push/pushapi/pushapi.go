// Package pushapi is the server side of swkit's push notifications: the HTTP
// API that pages call to fetch the VAPID public key and to register or drop
// their push subscriptions, a token-guarded endpoint that sends a
// notification to every stored subscription, and [Handler.Send], the same
// send for Go callers (the swkit command, the demo).
//
// The Handler serves paths relative to where it is mounted, as
// http.FileServer does: strip the mount path before it with
// http.StripPrefix. Mount it at [DefaultPrefix], where swkit's service
// worker and page helper look unless swkit.json's push.endpoint says
// otherwise, or at that endpoint:
//
//	h, err := pushapi.New(pushapi.Options{Store: st, VAPID: v, Sender: s, SendToken: tok})
//	mux.Handle("/swkit/push/", http.StripPrefix("/swkit/push", h))
//
// The endpoints, relative to the mount path (see docs/push.md for examples):
//
//	GET    public-key     {"publicKey": "<base64url>"}
//	POST   subscriptions  PushSubscription.toJSON(), optionally with "tags" -> 201 (200 if already stored)
//	DELETE subscriptions  {"endpoint": "..."} -> 204, stored or not
//	POST   send           Authorization: Bearer <token>; a notification -> 202 {"id"} with
//	                      Options.Campaigns ({"id", "delivered", "gone", "failed"} with ?wait=true),
//	                      else {"delivered", "gone", "failed"}
//	GET    campaigns/ID   Authorization: Bearer <token> -> the campaign's counts (ID may be "latest")
//
// Security rules: request bodies must be application/json (so that a
// cross-site HTML form cannot post them) and at most Options.MaxBodyBytes;
// subscription endpoints must be https URLs of public hosts
// (push.CheckEndpoint) unless Options.AllowPrivate; the send endpoint
// exists only when Options.SendToken is set, and compares tokens in
// constant time. Error bodies are {"error": "..."} naming the offending
// field, and never carry internal details (those go to Options.Logf).
package pushapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/push/campaign"
)

// DefaultPrefix is where swkit's service worker and page helper expect the
// push API when swkit.json's push.endpoint does not say: the worker fetches
// DefaultPrefix+"public-key" and posts to DefaultPrefix+"subscriptions".
const DefaultPrefix = config.DefaultPushEndpoint

// DefaultMaxBodyBytes is the request body limit when Options.MaxBodyBytes is
// zero: a subscription is about 400 bytes of JSON, and a notification cannot
// carry more than push.MaxPayload (3993) bytes anyway.
const DefaultMaxBodyBytes = 8 << 10

// MinSendTokenLength is the shortest Options.SendToken New accepts, so that
// the token cannot be guessed by trying.
const MinSendTokenLength = 16

// sendTimeout bounds one fan-out started over HTTP. The fan-out does not
// stop when the caller hangs up: half a broadcast is worse than a slow one.
const sendTimeout = 10 * time.Minute

// Options configures a Handler. Store, VAPID and Sender are required.
type Options struct {
	// Store keeps the subscriptions.
	Store Store
	// VAPID is the application server identity; its public key is what
	// GET public-key returns. It must be the one Sender signs with.
	VAPID *push.VAPID
	// Sender delivers the notifications.
	Sender *push.Sender
	// Campaigns, when set, makes POST send record a campaign for the
	// workers that share this store (package campaign) and answer at
	// once with its id, and serves GET campaigns/ID. When nil, POST send
	// delivers from this process before it answers, as Send does.
	Campaigns campaign.Store
	// SendToken enables POST send for requests carrying
	// "Authorization: Bearer <SendToken>". Empty: the send endpoint answers
	// 404 and only Handler.Send can send. At least MinSendTokenLength
	// characters; treat it as a password.
	SendToken string
	// AllowPrivate accepts subscription endpoints on http URLs and on
	// loopback or private addresses. For tests and LAN setups only: on a
	// public server it lets anyone make the server post to its own network.
	// The Sender needs push.SenderOptions.AllowPrivate as well.
	AllowPrivate bool
	// MaxBodyBytes limits every request body; larger ones get 413. Zero
	// means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Logf receives what error responses leave out (store failures,
	// delivery errors, wrong send tokens). Nil means log.Printf.
	Logf func(format string, args ...any)
	// SubscribeLimit bounds POST and DELETE subscriptions per client
	// address; over it they get 429 with Retry-After. Zero means
	// DefaultSubscribeLimit; a negative Rate turns it off.
	SubscribeLimit RateLimit
	// TokenFailureLimit bounds wrong send tokens per client address: past
	// it, the client's send and campaign requests get 429 until the bucket
	// refills, right token or not. Zero means DefaultTokenFailureLimit; a
	// negative Rate turns it off. Every wrong token is logged with the
	// client's address.
	TokenFailureLimit RateLimit
	// ClientAddr returns the address the limits count by. Nil means the
	// host of r.RemoteAddr; behind a reverse proxy you trust, return the
	// address it forwards (X-Forwarded-For), or every client shares one.
	ClientAddr func(r *http.Request) string
}

// Handler serves the push API. Create it with New; it is safe for
// concurrent use.
type Handler struct {
	store        Store
	campaigns    campaign.Store
	vapid        *push.VAPID
	sender       *push.Sender
	allowPrivate bool
	maxBody      int64
	logf         func(format string, args ...any)
	sendEnabled  bool
	tokenSum     [sha256.Size]byte
	subscribes   *limiter
	tokenFails   *limiter
	clientAddr   func(*http.Request) string
}

// OptionError is an Options field that New refuses.
type OptionError struct {
	Option string // "Store", "SendToken", ...
	Err    error
}

func (e *OptionError) Error() string { return "pushapi: Options." + e.Option + ": " + e.Err.Error() }

func (e *OptionError) Unwrap() error { return e.Err }

var errRequired = errors.New("required")

// New checks opts and returns a Handler. An option it refuses gives an
// *OptionError.
func New(opts Options) (*Handler, error) {
	switch {
	case opts.Store == nil:
		return nil, &OptionError{"Store", errRequired}
	case opts.VAPID == nil:
		return nil, &OptionError{"VAPID", errRequired}
	case opts.Sender == nil:
		return nil, &OptionError{"Sender", errRequired}
	case opts.SendToken != "" && len(opts.SendToken) < MinSendTokenLength:
		// The token is a secret: its length only.
		return nil, &OptionError{"SendToken", fmt.Errorf("at least %d characters, got %d", MinSendTokenLength, len(opts.SendToken))}
	case opts.MaxBodyBytes < 0:
		return nil, &OptionError{"MaxBodyBytes", fmt.Errorf("negative (%d)", opts.MaxBodyBytes)}
	case opts.SubscribeLimit.Rate >= 0 && opts.SubscribeLimit != (RateLimit{}) && (opts.SubscribeLimit.Rate == 0 || opts.SubscribeLimit.Burst < 1):
		return nil, &OptionError{"SubscribeLimit", errors.New("want a positive Rate and Burst, or a negative Rate for none")}
	case opts.TokenFailureLimit.Rate >= 0 && opts.TokenFailureLimit != (RateLimit{}) && (opts.TokenFailureLimit.Rate == 0 || opts.TokenFailureLimit.Burst < 1):
		return nil, &OptionError{"TokenFailureLimit", errors.New("want a positive Rate and Burst, or a negative Rate for none")}
	}
	h := &Handler{
		store:        opts.Store,
		campaigns:    opts.Campaigns,
		vapid:        opts.VAPID,
		sender:       opts.Sender,
		allowPrivate: opts.AllowPrivate,
		maxBody:      opts.MaxBodyBytes,
		logf:         opts.Logf,
		sendEnabled:  opts.SendToken != "",
		tokenSum:     sha256.Sum256([]byte(opts.SendToken)),
		subscribes:   newLimiter(opts.SubscribeLimit, DefaultSubscribeLimit),
		tokenFails:   newLimiter(opts.TokenFailureLimit, DefaultTokenFailureLimit),
		clientAddr:   opts.ClientAddr,
	}
	if h.clientAddr == nil {
		h.clientAddr = clientAddr
	}
	if h.maxBody == 0 {
		h.maxBody = DefaultMaxBodyBytes
	}
	if h.logf == nil {
		h.logf = log.Printf
	}
	return h, nil
}

// ServeHTTP routes the request by its path relative to the mount path:
// "public-key" or "/public-key", whether http.StripPrefix took the mount
// path's last slash or left it.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	switch strings.TrimPrefix(r.URL.Path, "/") {
	case "public-key":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			methodNotAllowed(w, "GET, HEAD")
			return
		}
		h.publicKey(w)
	case "subscriptions":
		if r.Method == http.MethodPost || r.Method == http.MethodDelete {
			client := h.clientAddr(r)
			if ok, wait, log := h.subscribes.allow(client, time.Now()); !ok {
				if log {
					h.logf("pushapi: too many subscription requests from %s: answering 429", client)
				}
				tooMany(w, wait)
				return
			}
		}
		switch r.Method {
		case http.MethodPost:
			h.subscribe(w, r)
		case http.MethodDelete:
			h.unsubscribe(w, r)
		default:
			methodNotAllowed(w, "POST, DELETE")
		}
	case "send":
		// Without a token the endpoint does not exist, whatever the method.
		if !h.sendEnabled {
			writeError(w, http.StatusNotFound, "not found")
			return
		}
		if r.Method != http.MethodPost {
			methodNotAllowed(w, "POST")
			return
		}
		h.send(w, r)
	default:
		id, ok := strings.CutPrefix(strings.TrimPrefix(r.URL.Path, "/"), "campaigns/")
		if !ok || !h.sendEnabled || h.campaigns == nil {
			writeError(w, http.StatusNotFound, "not found")
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			methodNotAllowed(w, "GET, HEAD")
			return
		}
		h.campaignStatus(w, r, id)
	}
}

func (h *Handler) publicKey(w http.ResponseWriter) {
	// no-cache, not a long max-age: after a key rotation pages must
	// subscribe with the new key (RFC 8292 §4.2 ties subscriptions to it).
	w.Header().Set("Cache-Control", "no-cache")
	writeJSON(w, http.StatusOK, struct {
		PublicKey string `json:"publicKey"`
	}{h.vapid.PublicKey()})
}

func (h *Handler) subscribe(w http.ResponseWriter, r *http.Request) {
	body, ok := h.readBody(w, r)
	if !ok {
		return
	}
	sub, tags, replaces, err := parseSubscription(body, h.allowPrivate)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	ts, canTag := h.store.(TagStore)
	// A subscription the push service replaced keeps its tags, unless the
	// new one brings its own. Knowing the old endpoint is the capability.
	if tags == nil && replaces != "" && canTag {
		old, err := ts.Tags(r.Context(), replaces)
		if err != nil {
			h.internalError(w, "read replaced subscription's tags", redact(err, replaces))
			return
		}
		if len(old) > 0 {
			tags = &old
		}
	}
	if tags != nil && !canTag {
		writeError(w, http.StatusBadRequest, "tags: this server's store does not keep tags")
		return
	}
	created, err := h.store.PutSubscription(r.Context(), sub)
	if err != nil {
		h.internalError(w, "store subscription", redact(err, sub.Endpoint))
		return
	}
	// Absent tags leave the stored ones alone; [] clears them.
	if tags != nil {
		if err := ts.SetTags(r.Context(), sub.Endpoint, *tags); err != nil {
			h.internalError(w, "store subscription tags", redact(err, sub.Endpoint))
			return
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	if created {
		w.WriteHeader(http.StatusCreated)
	} else {
		w.WriteHeader(http.StatusOK)
	}
}

func (h *Handler) unsubscribe(w http.ResponseWriter, r *http.Request) {
	body, ok := h.readBody(w, r)
	if !ok {
		return
	}
	var req struct {
		Endpoint string `json:"endpoint"`
	}
	if err := decode(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if req.Endpoint == "" {
		writeError(w, http.StatusBadRequest, "endpoint: required")
		return
	}
	// Stored in normal form, so deleted in normal form.
	if ep, err := push.NormalizeEndpoint(req.Endpoint); err == nil {
		req.Endpoint = ep
	}
	// Knowing an endpoint is the capability to delete it: endpoints are
	// unguessable URLs that only the browser and this server hold.
	if err := h.store.DeleteSubscription(r.Context(), req.Endpoint); err != nil {
		h.internalError(w, "delete subscription", redact(err, req.Endpoint))
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) send(w http.ResponseWriter, r *http.Request) {
	// Authorization comes before reading the body, so that an anonymous
	// caller learns nothing about what a valid request looks like.
	if !h.checkToken(w, r) {
		return
	}
	body, ok := h.readBody(w, r)
	if !ok {
		return
	}
	var req sendRequest
	if err := decode(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	n, err := req.notification()
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), sendTimeout)
	defer cancel()
	if h.campaigns != nil {
		h.enqueue(ctx, w, r, n)
		return
	}
	rep, err := h.Send(ctx, n)
	if h.sendFailed(w, "send", err) {
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, struct {
		Delivered int `json:"delivered"`
		Gone      int `json:"gone"`
		Failed    int `json:"failed"`
	}{rep.Delivered, rep.Gone, rep.Failed})
}

// authorized reports whether r carries the send token. Both sides are hashed
// first, so that subtle.ConstantTimeCompare sees equal lengths and the time
// taken says nothing about the token's length or its first bytes.
func (h *Handler) authorized(r *http.Request) bool {
	got, isBearer := bearerToken(r.Header.Get("Authorization"))
	sum := sha256.Sum256([]byte(got))
	match := subtle.ConstantTimeCompare(sum[:], h.tokenSum[:]) == 1
	return isBearer && match
}

// checkToken answers a request without the send token (401, or 429 once
// its client has used up its wrong tokens) and reports whether it may go
// on. Wrong tokens are logged with the client's address.
func (h *Handler) checkToken(w http.ResponseWriter, r *http.Request) bool {
	client := h.clientAddr(r)
	now := time.Now()
	blocked, wait, log := h.tokenFails.exhausted(client, now)
	if !blocked {
		if h.authorized(r) {
			return true
		}
		var ok bool
		ok, wait, log = h.tokenFails.allow(client, now)
		blocked = !ok
	}
	if blocked {
		if log {
			h.logf("pushapi: too many wrong send tokens from %s: refusing its send requests for %v", client, wait)
		}
		tooMany(w, wait)
		return false
	}
	h.logf("pushapi: wrong or missing send token from %s for %s %s", client, r.Method, r.URL.Path)
	w.Header().Set("WWW-Authenticate", `Bearer realm="swkit push"`)
	writeError(w, http.StatusUnauthorized, "unauthorized")
	return false
}

// bearerToken extracts the token of "Bearer <token>"; the scheme name is
// case-insensitive (RFC 9110 §11.1).
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// readBody checks the media type and the size and returns the body, or
// writes the error response and returns false.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		// Requiring JSON also keeps cross-site HTML forms out: they cannot
		// send this type without a CORS preflight, which we never grant.
		writeError(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json")
		return nil, false
	}
	if r.ContentLength > h.maxBody {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body too large: at most %d bytes", h.maxBody))
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body too large: at most %d bytes", h.maxBody))
		return nil, false
	case err != nil:
		writeError(w, http.StatusBadRequest, "could not read the body")
		return nil, false
	}
	return body, true
}

// redacted is an error whose text shows an endpoint by its origin only,
// for logs: the endpoint is a capability URL, and a store's error (a
// driver's, a custom Store's) may quote the value it failed on.
type redacted struct {
	err      error
	endpoint string
}

func redact(err error, endpoint string) error {
	if err == nil || endpoint == "" {
		return err
	}
	return &redacted{err, endpoint}
}

func (r *redacted) Error() string {
	return strings.ReplaceAll(r.err.Error(), r.endpoint, push.Origin(r.endpoint)+"/…")
}

func (r *redacted) Unwrap() error { return r.err }

func (h *Handler) internalError(w http.ResponseWriter, what string, err error) {
	h.logf("pushapi: %s: %v", what, err)
	writeError(w, http.StatusInternalServerError, "internal error")
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	writeError(w, http.StatusMethodNotAllowed, "method not allowed")
}

func writeError(w http.ResponseWriter, status int, msg string) {
	// An error is never worth caching, whatever the route sets.
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, struct {
		Error string `json:"error"`
	}{msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only our own fixed structs reach here.
		panic(err)
	}
	b = append(b, '\n')
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}
