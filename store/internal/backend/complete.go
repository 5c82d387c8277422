package backend

import (
	"fmt"

	"github.com/swkit/swkit/idempotency"
)

// CompleteArgs checks the claim and the response given to Complete (or
// CompleteTx) and returns what the backends store: the header encoded, and
// the body, never nil.
func CompleteArgs(c idempotency.Claim, resp idempotency.Response) (header string, body []byte, err error) {
	if err := CheckClaim("complete", c); err != nil {
		return "", nil, err
	}
	if err := CheckResponse(c.Key, resp); err != nil {
		return "", nil, err
	}
	if header, err = EncodeHeader(resp.Header); err != nil {
		return "", nil, fmt.Errorf("complete: %w", err)
	}
	body = resp.Body
	if body == nil {
		body = []byte{}
	}
	return header, body, nil
}
