package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/push/pushapi"
)

const pushSendSynopsis = "send [--db DSN] --title T [--body B] [--url U] [--ttl D] [--urgency U] [--topic T]"

// runPush handles "swkit push send": one notification to every stored
// subscription. It exits 1 when any subscription failed (gone ones are
// deleted and do not count as failures).
func runPush(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "send" {
		fmt.Fprintf(stderr, "Usage: swkit push %s\n", pushSendSynopsis)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			return nil
		}
		return errUsage
	}
	fl := newFlagSet("push", pushSendSynopsis, stderr)
	cfg := addPushFlags(fl, false)
	var n pushapi.Notification
	fl.StringVar(&n.Title, "title", "", "notification title (required)")
	fl.StringVar(&n.Body, "body", "", "notification text")
	fl.StringVar(&n.URL, "url", "", "URL opened when the notification is clicked (relative to the site, or https://...)")
	fl.StringVar(&n.Icon, "icon", "", "icon URL")
	fl.StringVar(&n.Tag, "tag", "", "a notification replaces an earlier one with the same tag")
	ttl := fl.Duration("ttl", push.DefaultTTL, "how long push services keep an undelivered message; 0: deliver now or never")
	urgency := fl.String("urgency", "", "very-low, low, normal or high (default normal)")
	fl.StringVar(&n.Topic, "topic", "", "replaces an undelivered message with the same topic (32 base64url characters at most)")
	pos, err := parseFlags(fl, args[1:])
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		fmt.Fprintf(stderr, "swkit push send: unexpected argument %q\n", pos[0])
		fl.Usage()
		return errUsage
	}
	if n.Title == "" {
		return errors.New("--title is required")
	}
	switch {
	case *ttl < 0:
		return fmt.Errorf("--ttl must be 0 or more, got %s", *ttl)
	case *ttl == 0:
		n.TTL = push.NoStore
	default:
		n.TTL = *ttl
	}
	n.Urgency = push.Urgency(*urgency)
	// Check the message before opening anything, so a typo costs nothing.
	if err := n.Validate(); err != nil {
		return flagError(err)
	}
	if _, err := n.Payload(); errors.Is(err, push.ErrPayloadTooLarge) {
		return fmt.Errorf("notification too large: its JSON must fit in %d bytes: shorten --body or --title", push.MaxPayload)
	} else if err != nil {
		return flagError(err)
	}

	cfg.resolve()
	logf := func(string, ...any) {} // failures are summed up below instead
	h, st, err := cfg.handler(ctx, logf, true)
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := h.Send(ctx, n)
	fmt.Fprintf(stdout, "delivered %d, gone %d, failed %d\n", rep.Delivered, rep.Gone, rep.Failed)
	if err != nil {
		return flagError(err)
	}
	if rep.Failed > 0 {
		return fmt.Errorf("%d of %d subscriptions failed; first: %w", rep.Failed, rep.Delivered+rep.Gone+rep.Failed, firstError(rep.Errors))
	}
	return nil
}

// flagError names the flag behind a notification field.
func flagError(err error) error {
	var fe *pushapi.FieldError
	if errors.As(err, &fe) {
		return fmt.Errorf("--%s: %s", fe.Field, fe.Problem)
	}
	return err
}

func firstError(errs []error) error {
	if len(errs) == 0 {
		return errors.New("no detail")
	}
	return errs[0]
}
