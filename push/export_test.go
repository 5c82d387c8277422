package push

import (
	"context"
	"time"
)

// Seams for the external tests (package push_test), which cannot reach
// unexported fields but need pushtest, which imports push.

func SetVAPIDClock(v *VAPID, now func() time.Time) { v.now = now }

func VAPIDSigns(v *VAPID) int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.signs
}

func SetSenderSeams(s *Sender, now func() time.Time, sleep func(context.Context, time.Duration) error, jitter func(int64) int64) {
	if now != nil {
		s.now = now
	}
	if sleep != nil {
		s.sleep = sleep
	}
	if jitter != nil {
		s.jitter = jitter
	}
}

var ParseRetryAfter = parseRetryAfter
