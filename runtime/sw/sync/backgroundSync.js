import { TAG_PREFIX, notify, queueFor, registerTags, replay } from './queue.js';
import { addRequest, countRequests, queueNames } from './queueDB.js';

/**
 * Wraps a route's handler so that a request it cannot send for lack of
 * network is queued in IndexedDB and replayed later, and the page gets
 * `202 Accepted` with `{"queued": true, "queueId": <number>, "queue": <name>}`
 * and the header `Swkit-Queued: 1`.
 *
 * Every request gets an `Idempotency-Key` header (a random UUID, as a
 * Structured Field string) before its first attempt, unless the page set
 * one: when a request reached the server but its answer was lost, the replay
 * carries the same key and a server that honours it applies it once.
 *
 * A request sent while its queue holds older ones waits its turn: the queue
 * is replayed first, and when it cannot be emptied now the request is
 * queued behind the others, so that the server sees them in order.
 *
 * The module adds the sync, message, fetch and activate listeners when it is
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
    const enqueue = async () => {
      const now = Date.now();
      const { url } = request;
      const queueId = await addRequest({
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
      // Where the Sync API exists; where that fails (background sync
      // denied), pages hear `unavailable` and the fallback triggers replay.
      registerTags([name]);
      await notify('queued', { queueId, queue: name, url });
      // Not Response.json: Firefox before 115 and Safari before 17 lack it,
      // and the request is queued by now.
      return new Response(JSON.stringify({ queued: true, queueId, queue: name }), {
        status: 202,
        headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Swkit-Queued': '1' },
      });
    };
    // Older requests first: send them now, or queue this one behind them.
    if ((await countRequests(name)) && !(await replay(name))) return enqueue();
    try {
      return await handler({ ...context, request: keyed });
    } catch (err) {
      // fetch rejects with a TypeError when the network failed, and only
      // then; an HTTP error is a response and goes back to the page as is.
      if (!(err instanceof TypeError)) throw err;
      return enqueue();
    }
  };
}

/**
 * Replays every queue that holds requests (or the one named), each in order;
 * logs a failure (what is left stays queued for the next replay). Resolves
 * with how many requests still wait.
 *
 * @param {boolean} [force]
 * @param {string} [only]
 * @returns {Promise<number>}
 */
async function replayAll(force, only) {
  try {
    await Promise.all((only === undefined ? await queueNames() : [only]).map((name) => replay(name, force)));
    return await countRequests();
  } catch (err) {
    console.error('swkit: replay failed', err);
    return -1;
  }
}

/** Fewest milliseconds between two replays that page activity triggers. */
const NUDGE_MS = 5e3;
let lastNudge = 0;
/** @type {Promise<unknown> | undefined} */
let nudging;

/**
 * Replays soon: at once, or NUDGE_MS after the last nudged replay began.
 * Calls in between share the one pending replay, and a call during a
 * replay schedules the next, so that every call is followed by a replay
 * that starts after it.
 *
 * @returns {Promise<unknown>}
 */
function nudge() {
  return (nudging ||= (async () => {
    const wait = lastNudge + NUDGE_MS - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    nudging = undefined;
    lastNudge = Date.now();
    return replayAll();
  })());
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

// swkit:replay from a page: on its load, on its timer and when it comes
// back online (page/sync.js). The answer, on the message's port, is how
// many requests still wait, which paces the page's timer.
addEventListener('message', (event) => {
  const data = event.data;
  if (data?.type !== 'swkit:replay') return;
  const done = replayAll(Boolean(data.force), data.queue).then((waiting) => event.ports[0]?.postMessage({ waiting }));
  /** @type {ExtendableEvent} */ (event).waitUntil(done);
});

// A request from a page of this origin says the page is in use, and often
// that the server answers again (its responses come back through here):
// replay soon, whatever the engine. Cheap when nothing waits (one count in
// IndexedDB), and a failed attempt costs one refused connection.
addEventListener('fetch', (event) => {
  if (new URL(event.request.url).origin === location.origin) event.waitUntil(nudge());
});

// With the Sync API, a tag lost on a last chance is registered again on
// activate. In every engine, replay whenever this worker starts (and is the
// active one: an installing version must not send) and on activate,
// honouring each request's backoff.
const hasSync = /** @type {any} */ (registration).sync;
const me = /** @type {any} */ (self).serviceWorker;
if (!me || me.state === 'activated') nudge();
addEventListener('activate', (event) =>
  event.waitUntil(Promise.all([hasSync && registerTags(queueNames()), nudge()])),
);
