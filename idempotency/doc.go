// Package idempotency is HTTP middleware that applies each Idempotency-Key
// once: the first request with a key runs the handler, its response (status,
// headers, body) is stored, and every repeat of the request gets that
// response back without the handler running again. It is the server half of
// swkit's background sync, whose service worker sends an Idempotency-Key on
// every request it queues and replays, and it follows
// draft-ietf-httpapi-idempotency-key-header.
//
//	s, err := open.Open(ctx, "swkit.db", store.Options{})
//	...
//	mux.Handle("POST /api/comments", idempotency.Middleware(s, idempotency.Options{})(comments))
//
// Keys are kept in a [Store]: swkit's SQLite backend for one process, its
// PostgreSQL backend for several processes behind a load balancer, which then
// apply each key once between them, or a Store of your own over your
// application's database (see the example of Store).
//
// # What a request gets
//
// Requests whose method is not in Options.Methods (POST, PUT, PATCH and
// DELETE by default) pass through untouched, as do requests without the
// header unless Options.Required is set. Otherwise, in this order:
//
//   - 400 Bad Request when the header is missing and Required, when there is
//     more than one Idempotency-Key header, or when the key is invalid: it
//     must be 1 to 255 characters of printable ASCII, either plain (visible
//     characters, no space: 8e03978e-40d5-43e8-bc93-6894a57f9324) or as the
//     draft's quoted Structured Field String ("8e03978e-..." with only \" and
//     \\ escaped); "abc" and abc are the same key. Also when the body cannot
//     be read.
//   - 413 Content Too Large when the body is longer than MaxBodyBytes (1 MiB
//     by default): the body is read whole, to be hashed, before the handler
//     runs, and the handler then reads the same bytes.
//   - 422 Unprocessable Content when the key was used before for a different
//     request. Two requests are the same when their method, KeyScope (by
//     default the method, the path with its query and the caller's
//     Authorization and Cookie headers), Content-Type and body are the same;
//     their SHA-256 is kept with the key.
//   - 503 Service Unavailable, with Retry-After: 5, when the store cannot be
//     reached. The handler does not run: a write applied without its key on
//     record could be applied a second time by the next retry, which would
//     break the one guarantee this package gives. The cause goes to Logf,
//     never to the client.
//   - 409 Conflict, with Retry-After: 1, when another request with the key is
//     still running and has not finished within Options.Wait. See below.
//   - the stored response, with Idempotent-Replayed: true added, when the key
//     was completed before (within TTL).
//   - otherwise the request holds the key: the handler runs and its response
//     is what the client gets.
//
// Errors the middleware answers itself are application/problem+json (RFC
// 9457) with Cache-Control: no-store.
//
// # The first request
//
// The first request with a key claims it (Store.BeginIdempotent) and
// runs the handler with a ResponseWriter that keeps the response in memory.
// When the handler returns:
//
//   - a 2xx, 3xx or 4xx response is stored (Store.Complete) for TTL (24
//     h by default) and then written to the client. A 4xx is kept too: the
//     same request would fail the same way again.
//   - a 5xx response is written to the client but not stored: the key is
//     released (Store.Release) so that a retry runs the handler again.
//     A handler must therefore answer 5xx only when it applied nothing (its
//     transaction rolled back).
//   - a panic releases the key, then is re-raised, for net/http or an outer
//     recovering middleware to handle.
//   - a response body larger than MaxStoredResponseBytes (1 MiB by default)
//     is passed through to the client as it is written, from the moment it
//     grows past the limit, and the key is released: such a request is not
//     protected against being applied twice. Keep the responses of
//     idempotent routes small.
//
// The response is stored before it is written, so a client that sees it can
// rely on its repeats getting the same. Content-Length is set on the first
// response and on replays when the handler did not set one, so that both are
// framed alike. Headers set on the ResponseWriter by middleware outside this
// one are not stored; they are set again on every request by that middleware.
// Trailers and 1xx responses (103 Early Hints) are not kept, and are dropped.
// The ResponseWriter implements http.Flusher, but a Flush does nothing while
// the response is being kept (it goes out whole once the handler returns);
// it does not implement http.Hijacker, and http.ResponseController cannot
// reach past it.
//
// When storing the response fails because the claim's lease ran out
// (ErrLeaseLost: the handler ran longer than the store's lease, which is
// store.Options.Lease, 30 s by default, on swkit's backends, and another
// request may have taken the key over), the failure is logged and the response is still written to
// this client. When it fails for another reason (the store went away while
// the handler ran), it is retried for about a second, then logged, and the
// response is still written.
//
// # Concurrent duplicates
//
// A repeat that arrives while the first request still runs (a user's double
// submit, a service worker replaying while the original is slow) finds the
// key in progress. It polls the store, with backoff from 10 ms up to 500 ms,
// for up to Options.Wait (10 s by default): when the first request completes,
// it gets the stored response like any repeat; when the first releases the
// key (a 5xx, a panic), it claims the key itself and runs the handler, as a
// retry; when Wait runs out, or its client goes away, it gets 409 with
// Retry-After: 1. Waiting makes the common case (a slow handler, a quick
// duplicate) invisible to clients; the 409 bounds how long a request can be
// held up, and is what the draft prescribes for a request that conflicts with
// one in progress. Set Wait to NoWait to answer 409 at once.
//
// # What is guaranteed, and what is not
//
// Within TTL, a request whose response was stored (2xx to 4xx) has been
// applied once, across every process that shares the store, and every repeat
// gets that response, provided that:
//
//   - the handler finishes within the store's lease. A claim whose holder has
//     not finished when its lease runs out is taken over by the next request
//     with the key, on the assumption that the holder crashed, and that
//     request runs the handler again. Set the lease (store.Options.Lease on
//     swkit's backends) above the slowest handler, side effects outside the request (calls to other
//     services, queued jobs) included.
//   - a 5xx really means nothing was applied (see above).
//   - the response fits MaxStoredResponseBytes.
//   - the store keeps working between the handler and storing its response.
//     A process that crashes after its handler applied a write and before
//     the response was stored leaves a claim that runs out with the lease,
//     and the next retry runs the handler again. [TxMiddleware] closes that
//     gap for handlers that write to the store's database: the handler's
//     writes and the stored response are one transaction.
//
// Keys are one namespace per store: KeyScope does not separate them, it is
// part of what a repeat must match. A key sent by two users (the default
// KeyScope tells them apart by their credentials) is applied for the first
// and is a 422 for the second, who never sees the first's response. Clients should send random
// keys (UUIDs), as swkit's service worker does.
package idempotency
