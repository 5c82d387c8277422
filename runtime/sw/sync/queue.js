import { addRequest, claimHead, deleteRequest, releaseRequest } from './queueDB.js';
import { notifyPages } from './notifyPages.js';

/** Default maxRetentionTime: 7 days, in minutes (as Workbox counts it). */
export const DEFAULT_RETENTION_MINUTES = 7 * 24 * 60;

/** The sync tag of a queue. */
export const TAG_PREFIX = 'swkit-sync:';

/** A replay gives up on a request after this long and tries it again later. */
const SEND_TIMEOUT_MS = 30 * 1000;
/**
 * How long a request being replayed stays reserved for the worker instance
 * sending it. Longer than SEND_TIMEOUT_MS, so that a live sender never loses
 * it; a sender that died (the browser was killed mid-send) blocks the queue
 * for at most this long.
 */
const LEASE_MS = SEND_TIMEOUT_MS + 10 * 1000;
/** Backoff after the first failed replay, doubled each time up to MAX_BACKOFF_MS. */
const FIRST_BACKOFF_MS = 10 * 1000;
const MAX_BACKOFF_MS = 60 * 60 * 1000;

/** Identifies this worker instance in the leases it takes. */
const instance = crypto.randomUUID();

/**
 * @typedef {'done' | 'retry' | 'blocked'} PassResult
 * done: the queue is empty; retry: a request failed for now and waits for a
 * later pass (backoff); blocked: the head is leased to another worker
 * instance, or its backoff has not run out.
 */

/**
 * One named queue of requests that failed for lack of network.
 */
export class Queue {
  /**
   * @param {string} name
   * @param {number} [maxRetentionMinutes]
   */
  constructor(name, maxRetentionMinutes) {
    this.name = name;
    this.maxAge = (maxRetentionMinutes || DEFAULT_RETENTION_MINUTES) * 60 * 1000;
    /**
     * The replay passes of this queue, one after another: concurrent triggers
     * (a sync event, a page's message) never send a request twice at once.
     * @type {Promise<PassResult>}
     */
    this.chain = Promise.resolve(/** @type {PassResult} */ ('done'));
  }

  /**
   * Stores request (already carrying its Idempotency-Key) at the end of the
   * queue, asks for a sync event where the Sync API exists, and tells pages.
   *
   * @param {Request} request
   * @param {ArrayBuffer | null} body request's body, read before it was sent.
   * @returns {Promise<number>} The queued request's id.
   */
  async add(request, body) {
    const now = Date.now();
    const id = await addRequest({
      queue: this.name,
      method: request.method,
      url: request.url,
      headers: [...request.headers],
      body,
      credentials: request.credentials,
      timestamp: now,
      attempts: 0,
      nextAttemptAt: now,
    });
    const sync = syncManager();
    if (sync) {
      // Where this fails (background sync denied), the fallback triggers
      // still replay the queue.
      sync.register(TAG_PREFIX + this.name).catch((err) => console.warn('swkit: sync.register failed', err));
    }
    await notifyPages('queued', { id, queue: this.name, url: request.url });
    return id;
  }

  /**
   * Replays the queue in order, after any pass already running. Stops at the
   * first request that fails for now (a network error, 408, 409, 429, 5xx)
   * and keeps it with backoff; a request that the server refuses (another
   * 4xx) is dropped. Both outcomes, and each request sent, are told to pages.
   *
   * @param {{force?: boolean}} [options] force: ignore the backoff (a sync
   *   event, the page back online); without it a request is tried only once
   *   its backoff has run out.
   * @returns {Promise<PassResult>}
   */
  replay({ force = false } = {}) {
    const pass = this.chain.then(() => this.pass(force));
    this.chain = pass.catch(() => /** @type {PassResult} */ ('retry'));
    return pass;
  }

  /**
   * @param {boolean} force
   * @returns {Promise<PassResult>}
   */
  async pass(force) {
    for (;;) {
      const now = Date.now();
      const claim = await claimHead(this.name, { now, owner: instance, lease: LEASE_MS, maxAge: this.maxAge, force });
      for (const item of claim.expired) {
        await notifyPages('failed', { id: item.id, queue: this.name, url: item.url, status: item.status ?? 0, reason: 'expired' });
      }
      if (claim.state === 'empty') return 'done';
      if (!claim.item) return 'blocked';
      const item = claim.item;
      const id = /** @type {number} */ (item.id);
      const { event, retryAfter, ...detail } = await send(item);
      if (!event) {
        const delay = Math.max(backoff(item.attempts + 1), retryAfter || 0);
        await releaseRequest(id, { status: detail.status, nextAttemptAt: Date.now() + delay });
        return 'retry';
      }
      // Sent, or refused: either way done with.
      await deleteRequest(id);
      await notifyPages(event, { id, queue: this.name, url: item.url, ...detail });
    }
  }
}

/**
 * @typedef {object} Outcome
 * @property {'sent' | 'failed'} [event] What to tell pages: sent, or failed
 *   (refused); none for a retry.
 * @property {number} status 0 for a network error or a timeout.
 * @property {'refused'} [reason] With event 'failed'.
 * @property {number} [retryAfter] Milliseconds, from a Retry-After header (retry).
 */

/**
 * Sends a queued request once.
 *
 * @param {import('./queueDB.js').QueuedRequest} item
 * @returns {Promise<Outcome>}
 */
async function send(item) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), SEND_TIMEOUT_MS);
  try {
    const response = await fetch(item.url, {
      method: item.method,
      headers: item.headers,
      body: item.body,
      credentials: item.credentials,
      signal: abort.signal,
    });
    const status = response.status;
    // Drain the body: nobody reads it, and an unread body holds the connection.
    await response.arrayBuffer().catch(() => {});
    if (status < 400) return { event: 'sent', status };
    // 408 and 429 say "later"; 409 is an Idempotency-Key still in progress
    // on the server (draft-ietf-httpapi-idempotency-key-header, section 2.6):
    // dropping on it could lose a write the server never finished.
    if (status === 408 || status === 409 || status === 429 || status >= 500) {
      return { status, retryAfter: retryAfter(response.headers.get('Retry-After')) };
    }
    return { event: 'failed', status, reason: 'refused' };
  } catch (err) {
    // A network error (TypeError) or the timeout (AbortError): the request
    // may or may not have reached the server; its Idempotency-Key makes the
    // next replay safe either way.
    return { status: 0 };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Backoff before replay attempt n + 1, after n failed ones.
 *
 * @param {number} n
 */
function backoff(n) {
  return Math.min(FIRST_BACKOFF_MS * 2 ** Math.min(n - 1, 20), MAX_BACKOFF_MS);
}

/**
 * Retry-After (RFC 9110, section 10.2.3) in milliseconds: delay-seconds or an
 * HTTP date; 0 when absent or unreadable.
 *
 * @param {string | null} value
 */
function retryAfter(value) {
  if (!value) return 0;
  if (/^\d+$/.test(value)) return Math.min(Number(value) * 1000, MAX_BACKOFF_MS);
  const at = Date.parse(value);
  return Number.isNaN(at) ? 0 : Math.min(Math.max(at - Date.now(), 0), MAX_BACKOFF_MS);
}

/**
 * The registration's SyncManager, or undefined where the Background
 * Synchronization API is missing (Firefox, Safari).
 *
 * @returns {{register(tag: string): Promise<void>} | undefined}
 */
export function syncManager() {
  return /** @type {any} */ (self.registration).sync || undefined;
}
