/**
 * The IndexedDB side of background sync: one database, `swkit-sync`, with one
 * object store of queued requests. The worker writes it; the page helper reads
 * it (queue()), so both import this module.
 */

import { transact as transactIn } from '../idb.js';

const STORE = 'requests';
export const BY_QUEUE = 'queue';

/**
 * @typedef {object} QueuedRequest
 * @property {number} [id] Auto-incremented on add: the order of the queue (FIFO).
 * @property {string} queue Queue name (options.backgroundSync.name).
 * @property {string} method
 * @property {string} url Absolute URL.
 * @property {[string, string][]} headers Request headers, Idempotency-Key included.
 * @property {ArrayBuffer | null} body
 * @property {RequestCredentials} credentials
 * @property {number} timestamp When the request was queued (ms since the epoch).
 * @property {number} attempts Replays tried so far.
 * @property {number} [refusals] Replays the server answered "later" (408, 409, 429, 5xx): the backoff's exponent.
 * @property {number} nextAttemptAt Earliest time (ms) a replay other than a forced one may send it (backoff).
 * @property {number} [status] Status of the last failed replay (0 for a network error).
 * @property {string} [sendingBy] The worker instance that last leased it to replay it.
 * @property {number} [sendingUntil] End (ms) of that lease; 0 once the replay
 *   is over (the request stays for a later one).
 */

/**
 * Runs body in one transaction over the requests store (see idb.js's
 * transact), creating the database on first use.
 *
 * @template T
 * @param {IDBTransactionMode} mode
 * @param {(store: IDBObjectStore) => T} body
 * @returns {Promise<T>}
 */
export function transact(mode, body) {
  return transactIn('swkit-sync', STORE, (db) => {
    // Records with equal index keys are ordered by primary key, so this
    // index lists one queue in the order its requests were added.
    db.createObjectStore(STORE, { keyPath: 'id', autoIncrement: true }).createIndex(BY_QUEUE, 'queue');
  }, mode, body);
}

/**
 * Adds a request at the end of its queue.
 *
 * @param {QueuedRequest} item
 * @returns {Promise<number>} Its id.
 */
export async function addRequest(item) {
  return /** @type {number} */ ((await transact('readwrite', (store) => store.add(item))).result);
}

/**
 * The requests waiting, oldest first: of one queue, or of all.
 *
 * @param {string} [queue]
 * @returns {Promise<QueuedRequest[]>}
 */
export async function listRequests(queue) {
  return (await transact('readonly', (store) => (queue === undefined ? store : store.index(BY_QUEUE)).getAll(queue))).result;
}

/**
 * The names of the queues that hold requests.
 *
 * @returns {Promise<string[]>}
 */
export function queueNames() {
  return transact('readonly', (store) => {
    /** @type {string[]} */
    const names = [];
    const req = store.index(BY_QUEUE).openKeyCursor(null, 'nextunique');
    req.onsuccess = () => {
      const cursor = req.result;
      if (cursor) {
        names.push(/** @type {string} */ (cursor.key));
        cursor.continue();
      }
    };
    return names;
  });
}

/**
 * How many requests wait: in one queue, or in all.
 *
 * @param {string} [queue]
 * @returns {Promise<number>}
 */
export async function countRequests(queue) {
  return (await transact('readonly', (store) => (queue === undefined ? store : store.index(BY_QUEUE)).count(queue))).result;
}
