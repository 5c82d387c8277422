/**
 * The IndexedDB side of background sync: one database, `swkit-sync`, with one
 * object store of queued requests. The worker writes it; the page helper reads
 * it (queue()), so both import this module.
 */

import { openDB as open, transact as transactIn } from '../idb.js';

export const DB_NAME = 'swkit-sync';
const DB_VERSION = 1;
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
 * Opens the database, creating it on first use (see idb.js's openDB).
 *
 * @returns {Promise<IDBDatabase>}
 */
export function openDB() {
  return open(DB_NAME, DB_VERSION, (db) => {
    if (!db.objectStoreNames.contains(STORE)) {
      const store = db.createObjectStore(STORE, { keyPath: 'id', autoIncrement: true });
      // Records with equal index keys are ordered by primary key, so this
      // index lists one queue in the order its requests were added.
      store.createIndex(BY_QUEUE, 'queue');
    }
  });
}

/**
 * Runs body in one transaction over the requests store (see idb.js's
 * transact), on a connection of its own.
 *
 * @template T
 * @param {IDBTransactionMode} mode
 * @param {(store: IDBObjectStore, done: (value: T) => void) => void} body
 * @returns {Promise<T>}
 */
export async function transact(mode, body) {
  const db = await openDB();
  try {
    return await transactIn(db, STORE, mode, body);
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
    store.add(item).onsuccess = (e) => done(/** @type {number} */ (/** @type {IDBRequest} */ (e.target).result));
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
    const req = queue === undefined ? store.getAll() : store.index(BY_QUEUE).getAll(IDBKeyRange.only(queue));
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
 * @typedef {object} Claim
 * @property {QueuedRequest} [item] The head of the queue, now leased to the caller.
 * @property {QueuedRequest[]} expired Requests dropped for their age on the way.
 * @property {'empty' | 'claimed' | 'backoff' | 'leased'} state
 */

/**
 * In one transaction: drops the requests at the head of queue that are older
 * than maxAge, then leases the first remaining one to owner until now + lease.
 * The head is left alone when another worker instance holds an unexpired lease
 * on it ('leased': it may still be sending it), or when its backoff has not
 * run out and force is not set ('backoff'). Only the head is ever claimed, so
 * a queue is replayed in order.
 *
 * @param {string} queue
 * @param {{now: number, owner: string, lease: number, maxAge: number, force: boolean}} options
 * @returns {Promise<Claim>}
 */
export function claimHead(queue, { now, owner, lease, maxAge, force }) {
  return transact('readwrite', (store, done) => {
    /** @type {QueuedRequest[]} */
    const expired = [];
    const req = store.index(BY_QUEUE).openCursor(IDBKeyRange.only(queue));
    req.onsuccess = () => {
      const cursor = req.result;
      if (!cursor) return done({ expired, state: 'empty' });
      /** @type {QueuedRequest} */
      const item = cursor.value;
      if (now - item.timestamp > maxAge) {
        expired.push(item);
        cursor.delete();
        cursor.continue();
        return;
      }
      if (item.sendingBy && item.sendingBy !== owner && (item.sendingUntil || 0) > now) {
        return done({ expired, state: 'leased' });
      }
      if (!force && item.nextAttemptAt > now) return done({ expired, state: 'backoff' });
      item.sendingBy = owner;
      item.sendingUntil = now + lease;
      cursor.update(item);
      done({ item, expired, state: 'claimed' });
    };
  });
}

/**
 * Removes a request (sent, or dropped).
 *
 * @param {number} id
 * @returns {Promise<void>}
 */
export function deleteRequest(id) {
  return transact('readwrite', (store, done) => {
    store.delete(id);
    done(undefined);
  });
}

/**
 * Puts a request back after a failed replay: the lease released, the attempt
 * counted and the next one scheduled.
 *
 * @param {number} id
 * @param {{status: number, nextAttemptAt: number}} outcome
 * @returns {Promise<void>}
 */
export function releaseRequest(id, { status, nextAttemptAt }) {
  return transact('readwrite', (store, done) => {
    const req = store.get(id);
    req.onsuccess = () => {
      /** @type {QueuedRequest | undefined} */
      const item = req.result;
      if (item) {
        item.attempts += 1;
        item.status = status;
        item.nextAttemptAt = nextAttemptAt;
        delete item.sendingBy;
        delete item.sendingUntil;
        store.put(item);
      }
      done(undefined);
    };
  });
}
