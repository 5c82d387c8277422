import { TAG_PREFIX, notify, queueFor, registerTags, replay } from './queue.js';
import { addRequest, queueNames } from './queueDB.js';

/**
 * Wraps a route's handler so that a request it cannot send for lack of
 * network is queued in IndexedDB and replayed later, and the page gets
 * `202 Accepted` with `{"queued": true, "id": <number>, "queue": <name>}` and
 * the header `Swkit-Queued: 1`.
 *
 * Every request gets an `Idempotency-Key` header (a random UUID, as a
 * Structured Field string) before its first attempt, unless the page set
 * one: when a request reached the server but its answer was lost, the replay
 * carries the same key and a server that honours it applies it once.
 *
 * The module adds the sync, message and activate listeners when it is
 * evaluated: during the worker script's first run, as they must be. Only
 * workers with a backgroundSync route import it.
 *
 * @param {(context: import('../strategies/fetchAndCache.js').Context) => Promise<Response>} handler
 * @param {string} name Queue name; the sync tag is `swkit-sync:<name>`.
 * @param {number} maxRetentionTime Minutes a request is kept.
 * @returns {(context: import('../strategies/fetchAndCache.js').Context) => Promise<Response>}
 */
export function backgroundSync(handler, name, maxRetentionTime) {
  queueFor(name, maxRetentionTime);
  return async (context) => {
    const { request } = context;
    // Never a GET or HEAD request (swgen refuses backgroundSync for them),
    // so there is a body to read, if only an empty one.
    const body = await request.arrayBuffer();
    const headers = new Headers(request.headers);
    if (!headers.has('Idempotency-Key')) headers.set('Idempotency-Key', `"${crypto.randomUUID()}"`);
    // The same request with the key, and the body read here (the original's
    // is consumed). A non-empty init turns a form's navigation into a plain
    // same-origin request, the same POST; signal null keeps it going when
    // the page goes away.
    const keyed = new Request(request, { headers, body, signal: null });
    let response;
    try {
      response = await handler({ ...context, request: keyed });
    } catch (err) {
      // fetch rejects with a TypeError when the network failed, and only
      // then; an HTTP error is a response and goes back to the page as is.
      if (!(err instanceof TypeError)) throw err;
      // Queued at the end of its queue; the tag registered where the Sync
      // API exists (where that fails, background sync denied, the fallback
      // triggers still replay the queue); pages told.
      const now = Date.now();
      const { url } = request;
      const id = await addRequest({
        queue: name,
        method: request.method,
        url,
        headers: [...headers],
        body,
        credentials: request.credentials,
        timestamp: now,
        attempts: 0,
        nextAttemptAt: now,
      });
      registerTags([name]);
      await notify('queued', { id, queue: name, url });
      // Not Response.json: Firefox before 115 and Safari before 17 lack it,
      // and the request is queued by now.
      return new Response(JSON.stringify({ queued: true, id, queue: name }), {
        status: 202,
        headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Swkit-Queued': '1' },
      });
    }
    // The network works again: send what waits, without waiting for it.
    context.event.waitUntil(replayAll(false, name));
    return response;
  };
}

/**
 * Replays every queue that holds requests (or the one named), each in order;
 * logs a failure (what is left stays queued for the next replay).
 *
 * @param {boolean} [force]
 * @param {string} [only]
 * @returns {Promise<void>}
 */
async function replayAll(force, only) {
  try {
    await Promise.all((only === undefined ? await queueNames() : [only]).map((name) => replay(name, force)));
  } catch (err) {
    console.error('swkit: replay failed', err);
  }
}

addEventListener('sync', (event) => {
  const { tag, lastChance } = /** @type {any} */ (event);
  if (!tag.startsWith(TAG_PREFIX)) return;
  /** @type {ExtendableEvent} */ (event).waitUntil(
    replay(tag.slice(TAG_PREFIX.length), true).then((empty) => {
      // A rejection makes the browser fire the event again later, with its
      // own backoff; on the last chance there is no later, and the requests
      // stay queued for the fallback triggers instead.
      if (!empty && !lastChance) throw new Error(`swkit: ${tag} not fully replayed`);
    }),
  );
});

addEventListener('message', (event) => {
  const data = event.data;
  if (data?.type === 'swkit:replay') event.waitUntil(replayAll(Boolean(data.force), data.queue));
});

// With the Sync API, a tag lost on a last chance is registered again on
// activate. Without it (Firefox, Safari), nothing wakes the worker for the
// queue: replay whenever this worker starts (and is the active one: an
// installing version must not send), honouring each request's backoff; the
// first fetch event keeps the worker alive until that pass ends.
const hasSync = /** @type {any} */ (registration).sync;
const me = /** @type {any} */ (self).serviceWorker;
/** @type {Promise<unknown> | undefined} */
let started = hasSync || (me && me.state !== 'activated') ? undefined : replayAll();
addEventListener('activate', (event) =>
  event.waitUntil(hasSync ? registerTags(queueNames()) : replayAll()),
);
addEventListener('fetch', (event) => {
  if (started) event.waitUntil(started);
  started = undefined;
});
