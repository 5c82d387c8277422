package pushapi

import (
	"context"
	"fmt"

	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/store"
)

// sendBatch is how many subscriptions are read from the store and handed to
// the Sender at a time: memory stays flat however many are stored, and the
// Sender's concurrency keeps the batch's requests overlapping. A variable so
// that tests can page through a few subscriptions.
var sendBatch = store.DefaultPageSize

// maxReportErrors matches the Sender's cap on the errors a Report keeps.
const maxReportErrors = 100

// Send validates n and delivers it to every stored subscription, deleting
// those the push service reports gone. An invalid notification gives a
// *FieldError, one whose JSON exceeds push.MaxPayload an error matching
// push.ErrPayloadTooLarge, both before anything is sent. A store error stops
// the fan-out; the report then counts what was sent until then.
// Report.Failed counts subscriptions that could not be reached (their
// errors, endpoints reduced to the origin, are in Report.Errors).
func (h *Handler) Send(ctx context.Context, n Notification) (push.Report, error) {
	if err := n.Validate(); err != nil {
		return push.Report{}, err
	}
	body, err := n.Payload()
	if err != nil {
		return push.Report{}, err
	}
	msg := push.Message{Payload: body, TTL: n.TTL, Urgency: n.Urgency, Topic: n.Topic}

	var total push.Report
	batch := make([]push.Subscription, 0, sendBatch)
	flush := func() error {
		rep := h.sender.SendAll(ctx, batch, msg)
		batch = batch[:0]
		total.Delivered += rep.Delivered
		total.Gone += rep.Gone
		total.Failed += rep.Failed
		total.GoneEndpoints = append(total.GoneEndpoints, rep.GoneEndpoints...)
		for _, e := range rep.Errors {
			if len(total.Errors) == maxReportErrors {
				break
			}
			total.Errors = append(total.Errors, e)
		}
		// RFC 8030 §7.3: 404 and 410 mean the subscription is over for good.
		// The store pages by key, so deleting behind the cursor is safe.
		for _, ep := range rep.GoneEndpoints {
			if _, err := h.store.DeleteSubscription(ctx, ep); err != nil {
				return fmt.Errorf("delete gone subscription: %w", err)
			}
		}
		return nil
	}
	err = store.Each(ctx, h.store, sendBatch, func(s store.Subscription) error {
		var sub push.Subscription
		sub.Endpoint, sub.Keys.P256dh, sub.Keys.Auth = s.Endpoint, s.P256dh, s.Auth
		batch = append(batch, sub)
		if len(batch) == sendBatch {
			return flush()
		}
		return nil
	})
	if err == nil && len(batch) > 0 {
		err = flush()
	}
	if err != nil {
		return total, fmt.Errorf("pushapi: send: %w", err)
	}
	if total.Failed > 0 {
		h.logf("pushapi: send: delivered %d, gone %d, failed %d; first failure: %v", total.Delivered, total.Gone, total.Failed, firstErr(total.Errors))
	}
	return total, nil
}

func firstErr(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return errs[0]
}
