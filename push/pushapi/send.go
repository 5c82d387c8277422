package pushapi

import (
	"context"
	"fmt"

	"github.com/swkit/swkit/push"
)

// sendBatch is how many subscriptions are read from the store and handed to
// the Sender at a time: memory stays flat however many are stored, and the
// Sender's concurrency keeps the batch's requests overlapping. A variable so
// that tests can page through a few subscriptions.
var sendBatch = 1000

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
	after := ""
	for {
		// The store pages by key, so deleting gone subscriptions behind
		// the cursor is safe.
		page, err := h.store.Subscriptions(ctx, after, sendBatch)
		if err != nil {
			return total, fmt.Errorf("pushapi: send: %w", err)
		}
		if len(page) == 0 {
			break
		}
		rep := h.sender.SendAll(ctx, page, msg)
		addReport(&total, rep)
		// RFC 8030 §7.3: 404 and 410 mean the subscription is over for good.
		for _, ep := range rep.GoneEndpoints {
			if err := h.store.DeleteSubscription(ctx, ep); err != nil {
				return total, fmt.Errorf("pushapi: send: delete gone subscription: %w", err)
			}
		}
		if len(page) < sendBatch {
			break
		}
		after = page[len(page)-1].Endpoint
	}
	if total.Failed > 0 {
		h.logf("pushapi: send: delivered %d, gone %d, failed %d; first failure: %v", total.Delivered, total.Gone, total.Failed, firstErr(total.Errors))
	}
	return total, nil
}

// addReport sums rep into total, keeping as few errors as a Sender does.
func addReport(total *push.Report, rep push.Report) {
	total.Delivered += rep.Delivered
	total.Gone += rep.Gone
	total.Failed += rep.Failed
	total.GoneEndpoints = append(total.GoneEndpoints, rep.GoneEndpoints...)
	n := min(len(rep.Errors), maxReportErrors-len(total.Errors))
	total.Errors = append(total.Errors, rep.Errors[:n]...)
}

func firstErr(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return errs[0]
}
