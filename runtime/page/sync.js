import { listRequests } from '../sw/sync/queueDB.js';

/**
 * @typedef {object} QueueItem
 * @property {number} id
 * @property {string} queue
 * @property {string} method
 * @property {string} url
 * @property {number} timestamp When it was queued (ms since the epoch).
 * @property {number} attempts Replays tried so far.
 * @property {number} nextAttemptAt Earliest time (ms) of the next opportunistic replay.
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
    id: /** @type {number} */ (r.id),
    queue: r.queue,
    method: r.method,
    url: r.url,
    timestamp: r.timestamp,
    attempts: r.attempts,
    nextAttemptAt: r.nextAttemptAt,
    status: r.status,
    state: r.sendingBy && (r.sendingUntil || 0) > now ? 'sending' : 'waiting',
  }));
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
  if (!('serviceWorker' in navigator)) return false;
  const container = navigator.serviceWorker;
  let worker = container.controller;
  if (!worker) {
    const registration = await container.getRegistration();
    worker = (registration && registration.active) || null;
  }
  if (!worker) return false;
  worker.postMessage({ type: 'swkit:replay', queue: name, force: true });
  return true;
}

/**
 * The background-sync events alone, for a part of the page (a form) that
 * does not hold the object register() returned: `queued`, `sent` and
 * `failed`, as register()'s. Needs register() called somewhere on the page
 * for the replay on `online`.
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

/**
 * Re-emits the worker's swkit:sync messages as `queued`, `sent` and `failed`
 * events (detail {id, queue, url, status, reason}), and asks for a replay
 * when the page comes back online (the fallback where the Sync API is
 * missing; harmless where it exists).
 *
 * @param {ServiceWorkerContainer} container
 * @param {(type: string, detail: object) => void} emit
 * @param {boolean} [replayOnline]
 */
export function watchSync(container, emit, replayOnline = true) {
  container.addEventListener('message', (event) => {
    const data = event.data;
    if (!data || data.type !== 'swkit:sync') return;
    const { id, queue: name, url, status, reason } = data;
    emit(data.event, { id, queue: name, url, status, reason });
  });
  if (!replayOnline) return;
  addEventListener('online', () => {
    replay().catch(() => {});
  });
}
