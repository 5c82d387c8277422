import { listRequests } from '../sw/sync/queueDB.js';

/**
 * @typedef {object} QueueItem
 * @property {number} queueId The request's place in the worker's queue (not
 *   anything the server knows): the `queueId` of the 202 answer and of the
 *   `queued`, `sent` and `failed` events.
 * @property {string} queue
 * @property {string} method
 * @property {string} url
 * @property {[string, string][]} headers The request's headers, its Idempotency-Key among them.
 * @property {ArrayBuffer | null} body The request's body, as sent
 *   (`new TextDecoder().decode(item.body)` for JSON or text).
 * @property {number} timestamp When it was queued (ms since the epoch).
 * @property {number} attempts Replays tried so far.
 * @property {number} nextAttemptAt Earliest time (ms) of the next replay that is not forced.
 * @property {number | undefined} status Status of the last failed replay (0: network error).
 * @property {'waiting' | 'sending'} state
 */

/**
 * The requests that the service worker holds for background sync, oldest
 * first: of one queue, or of all. Read from IndexedDB, so it works whether or
 * not a worker is running or controls the page.
 *
 * @param {string} [name] Queue name (options.backgroundSync.name).
 * @returns {Promise<QueueItem[]>}
 */
export async function queue(name) {
  if (!('indexedDB' in self)) return [];
  const now = Date.now();
  return (await listRequests(name)).map((r) => ({
    queueId: /** @type {number} */ (r.id),
    queue: r.queue,
    method: r.method,
    url: r.url,
    headers: r.headers,
    body: r.body,
    timestamp: r.timestamp,
    attempts: r.attempts,
    nextAttemptAt: r.nextAttemptAt,
    status: r.status,
    state: r.sendingBy && (r.sendingUntil || 0) > now ? 'sending' : 'waiting',
  }));
}

/**
 * The worker to ask: the page's controller, else the registration's active
 * worker (a first visit before clientsClaim), else null.
 *
 * @returns {Promise<ServiceWorker | null>}
 */
async function activeWorker() {
  if (!('serviceWorker' in navigator)) return null;
  const container = navigator.serviceWorker;
  if (container.controller) return container.controller;
  const registration = await container.getRegistration();
  return (registration && registration.active) || null;
}

/** How long to wait for the worker's answer to swkit:replay. */
const ANSWER_MS = 60e3;

/**
 * Asks the worker to replay (one queue when named) and resolves with how
 * many requests still wait afterwards (-1 when the worker could not tell),
 * or null when no worker answered (none is active, or it has no
 * background-sync route).
 *
 * @param {{queue?: string, force: boolean}} options
 * @returns {Promise<number | null>}
 */
async function ask({ queue: name, force }) {
  const worker = await activeWorker();
  if (!worker) return null;
  const { port1, port2 } = new MessageChannel();
  const answer = new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), ANSWER_MS);
    port1.onmessage = (event) => {
      clearTimeout(timer);
      resolve(Number(event.data?.waiting));
    };
  });
  worker.postMessage({ type: 'swkit:replay', queue: name, force }, [port2]);
  return /** @type {Promise<number | null>} */ (answer);
}

/**
 * Asks the service worker to replay its queues now (one queue when named),
 * backoff or not. This is what the page helper does when the page comes back
 * online; call it from a "retry now" button. Resolves false when no worker is
 * active to ask.
 *
 * @param {string} [name]
 * @returns {Promise<boolean>}
 */
export async function replay(name) {
  const worker = await activeWorker();
  if (!worker) return false;
  worker.postMessage({ type: 'swkit:replay', queue: name, force: true });
  return true;
}

/**
 * The background-sync events alone, for a part of the page (a form) that
 * does not hold the object register() returned: `queued`, `sent`, `failed`
 * and `sync-unavailable`, as register()'s. Needs register() called
 * somewhere on the page for the replays that the page triggers.
 *
 * @returns {EventTarget}
 */
export function syncEvents() {
  const target = new EventTarget();
  if ('serviceWorker' in navigator) {
    watchSync(navigator.serviceWorker, (type, detail) => target.dispatchEvent(new CustomEvent(type, { detail })), false);
  }
  return target;
}

/** First and longest pause of an open page's replay timer. */
const FIRST_POLL_MS = 5e3;
const MAX_POLL_MS = 30e3;

/**
 * Re-emits the worker's swkit:sync messages as `queued`, `sent` and `failed`
 * events (detail {queueId, queue, url, status, reason}) and
 * `sync-unavailable` (detail {queue, reason}: the Background Sync API refused
 * the registration). With triggers, it also asks the worker to replay:
 * - once the page has loaded;
 * - while requests wait, on a timer: 5 s, doubling to 30 s, back to 5 s
 *   when a request is queued; it stops once the queue is empty;
 * - with force, when the page comes back online.
 * Browsers without the Sync API (Firefox, Safari) wake the worker for no
 * other reason, and where it exists these deliver sooner than its retries.
 *
 * @param {ServiceWorkerContainer} container
 * @param {(type: string, detail: object) => void} emit
 * @param {boolean} [triggers]
 */
export function watchSync(container, emit, triggers = true) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  let delay = FIRST_POLL_MS;
  /** @param {number | null} waiting */
  const schedule = (waiting) => {
    clearTimeout(timer);
    timer = undefined;
    if (!waiting) return;
    timer = setTimeout(poll, delay);
    delay = Math.min(delay * 2, MAX_POLL_MS);
  };
  const poll = () => ask({ force: false }).then(schedule, () => schedule(null));

  container.addEventListener('message', (event) => {
    const data = event.data;
    if (!data || data.type !== 'swkit:sync') return;
    const { queueId, queue: name, url, status, reason } = data;
    if (data.event === 'unavailable') {
      emit('sync-unavailable', { queue: name, reason });
      return;
    }
    emit(data.event, { queueId, queue: name, url, status, reason });
    if (triggers && data.event === 'queued') {
      delay = FIRST_POLL_MS;
      schedule(1);
    }
  });
  if (!triggers) return;
  addEventListener('online', () => {
    replay().catch(() => {});
  });
  if (document.readyState === 'complete') poll();
  else addEventListener('load', poll, { once: true });
}
