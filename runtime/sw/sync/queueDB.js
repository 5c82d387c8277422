/**
 * The IndexedDB side of background sync: one database, `swkit-sync`, with one
 * object store of queued requests. The worker writes it; the page helper reads
 * it (queue()), so both import this module.
 */

import { openDB, transact as transactIn } from '../idb.js';

const STORE = 'requests';
const BY_QUEUE = 'queue';

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
 * @property {number} nextAttemptAt Earliest time (ms) an opportunistic replay may send it (backoff).
 * @property {number} [status] Status of the last failed replay (0 for a network error).
 * @property {string} [sendingBy] The worker instance replaying it now.
 * @property {number} [sendingUntil] End (ms) of that instance's lease on it.
 */

/**
 * Runs body in one transaction over the requests store (see idb.js's
 * transact), on a connection of its own; opens the database (see idb.js's
 * openDB), creating it on first use.
 *
 * @template T
 * @param {IDBTransactionMode} mode
 * @param {(store: IDBObjectStore, done: (value: T) => void) => void} body
 * @returns {Promise<T>}
 */
export async function transact(mode, body) {
  const db = await openDB('swkit-sync', 1, (db) => {
    // Records with equal index keys are ordered by primary key, so this
    // index lists one queue in the order its requests were added.
    db.createObjectStore(STORE, { keyPath: 'id', autoIncrement: true }).createIndex(BY_QUEUE, 'queue');
  });
  try {
    return /** @type {T} */ (await transactIn(db, STORE, mode, body));
  } finally {
    db.close();
  }
}

/**
 * Adds a request at the end of its queue.
 *
 * @param {QueuedRequest} item
 * @returns {Promise<number>} Its id.
 */
export function addRequest(item) {
  return transact('readwrite', (store, done) => {
    const req = store.add(item);
    req.onsuccess = () => done(/** @type {number} */ (req.result));
  });
}

/**
 * The requests waiting, oldest first: of one queue, or of all.
 *
 * @param {string} [queue]
 * @returns {Promise<QueuedRequest[]>}
 */
export function listRequests(queue) {
  return transact('readonly', (store, done) => {
    const req = queue === undefined ? store.getAll() : store.index(BY_QUEUE).getAll(queue);
    req.onsuccess = () => done(req.result);
  });
}

/**
 * The names of the queues that hold requests.
 *
 * @returns {Promise<string[]>}
 */
export function queueNames() {
  return transact('readonly', (store, done) => {
    /** @type {string[]} */
    const names = [];
    const req = store.index(BY_QUEUE).openKeyCursor(null, 'nextunique');
    req.onsuccess = () => {
      const cursor = req.result;
      if (!cursor) return done(names);
      names.push(/** @type {string} */ (cursor.key));
      cursor.continue();
    };
  });
}

/**
 * In one transaction: drops the requests at the head of queue that are older
 * than maxAge (ms), then leases the first remaining one to owner until
 * now + lease. The head is left alone when another worker instance holds an
 * unexpired lease on it (it may still be sending it), or when its backoff has
 * not run out and force is not set. Only the head is ever claimed, so a queue
 * is replayed in order.
 *
 * Resolves with the requests dropped for their age and the outcome: the
 * claimed request, undefined when the queue is empty, or null when its head
 * is leased to another instance or waits for its backoff.
 *
 * @param {string} queue
 * @param {number} now
 * @param {string} owner
 * @param {number} lease
 * @param {number} maxAge
 * @param {boolean} force
 * @returns {Promise<[QueuedRequest[], QueuedRequest | null | undefined]>}
 */
export function claimHead(queue, now, owner, lease, maxAge, force) {
  return transact('readwrite', (store, done) => {
    /** @type {QueuedRequest[]} */
    const expired = [];
    const req = store.index(BY_QUEUE).openCursor(queue);
    req.onsuccess = () => {
      const cursor = req.result;
      /** @type {QueuedRequest | null | undefined} */
      let item = cursor?.value;
      if (item) {
        if (now - item.timestamp > maxAge) {
          expired.push(item);
          cursor.delete();
          return cursor.continue();
        }
        if ((item.sendingBy !== owner && /** @type {number} */ (item.sendingUntil) > now) || (!force && item.nextAttemptAt > now)) {
          item = null;
        } else {
          item.sendingBy = owner;
          item.sendingUntil = now + lease;
          cursor.update(item);
        }
      }
      done([expired, item]);
    };
  });
}

/**
 * Settles a request after a replay: removes it (sent, or dropped) when
 * outcome is undefined; otherwise puts it back with the lease released, the
 * attempt counted and the next one scheduled.
 *
 * @param {number} id
 * @param {{status: number, nextAttemptAt: number}} [outcome]
 * @returns {Promise<void>}
 */
export function settleRequest(id, outcome) {
  return transact('readwrite', (store) => {
    if (!outcome) return store.delete(id);
    const req = store.get(id);
    req.onsuccess = () => {
      /** @type {QueuedRequest | undefined} */
      const item = req.result;
      if (item) {
        item.attempts++;
        delete item.sendingBy;
        delete item.sendingUntil;
        store.put({ ...item, ...outcome });
      }
    };
  });
}
