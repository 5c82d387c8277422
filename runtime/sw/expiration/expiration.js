import { transact } from '../idb.js';
import { warnOnce as warn } from '../strategies/warnOnce.js';

/**
 * The expiration metadata: one IndexedDB database, one object store, a
 * record per cached URL of every cache that has an expiration policy. The
 * metadata is advisory (a lost record only means an entry's age comes from
 * its Date header, or that it is evicted a little out of order), so a new
 * layout takes a new database name rather than migrating: this one replaced
 * `swkit-expiration` (a store per cache name), which it deletes when it
 * creates itself.
 *
 * @typedef {object} Entry
 * @property {string} cacheName The cache the URL is stored in.
 * @property {string} url Absolute URL without fragment. [cacheName, url] is the key.
 * @property {number} storedAt Date.now() when the response was stored.
 * @property {number} usedAt Recency stamp: larger is more recent.
 */
export const DB_NAME = 'swkit-expiry';
const STORE = 'entries';

/** @param {IDBDatabase} db */
function upgrade(db) {
  const store = db.createObjectStore(STORE, { keyPath: ['cacheName', 'url'] });
  // One cache's records in the order of use, and of storage.
  store.createIndex('usedAt', ['cacheName', 'usedAt']);
  store.createIndex('storedAt', ['cacheName', 'storedAt']);
  indexedDB.deleteDatabase('swkit-expiration');
}

/**
 * @typedef {object} Policy
 * @property {(url: string, response: Response, event: ExtendableEvent) => Promise<Response | undefined>} read_
 *   The cached response, or undefined when it has expired; records the use.
 * @property {(url: string) => Promise<void>} written_ Records a write and evicts what no longer fits.
 * @property {(err: unknown) => Promise<void>} putFailed_ Purges the cache on a quota error when asked to.
 */

/** Recency stamps: Date.now(), but strictly increasing within this worker. */
let lastStamp = 0;

/**
 * The expiration policy of one runtime cache. Cache Storage keeps no
 * timestamps, so each cached URL has a record in IndexedDB (see Entry):
 * when it was stored and when it was last used. Strategies call the policy
 * through cacheMatch and cachePut only. Called while the worker script first
 * runs (the generated sw.js builds its routes then).
 *
 * @param {string} cacheName
 * @param {number} maxEntries Keep at most this many entries, evicting the
 *   least recently used; 0 for no limit.
 * @param {number} maxAgeSeconds Entries stored longer ago are not served, and
 *   are deleted; 0 for no limit.
 * @param {boolean} [purgeOnQuotaError] Empty the cache when a write exceeds
 *   the storage quota.
 * @returns {Policy}
 */
export function expiration(cacheName, maxEntries, maxAgeSeconds, purgeOnQuotaError) {
  const maxAgeMs = maxAgeSeconds * 1000;
  /**
   * This cache's keys in an index (or the store), up to [cacheName, upper];
   * all of them for upper [] (arrays sort after numbers and strings).
   *
   * @param {number | []} upper
   */
  const upTo = (upper) => IDBKeyRange.bound([cacheName], [cacheName, upper]);

  /** @param {string[]} urls */
  const dropFromCache = async (urls) => {
    const cache = await caches.open(cacheName);
    await Promise.all(urls.map((url) => cache.delete(url, { ignoreVary: true })));
  };

  /**
   * Runs body in one transaction on the store.
   *
   * @template T
   * @param {(store: IDBObjectStore) => T} body
   * @returns {Promise<T>}
   */
  const update = (body) => transact(DB_NAME, STORE, upgrade, 'readwrite', body);

  return {
    async read_(url, response, event) {
      url = withoutFragment(url);
      const date = Date.parse(/** @type {string} */ (response.headers.get('date')));
      /** @type {boolean | undefined} */
      let expired;
      try {
        // In one transaction: drop an expired record, or mark the URL as
        // just used (creating its record for an entry stored before
        // expiration was configured: its age then comes from the Date
        // header).
        await update((store) => {
          const get = store.get([cacheName, url]);
          get.onsuccess = () => {
            /** @type {Entry} */
            const entry = get.result || { cacheName, url, storedAt: date || Date.now() };
            if (maxAgeMs && Date.now() - entry.storedAt >= maxAgeMs) {
              store.delete([cacheName, url]);
              expired = true;
            } else {
              store.put({ ...entry, usedAt: (lastStamp = Math.max(Date.now(), lastStamp + 1)) });
            }
          };
        });
      } catch (err) {
        // Unreadable metadata must not take the cache down with it: the
        // Date header still tells the age.
        warn(url, cacheName, err);
        expired = maxAgeMs > 0 && Date.now() - date >= maxAgeMs;
      }
      if (!expired) return response;
      event.waitUntil(dropFromCache([url]).catch((err) => warn(url, cacheName, err)));
      return undefined;
    },

    async written_(url) {
      url = withoutFragment(url);
      const now = Date.now();
      const doomed = await update((store) => {
        /** @type {string[]} */
        const urls = [];
        store.put({ cacheName, url, storedAt: now, usedAt: (lastStamp = Math.max(now, lastStamp + 1)) });
        /**
         * Deletes the records a cursor walks, up to limit, then calls next.
         * The steps run one after the other: a count issued while a cursor
         * still walks would not see the cursor's later deletions.
         *
         * @param {IDBRequest<IDBCursorWithValue | null>} request
         * @param {number} limit
         * @param {() => void} [next]
         */
        const drop = (request, limit, next) => {
          request.onsuccess = () => {
            const cursor = request.result;
            if (!cursor || limit-- <= 0) return next?.();
            urls.push(cursor.value.url);
            cursor.delete();
            cursor.continue();
          };
        };
        const byCount = () => {
          if (!maxEntries) return;
          const count = store.count(upTo([]));
          count.onsuccess = () => {
            // Ascending usedAt: least recently used first.
            drop(store.index('usedAt').openCursor(upTo([])), count.result - maxEntries);
          };
        };
        if (maxAgeMs) {
          drop(store.index('storedAt').openCursor(upTo(now - maxAgeMs)), Infinity, byCount);
        } else {
          byCount();
        }
        return urls;
      });
      await dropFromCache(doomed);
    },

    async putFailed_(err) {
      if (!purgeOnQuotaError || /** @type {any} */ (err)?.name !== 'QuotaExceededError') return;
      // Everything this cache holds is re-fetchable: give the space back so
      // that the precache and other caches keep working.
      await caches.delete(cacheName);
      await update((store) => store.delete(upTo([])));
    },
  };
}

/** @param {string} url */
function withoutFragment(url) {
  return url.split('#')[0];
}
