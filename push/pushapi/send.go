package pushapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/push/campaign"
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
	if len(n.Tags) > 0 {
		return push.Report{}, &FieldError{"tags", "only a campaign can target tags: use Enqueue"}
	}
	body, err := n.Payload()
	if err != nil {
		return push.Report{}, err
	}
	msg := n.message(body)

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
				return total, fmt.Errorf("pushapi: send: delete gone subscription: %w", redact(err, ep))
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

// errNoCampaigns is Enqueue's error without Options.Campaigns.
var errNoCampaigns = errors.New("pushapi: Enqueue: no campaign store (Options.Campaigns)")

// Enqueue validates n and records it as a campaign for the workers that
// share Options.Campaigns (see package campaign), to the subscriptions
// that carry any of n.Tags, or to all when it has none. It returns at
// once; CampaignStatus follows the delivery. Errors are those of Send.
func (h *Handler) Enqueue(ctx context.Context, n Notification) (campaign.Campaign, error) {
	if h.campaigns == nil {
		return campaign.Campaign{}, errNoCampaigns
	}
	if err := n.Validate(); err != nil {
		return campaign.Campaign{}, err
	}
	body, err := n.Payload()
	if err != nil {
		return campaign.Campaign{}, err
	}
	msg := n.message(body)
	c, err := h.campaigns.CreateCampaign(ctx, campaign.Campaign{
		Payload: msg.Payload, TTL: msg.TTL, Urgency: msg.Urgency, Topic: msg.Topic, Tags: n.Tags,
	}, campaign.DefaultBatchSize)
	if err != nil {
		return campaign.Campaign{}, fmt.Errorf("pushapi: enqueue: %w", err)
	}
	return c, nil
}

// CampaignStatus returns a campaign's progress; id 0 means the latest.
// A campaign that does not exist gives an error matching
// campaign.ErrNotFound.
func (h *Handler) CampaignStatus(ctx context.Context, id int64) (campaign.Status, error) {
	if h.campaigns == nil {
		return campaign.Status{}, errNoCampaigns
	}
	if id == 0 {
		return h.campaigns.LatestCampaign(ctx)
	}
	return h.campaigns.CampaignStatus(ctx, id)
}

// waitPoll is how often POST send?wait=true reads the campaign's status.
const waitPoll = 200 * time.Millisecond

func (h *Handler) enqueue(ctx context.Context, w http.ResponseWriter, r *http.Request, n Notification) {
	c, err := h.Enqueue(ctx, n)
	if h.sendFailed(w, "enqueue", err) {
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", "campaigns/"+strconv.FormatInt(c.ID, 10))
	if wait, _ := strconv.ParseBool(r.URL.Query().Get("wait")); wait {
		for {
			st, err := h.campaigns.CampaignStatus(ctx, c.ID)
			if err == nil && st.Done() {
				writeJSON(w, http.StatusOK, struct {
					ID        int64 `json:"id"`
					Delivered int64 `json:"delivered"`
					Gone      int64 `json:"gone"`
					Failed    int64 `json:"failed"`
				}{c.ID, st.Delivered, st.Gone, st.Failed})
				return
			}
			if ctx.Err() != nil {
				break
			}
			select {
			case <-ctx.Done():
			case <-time.After(waitPoll):
			}
		}
	}
	writeJSON(w, http.StatusAccepted, struct {
		ID int64 `json:"id"`
	}{c.ID})
}

func (h *Handler) campaignStatus(w http.ResponseWriter, r *http.Request, idText string) {
	if !h.checkToken(w, r) {
		return
	}
	var id int64
	if idText != "latest" {
		n, err := strconv.ParseInt(idText, 10, 64)
		if err != nil || n <= 0 {
			writeError(w, http.StatusNotFound, "not found")
			return
		}
		id = n
	}
	st, err := h.CampaignStatus(r.Context(), id)
	switch {
	case errors.Is(err, campaign.ErrNotFound):
		writeError(w, http.StatusNotFound, "no such campaign")
		return
	case err != nil:
		h.internalError(w, "campaign status", err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, st.JSON(time.Now()))
}

// sendFailed answers a failed Send or Enqueue and reports whether it did:
// 400 for a bad field, 413 for a notification too large, 500 otherwise.
func (h *Handler) sendFailed(w http.ResponseWriter, what string, err error) bool {
	var fe *FieldError
	switch {
	case err == nil:
		return false
	case errors.As(err, &fe):
		writeError(w, http.StatusBadRequest, fe.Field+": "+fe.Problem)
	case errors.Is(err, push.ErrPayloadTooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("notification too large: its JSON must fit in %d bytes", push.MaxPayload))
	default:
		h.internalError(w, what, err)
	}
	return true
}
