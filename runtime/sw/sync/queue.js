import { postToWindows } from '../windows.js';
import { BY_QUEUE, transact } from './queueDB.js';

/** The sync tag of a queue is this and its name. */
export const TAG_PREFIX = 'swkit-sync:';

/** A replay gives up on a request after this long and tries it again later. */
const SEND_TIMEOUT_MS = 30e3;
/**
 * How long a request being replayed stays reserved for the worker instance
 * sending it. Longer than SEND_TIMEOUT_MS, so that a live sender never loses
 * it; a sender that died (the browser was killed mid-send) blocks the queue
 * for at most this long.
 */
const LEASE_MS = SEND_TIMEOUT_MS + 10e3;
/**
 * Backoff after the first replay that the server answered "later" (408, 409,
 * 429, 5xx), doubled each time up to MAX_BACKOFF_MS. A network error sets
 * none: nothing tells when the network returns, and the triggers that try
 * again (page loads, page activity, an open page's timer) are paced already.
 */
const FIRST_BACKOFF_MS = 10e3;
const MAX_BACKOFF_MS = 36e5;

/** Identifies this worker instance in the leases it takes. */
const instance = crypto.randomUUID();

/**
 * @typedef {object} Queue One named queue of requests that failed for lack of network.
 * @property {number} maxAge_ Milliseconds a request is kept (maxRetentionTime).
 * @property {Promise<unknown>} chain_ The replay passes of this queue, one
 *   after another: concurrent triggers (a sync event, a page's message) never
 *   send a request twice at once.
 */

/** @type {Map<string, Queue>} */
const queues = new Map();

/**
 * The queue called name: a configured one, or one left in IndexedDB by an
 * earlier version of the worker (replayed with the default retention rather
 * than stranded). maxRetentionMinutes, when given, sets its retention
 * (default 10080, 7 days, as Workbox counts it).
 *
 * @param {string} name
 * @param {number} [maxRetentionMinutes]
 * @returns {Queue}
 */
export function queueFor(name, maxRetentionMinutes) {
  let queue = queues.get(name);
  if (!queue) queues.set(name, (queue = { maxAge_: 6048e5, chain_: Promise.resolve() }));
  if (maxRetentionMinutes) queue.maxAge_ = maxRetentionMinutes * 6e4;
  return queue;
}

/**
 * Tells every window what became of a queued request: a swkit:sync message
 * that the page helper re-emits as a `queued`, `sent` or `failed` event.
 *
 * @param {'queued' | 'sent' | 'failed'} event
 * @param {{queueId?: number, queue: string, url: string, status?: number, reason?: 'refused' | 'expired'}} detail
 */
export function notify(event, detail) {
  return postToWindows({ type: 'swkit:sync', event, ...detail });
}

/**
 * Registers the sync tag of each queue named, where the Sync API exists
 * (not in Firefox and Safari). A refusal (background sync turned off for the
 * site) is told to pages as `unavailable`: the fallback triggers still
 * replay the queue, but only while a page of the site is open.
 *
 * @param {string[] | Promise<string[]>} names
 * @returns {Promise<void>}
 */
export async function registerTags(names) {
  for (const name of await names) {
    try {
      await /** @type {any} */ (registration).sync?.register(TAG_PREFIX + name);
    } catch (err) {
      console.warn('swkit: sync.register failed', err);
      await postToWindows({ type: 'swkit:sync', event: 'unavailable', queue: name, reason: String(err) });
    }
  }
}

/**
 * Replays queue name in order, after any pass already running. Stops at the
 * first request that fails for now (a network error, 408, 409, 429, 5xx)
 * and keeps it with backoff; a request that the server refuses (another
 * 4xx) is dropped. Both outcomes, and each request sent, are told to pages.
 * Resolves true when the queue is empty, false when a request failed for
 * now, or the head is leased to another worker instance, or waits for its
 * backoff.
 *
 * @param {string} name
 * @param {boolean} [force] Ignore the backoff (a sync event, the page back
 *   online); without it a request is tried only once its backoff has run out.
 * @returns {Promise<boolean>}
 */
export function replay(name, force = false) {
  const queue = queueFor(name);
  const pass = queue.chain_.then(async () => {
    for (;;) {
      const now = Date.now();
      // In one transaction: drop the requests at the head that are older
      // than the queue's retention, then lease the first remaining one to
      // this instance. The head is left alone (null) when another instance
      // holds an unexpired lease on it (it may still be sending it), or when
      // its backoff has not run out and force is not set. Only the head is
      // ever claimed, so a queue is replayed in order.
      /** @type {import('./queueDB.js').QueuedRequest[]} */
      const expired = [];
      /** @type {import('./queueDB.js').QueuedRequest | null | undefined} */
      let item;
      await transact('readwrite', (store) => {
        const req = store.index(BY_QUEUE).openCursor(name);
        req.onsuccess = () => {
          const cursor = req.result;
          /** @type {import('./queueDB.js').QueuedRequest | null | undefined} */
          let head = cursor?.value;
          if (head) {
            if (now - head.timestamp > queue.maxAge_) {
              expired.push(head);
              cursor.delete();
              return cursor.continue();
            }
            if ((head.sendingBy !== instance && /** @type {number} */ (head.sendingUntil) > now) || (!force && head.nextAttemptAt > now)) {
              head = null;
            } else {
              head.sendingBy = instance;
              head.sendingUntil = now + LEASE_MS;
              cursor.update(head);
            }
          }
          item = head;
        };
      });
      for (const { id, url, status = 0 } of expired) {
        await notify('failed', { queueId: id, queue: name, url, status, reason: 'expired' });
      }
      if (!item) return item === undefined;
      const { id, url } = item;
      // Send it once. A network error or the timeout leaves status 0: the
      // request may or may not have reached the server; its Idempotency-Key
      // makes the next replay safe either way.
      let status = 0;
      let retryAfter = 0;
      /** @type {'sent' | 'failed' | undefined} */
      let event;
      try {
        // The record is the init: method, headers, body and credentials;
        // fetch ignores its other fields.
        // (No time limit where AbortSignal.timeout is missing: Chrome before
        // 103, Firefox before 100, Safari before 16.)
        const response = await fetch(url, { ...item, signal: AbortSignal.timeout?.(SEND_TIMEOUT_MS) });
        status = response.status;
        // Drain the body: nobody reads it, and an unread body holds the connection.
        await response.arrayBuffer().catch(() => {});
        // 408 and 429 say "later"; 409 is an Idempotency-Key still in
        // progress on the server (draft-ietf-httpapi-idempotency-key-header,
        // section 2.6): dropping on it could lose a write the server never
        // finished. Other 4xx: refused, dropped.
        event = status < 400 ? 'sent' : status < 500 && ![408, 409, 429].includes(status) ? 'failed' : undefined;
        // Retry-After (RFC 9110, section 10.2.3): delay-seconds or an HTTP
        // date (which is not a number); absent or past, it counts 0 or less.
        const value = /** @type {any} */ (response.headers.get('Retry-After'));
        retryAfter = value * 1e3 || Date.parse(value) - Date.now() || 0;
      } catch {}
      if (!event) {
        // The server said "later": doubled from 10 s for each such answer,
        // or its Retry-After when longer; at most an hour either way.
        const delay = status ? Math.min(Math.max(FIRST_BACKOFF_MS * 2 ** (item.refusals || 0), retryAfter), MAX_BACKOFF_MS) : 0;
        // Back in the queue, the lease released, the attempt counted.
        await transact('readwrite', (store) => {
          store.put({
            ...item,
            attempts: item.attempts + 1,
            refusals: (item.refusals || 0) + (status ? 1 : 0),
            status,
            nextAttemptAt: Date.now() + delay,
            sendingUntil: 0,
          });
        });
        return false;
      }
      // Sent, or refused: either way done with.
      await transact('readwrite', (store) => store.delete(/** @type {number} */ (id)));
      await notify(event, { queueId: id, queue: name, url, status, ...(event === 'failed' && { reason: 'refused' }) });
    }
  });
  queue.chain_ = pass.catch(() => {});
  return pass;
}
