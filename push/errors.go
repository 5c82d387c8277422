package push

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// The typed errors below describe themselves without a "push:" prefix, as
// os.PathError does, because they are wrapped in one another: a SendError
// holds a StatusError or a SubscriptionError.

var (
	// ErrGone means the push service no longer knows the subscription (404
	// or 410, RFC 8030 §7.3): delete it and do not send to it again.
	ErrGone = errors.New("push: subscription gone")
	// ErrPayloadTooLarge is returned for a plaintext over MaxPayload, before
	// any request is made, and when a push service answers 413.
	ErrPayloadTooLarge = errors.New("push: payload too large")
)

// SubscriptionError is a subscription that cannot be used: Field names the
// member of PushSubscription.toJSON() at fault ("endpoint", "keys.p256dh",
// "keys.auth"), or is empty when the JSON itself is malformed.
type SubscriptionError struct {
	Field string
	Err   error
}

func (e *SubscriptionError) Error() string {
	if e.Field == "" {
		return "subscription: " + e.Err.Error()
	}
	return "subscription " + e.Field + ": " + e.Err.Error()
}

func (e *SubscriptionError) Unwrap() error { return e.Err }

// KeyError is a VAPID key that ParseVAPIDKeys refuses: Key is "public" or
// "private".
type KeyError struct {
	Key string
	Err error
}

func (e *KeyError) Error() string { return "vapid " + e.Key + " key: " + e.Err.Error() }

func (e *KeyError) Unwrap() error { return e.Err }

// OptionError is a SenderOptions field that NewSender refuses.
type OptionError struct {
	Option string // "Subject"
	Err    error
}

func (e *OptionError) Error() string { return "push: SenderOptions." + e.Option + ": " + e.Err.Error() }

func (e *OptionError) Unwrap() error { return e.Err }

// StatusError is a push service's refusal. errors.Is(err, ErrGone) and
// errors.Is(err, ErrPayloadTooLarge) hold for 404/410 and 413.
type StatusError struct {
	Status int
	// Body is the start of the response body, for logs.
	Body string
	// RetryAfter is the push service's Retry-After, when it sent one.
	RetryAfter time.Duration
	// Attempts counts requests made.
	Attempts int
}

func (e *StatusError) Error() string {
	msg := "push service answered " + strconv.Itoa(e.Status) + " " + http.StatusText(e.Status)
	if e.Attempts > 1 {
		msg += " after " + strconv.Itoa(e.Attempts) + " attempts"
	}
	if e.RetryAfter > 0 {
		msg += ", retry after " + e.RetryAfter.String()
	}
	if e.Body != "" {
		msg += ": " + strconv.Quote(e.Body)
	}
	return msg
}

// Unwrap gives the sentinel for the status, if there is one.
func (e *StatusError) Unwrap() error {
	switch e.Status {
	case http.StatusNotFound, http.StatusGone:
		return ErrGone
	case http.StatusRequestEntityTooLarge:
		return ErrPayloadTooLarge
	}
	return nil
}

// SendError is the failure of one message to one subscription, from Send
// and in a Report. Its text names the push service's origin, never the whole
// Endpoint: an endpoint is a capability URL (whoever has it can push to that
// browser), and errors end up in logs.
type SendError struct {
	Endpoint string
	Err      error
}

func (e *SendError) Error() string { return "send to " + e.origin() + ": " + e.Err.Error() }

func (e *SendError) Unwrap() error { return e.Err }

// origin is the scheme, host and port of Endpoint, "?" when it has none.
func (e *SendError) origin() string { return Origin(e.Endpoint) }

// Origin returns the scheme, host and port of a push endpoint (the default
// port left out, as in an HTTP origin), or "?" when it has none: what logs
// and errors may show of an endpoint, which as a whole is a capability URL.
func Origin(endpoint string) string {
	if u, err := url.Parse(endpoint); err == nil && u.Host != "" {
		return audience(u)
	}
	return "?"
}
