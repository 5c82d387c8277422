import { Queue, TAG_PREFIX, syncManager } from './queue.js';
import { queueNames } from './queueDB.js';

/**
 * @typedef {object} BackgroundSyncOptions
 * @property {string} name Queue name; the sync tag is `swkit-sync:<name>`.
 * @property {number} [maxRetentionTime] Minutes a request is kept (default 10080, 7 days).
 */

/** @type {Map<string, Queue>} */
const queues = new Map();
let listening = false;

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
 * Called while the worker script first runs (the generated sw.js builds its
 * routes then), which is when the sync and message listeners must be added.
 *
 * @param {(context: import('../strategies/fetchAndCache.js').Context) => Promise<Response>} handler
 * @param {BackgroundSyncOptions} options
 * @returns {(context: import('../strategies/fetchAndCache.js').Context) => Promise<Response>}
 */
export function backgroundSync(handler, { name, maxRetentionTime }) {
  const queue = new Queue(name, maxRetentionTime);
  queues.set(name, queue);
  listen();

  return async (context) => {
    const { request } = context;
    const body = request.method === 'GET' || request.method === 'HEAD' ? null : await request.arrayBuffer();
    const headers = new Headers(request.headers);
    if (!headers.has('Idempotency-Key')) headers.set('Idempotency-Key', `"${crypto.randomUUID()}"`);
    const keyed = new Request(request.url, {
      method: request.method,
      headers,
      body,
      credentials: request.credentials,
      redirect: request.redirect,
      referrerPolicy: request.referrerPolicy,
      // A form's navigation cannot be rebuilt as one; as a plain request it
      // is the same POST.
      mode: request.mode === 'navigate' ? 'same-origin' : request.mode,
    });

    let response;
    try {
      response = await handler({ ...context, request: keyed });
    } catch (err) {
      // fetch rejects with a TypeError when the network failed, and only
      // then; an HTTP error is a response and goes back to the page as is.
      if (!(err instanceof TypeError)) throw err;
      const id = await queue.add(keyed, body);
      return new Response(JSON.stringify({ queued: true, id, queue: name }), {
        status: 202,
        statusText: 'Accepted',
        headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Swkit-Queued': '1' },
      });
    }
    // The network works again: send what waits, without waiting for it.
    context.event.waitUntil(queue.replay().catch(() => {}));
    return response;
  };
}

/**
 * The queue called name: the configured one, or one left in IndexedDB by an
 * earlier version of the worker (replayed with the default retention rather
 * than stranded).
 *
 * @param {string} name
 */
function queueFor(name) {
  let queue = queues.get(name);
  if (!queue) {
    queue = new Queue(name);
    queues.set(name, queue);
  }
  return queue;
}

/**
 * Replays every queue that holds requests, each in order; logs a failure
 * (what is left stays queued for the next replay).
 *
 * @param {{force?: boolean, only?: string}} [options]
 * @returns {Promise<void>}
 */
async function replayAll({ force = false, only } = {}) {
  try {
    const names = only === undefined ? await queueNames() : [only];
    await Promise.all(names.map((name) => queueFor(name).replay({ force })));
  } catch (err) {
    console.error('swkit: replay', err);
  }
}

/** Adds the listeners of background sync, once. */
function listen() {
  if (listening) return;
  listening = true;

  self.addEventListener('sync', (event) => {
    const { tag, lastChance } = /** @type {any} */ (event);
    if (!tag.startsWith(TAG_PREFIX)) return;
    const queue = queueFor(tag.slice(TAG_PREFIX.length));
    /** @type {ExtendableEvent} */ (event).waitUntil(
      queue.replay({ force: true }).then((result) => {
        // A rejection makes the browser fire the event again later, with
        // its own backoff; on the last chance there is no later, and the
        // requests stay queued for the fallback triggers instead.
        if (result !== 'done' && !lastChance) throw new Error(`swkit: queue ${queue.name} not fully replayed (${result})`);
      }),
    );
  });

  self.addEventListener('message', (event) => {
    const data = event.data;
    if (!data || data.type !== 'swkit:replay') return;
    event.waitUntil(replayAll({ force: Boolean(data.force), only: data.queue }));
  });

  // Without the Sync API, nothing wakes the worker for the queue: replay
  // whenever this worker starts (and is the active one: an installing
  // version must not send), honouring each request's backoff. The first
  // fetch event keeps the worker alive until that pass ends.
  if (syncManager()) {
    // With it, a tag lost on a last chance is registered again.
    self.addEventListener('activate', (event) => event.waitUntil(reRegister()));
    return;
  }
  /** @type {Promise<unknown> | null} */
  let started = null;
  const me = /** @type {any} */ (self).serviceWorker;
  if (!me || me.state === 'activated') started = replayAll();
  self.addEventListener('activate', (event) => event.waitUntil(replayAll()));
  self.addEventListener('fetch', (event) => {
    if (started) event.waitUntil(started);
    started = null;
  });
}

/** Registers the sync tag of every queue that holds requests. */
async function reRegister() {
  const sync = syncManager();
  if (!sync) return;
  try {
    for (const name of await queueNames()) await sync.register(TAG_PREFIX + name);
  } catch (err) {
    console.warn('swkit: sync.register failed', err);
  }
}
