package pushapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"time"

	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/push/campaign"
)

// MaxTTL is the longest TTL a send request may ask for. Push services keep
// messages for about four weeks at most (push.DefaultTTL); a year leaves
// room without letting the seconds overflow a time.Duration.
const MaxTTL = 365 * 24 * time.Hour

// Notification is what Handler.Send delivers. The fields up to Data become
// the JSON payload that the swkit service worker turns into a notification
// (see Payload); TTL, Urgency and Topic are RFC 8030 delivery options.
type Notification struct {
	// Title is required.
	Title string
	Body  string
	// URL is opened (or focused) when the notification is clicked. It and
	// the image URLs may be relative to the site or absolute http(s) URLs.
	URL   string
	Icon  string
	Badge string
	Image string
	// Tag makes a notification replace an earlier one with the same tag.
	Tag     string
	Actions []Action
	// Data is any JSON value handed to the worker's click handling as is.
	Data json.RawMessage

	// TTL is how long push services keep an undelivered message: zero
	// means push.DefaultTTL, push.NoStore means deliver now or never.
	TTL     time.Duration
	Urgency push.Urgency
	// Topic lets a later message with the same topic replace an
	// undelivered one: at most 32 base64url characters.
	Topic string
	// Tags, for Enqueue, limits the campaign to subscriptions that carry
	// any of them. Send refuses them.
	Tags []string
}

// Message returns the push message n becomes: its payload (see Payload),
// with a zero TTL meaning push.DefaultTTL and push.NoStore "TTL: 0". It
// does not Validate.
func (n Notification) Message() (push.Message, error) {
	body, err := n.Payload()
	if err != nil {
		return push.Message{}, err
	}
	return n.message(body), nil
}

func (n *Notification) message(body []byte) push.Message {
	ttl := n.TTL
	switch {
	case ttl == 0:
		ttl = push.DefaultTTL
	case ttl < 0:
		ttl = 0
	}
	return push.Message{Payload: body, TTL: ttl, Urgency: n.Urgency, Topic: n.Topic}
}

// Action is a notification button (Notifications API).
type Action struct {
	Action string `json:"action"`
	Title  string `json:"title"`
	Icon   string `json:"icon,omitempty"`
}

// payload is the JSON the worker reads: the contract with runtime/sw.
type payload struct {
	Title   string          `json:"title"`
	Body    string          `json:"body,omitempty"`
	URL     string          `json:"url,omitempty"`
	Icon    string          `json:"icon,omitempty"`
	Badge   string          `json:"badge,omitempty"`
	Image   string          `json:"image,omitempty"`
	Tag     string          `json:"tag,omitempty"`
	Actions []Action        `json:"actions,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// FieldError is a Notification or request field that is missing or wrong.
type FieldError struct {
	Field   string // JSON name: "title", "actions[1].title", "ttl"
	Problem string
}

func (e *FieldError) Error() string { return "pushapi: notification " + e.Field + ": " + e.Problem }

// Validate checks n without sending it; it returns a *FieldError.
func (n Notification) Validate() error {
	if strings.TrimSpace(n.Title) == "" {
		return &FieldError{"title", "required"}
	}
	for _, f := range []struct{ name, value string }{
		{"url", n.URL}, {"icon", n.Icon}, {"badge", n.Badge}, {"image", n.Image},
	} {
		if p := urlProblem(f.value); p != "" {
			return &FieldError{f.name, p}
		}
	}
	for i, a := range n.Actions {
		field := fmt.Sprintf("actions[%d]", i)
		switch {
		case a.Action == "":
			return &FieldError{field + ".action", "required"}
		case a.Title == "":
			return &FieldError{field + ".title", "required"}
		}
		if p := urlProblem(a.Icon); p != "" {
			return &FieldError{field + ".icon", p}
		}
	}
	if len(n.Data) > 0 && !json.Valid(n.Data) {
		return &FieldError{"data", "not valid JSON"}
	}
	if n.TTL > MaxTTL {
		return &FieldError{"ttl", fmt.Sprintf("at most %d seconds", int64(MaxTTL/time.Second))}
	}
	switch n.Urgency {
	case "", push.UrgencyVeryLow, push.UrgencyLow, push.UrgencyNormal, push.UrgencyHigh:
	default:
		return &FieldError{"urgency", "want very-low, low, normal or high"}
	}
	// RFC 8030 §5.4: a topic is at most 32 characters of the base64url
	// alphabet.
	if len(n.Topic) > 32 {
		return &FieldError{"topic", "at most 32 characters"}
	}
	for _, c := range []byte(n.Topic) {
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return &FieldError{"topic", "only letters, digits, - and _"}
		}
	}
	if _, err := campaign.CheckTags(n.Tags); err != nil {
		return &FieldError{"tags", err.Error()}
	}
	return nil
}

// urlProblem says what is wrong with a notification URL, or "" for "", a
// reference relative to the site, or an absolute http(s) URL; never
// javascript:, data: and the like, which a click would otherwise open.
func urlProblem(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil {
		return "not a valid URL"
	}
	if u.Scheme != "" && u.Scheme != "https" && u.Scheme != "http" {
		return fmt.Sprintf("scheme %q not allowed: use a relative or http(s) URL", u.Scheme)
	}
	return ""
}

// Payload returns the JSON that the service worker receives, or an error
// matching push.ErrPayloadTooLarge when it exceeds push.MaxPayload. It does
// not Validate.
func (n Notification) Payload() ([]byte, error) {
	p := payload{
		Title: n.Title, Body: n.Body, URL: n.URL, Icon: n.Icon, Badge: n.Badge,
		Image: n.Image, Tag: n.Tag, Actions: n.Actions,
	}
	if len(n.Data) > 0 && !bytes.Equal(bytes.TrimSpace(n.Data), []byte("null")) {
		p.Data = n.Data
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, &FieldError{"data", "not valid JSON"}
	}
	// RFC 8291 §4: one 4096-octet record, so the plaintext has a hard cap.
	if len(b) > push.MaxPayload {
		return nil, fmt.Errorf("%w: the notification's JSON is %d bytes, at most %d", push.ErrPayloadTooLarge, len(b), push.MaxPayload)
	}
	return b, nil
}

// sendRequest is the body of POST send.
type sendRequest struct {
	Title   string          `json:"title"`
	Body    string          `json:"body"`
	URL     string          `json:"url"`
	Icon    string          `json:"icon"`
	Badge   string          `json:"badge"`
	Image   string          `json:"image"`
	Tag     string          `json:"tag"`
	Actions []Action        `json:"actions"`
	Data    json.RawMessage `json:"data"`
	TTL     *int64          `json:"ttl"` // seconds; absent: push.DefaultTTL; 0: push.NoStore
	Urgency string          `json:"urgency"`
	Topic   string          `json:"topic"`
	Tags    []string        `json:"tags"`
}

func (r *sendRequest) notification() (Notification, error) {
	n := Notification{
		Title: r.Title, Body: r.Body, URL: r.URL, Icon: r.Icon, Badge: r.Badge,
		Image: r.Image, Tag: r.Tag, Actions: r.Actions, Data: r.Data,
		Urgency: push.Urgency(r.Urgency), Topic: r.Topic, Tags: r.Tags,
	}
	if r.TTL != nil {
		switch ttl := *r.TTL; {
		case ttl < 0:
			return Notification{}, errors.New("ttl: want 0 or more seconds")
		case ttl > int64(MaxTTL/time.Second):
			return Notification{}, fmt.Errorf("ttl: at most %d seconds", int64(MaxTTL/time.Second))
		case ttl == 0:
			n.TTL = push.NoStore
		default:
			n.TTL = time.Duration(ttl) * time.Second
		}
	}
	if err := n.Validate(); err != nil {
		if fe, ok := errors.AsType[*FieldError](err); ok {
			return Notification{}, fmt.Errorf("%s: %s", fe.Field, fe.Problem)
		}
		return Notification{}, err
	}
	return n, nil
}

// decode unmarshals a request body into v, with errors that name the field
// and say nothing about Go types.
func decode(body []byte, v any) error {
	err := json.Unmarshal(body, v)
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return fmt.Errorf("%s: want %s", typeErr.Field, jsonKind(typeErr.Type))
	case errors.As(err, &typeErr):
		return fmt.Errorf("body: want a JSON object")
	case errors.As(err, &syntaxErr):
		return fmt.Errorf("body: not valid JSON (at byte %d)", syntaxErr.Offset)
	default:
		return errors.New("body: not valid JSON")
	}
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "an integer"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "a JSON value"
		}
		return "an array"
	case reflect.Struct:
		return "an object"
	}
	return "another type"
}

// parseSubscription validates a posted PushSubscription.toJSON() and the
// endpoint policy; its errors name the field.
// tags is nil when the body has no "tags"; replaces is the endpoint of a
// subscription this one replaces (pushsubscriptionchange), if any.
func parseSubscription(body []byte, allowPrivate bool) (sub push.Subscription, tags *[]string, replaces string, err error) {
	var req push.Subscription
	if err := decode(body, &req); err != nil {
		return sub, nil, "", err
	}
	switch {
	case req.Endpoint == "":
		return sub, nil, "", errors.New("endpoint: required")
	case req.Keys.P256dh == "":
		return sub, nil, "", errors.New("keys.p256dh: required")
	case req.Keys.Auth == "":
		return sub, nil, "", errors.New("keys.auth: required")
	}
	var extra struct {
		Tags     *[]string `json:"tags"`
		Replaces string    `json:"replaces"`
	}
	if err := decode(body, &extra); err != nil {
		return sub, nil, "", err
	}
	if extra.Tags != nil {
		t, err := campaign.CheckTags(*extra.Tags)
		if err != nil {
			return sub, nil, "", err
		}
		tags = &t
	}
	sub, err = push.ParseSubscription(body)
	if err == nil {
		err = push.CheckEndpoint(sub.Endpoint, allowPrivate)
	}
	var se *push.SubscriptionError
	if errors.As(err, &se) && se.Field != "" {
		return sub, nil, "", fmt.Errorf("%s: %w", se.Field, se.Err)
	}
	if extra.Replaces != "" {
		if replaces, err2 := push.NormalizeEndpoint(extra.Replaces); err2 == nil {
			return sub, tags, replaces, err
		}
	}
	return sub, tags, "", err
}
