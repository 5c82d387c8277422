package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/push/pushapi"
)

// Notifier sends a notification to every push subscriber. *pushapi.Handler
// is one; tests pass a recorder.
type Notifier interface {
	Send(ctx context.Context, n pushapi.Notification) (push.Report, error)
}

// The tag in site/index.html that tells the page whether push is on.
const (
	pushMetaOff = `<meta name="swkit-push" content="off">`
	pushMetaOn  = `<meta name="swkit-push" content="on">`
)

// maxNotifyTime bounds one fan-out of "A new cat", so that a slow push
// service cannot stack sends up: rotations that pass meanwhile are folded
// into the next notification.
const maxNotifyTime = time.Minute

// NotifyRotations sends "A new cat" to every subscriber each time /img moves
// to a new image, until ctx ends. It does nothing without Options.Push. Run
// it in a goroutine of its own: it sends one notification at a time, so at
// most one fan-out is in flight whatever the rotation interval.
func (d *Demo) NotifyRotations(ctx context.Context, logf func(format string, args ...any)) {
	if d.push == nil {
		return
	}
	if logf == nil {
		logf = func(string, ...any) {}
	}
	last := d.index()
	for {
		t := time.NewTimer(d.untilNextRotation())
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		last = d.notifyIfNew(ctx, last, logf)
	}
}

// untilNextRotation is the time left before index() changes, plus a
// millisecond so that the wake-up lands after the boundary.
func (d *Demo) untilNextRotation() time.Duration {
	elapsed := max(d.now().Sub(d.start), 0)
	return d.rotate - elapsed%d.rotate + time.Millisecond
}

// notifyIfNew sends "A new cat" when the image shown is no longer last, and
// returns the image shown now.
func (d *Demo) notifyIfNew(ctx context.Context, last int, logf func(format string, args ...any)) int {
	i := d.index()
	if i == last {
		return last
	}
	sendCtx, cancel := context.WithTimeout(ctx, maxNotifyTime)
	defer cancel()
	rep, err := d.push.Send(sendCtx, newCatNotification(i, d.rotate))
	if err != nil {
		logf("demo: notifying subscribers of cat %d: %v", i+1, err)
	} else if rep.Delivered+rep.Gone+rep.Failed > 0 {
		logf("demo: cat %d: notified %d subscribers (%d gone, %d failed)", i+1, rep.Delivered, rep.Gone, rep.Failed)
	}
	return i
}

// newCatNotification announces image i. It is about the cat on show now, so
// push services may drop it once the next one is due (TTL), and a newer one
// replaces an undelivered older one (Topic) or a displayed one (Tag).
func newCatNotification(i int, rotate time.Duration) pushapi.Notification {
	return pushapi.Notification{
		Title:   "A new cat",
		Body:    fmt.Sprintf("Cat number %d is on the page now.", i+1),
		URL:     "/",
		Tag:     "swkit-demo-cat",
		Topic:   "swkit-demo-cat",
		TTL:     max(rotate, time.Second),
		Urgency: push.UrgencyLow,
	}
}
