// Package push sends Web Push notifications: VAPID keys and tokens (RFC 8292),
// message encryption with aes128gcm (RFC 8291 over RFC 8188), and a sender
// that delivers one message to many subscriptions over kept-alive connections
// with bounded concurrency, retries and a report (RFC 8030).
//
// Why the standard library and not SherClockHolmes/webpush-go: crypto/ecdh,
// crypto/hkdf, crypto/ecdsa and crypto/cipher cover every primitive the RFCs
// need, are maintained with the Go release and add no dependency to the static
// binary, whereas webpush-go pulls in golang-jwt, re-signs the VAPID token on
// every send, hands back raw *http.Response values for the caller to interpret
// (404/410/413/429) and never checks its encryption against RFC 8291's worked
// example. This package does all three the other way: the token is cached per
// audience until near expiry, responses map to ErrGone, ErrPayloadTooLarge,
// retries or a *StatusError, and the tests reproduce RFC 8291 Appendix A byte
// for byte.
//
// A typical server keeps one [VAPID] and one [Sender] for its lifetime:
//
//	v, err := push.ParseVAPIDKeys(pub, priv)
//	s, err := push.NewSender(v, push.SenderOptions{Subject: "mailto:ops@example.com"})
//	report := s.SendAll(ctx, subs, push.Message{Payload: body, TTL: time.Hour})
//	// delete report.GoneEndpoints from the store
//
// Package pushtest provides a fake push service that verifies and decrypts
// what a Sender posts, for tests.
package push
