package idempotency

import (
	"encoding/json"
	"net/http"
)

// problem is an RFC 9457 problem detail, the error format the IETF
// idempotency-key draft uses in its examples. Type is left out, which
// means "about:blank": the status says what went wrong (RFC 9457 section
// 4.2.1).
type problem struct {
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

// writeProblem answers an error the middleware itself decided. The body says
// nothing internal: store errors go to Logf, not to the client.
func writeProblem(w http.ResponseWriter, status int, detail, retryAfter string) {
	b, _ := json.Marshal(problem{Title: http.StatusText(status), Status: status, Detail: detail})
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if retryAfter != "" {
		h.Set("Retry-After", retryAfter)
	}
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
