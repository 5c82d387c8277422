import { warnOnce as warn } from '../strategies/warnOnce.js';
import { transact } from './db.js';

/**
 * @typedef {object} ExpirationOptions
 * @property {number} [maxEntries] Keep at most this many entries, evicting the least recently used.
 * @property {number} [maxAgeSeconds] Entries stored longer ago are not served, and are deleted.
 * @property {boolean} [purgeOnQuotaError] Empty the cache when a write exceeds the storage quota.
 */

/**
 * @typedef {object} Policy
 * @property {(url: string, response: Response, event: ExtendableEvent) => Promise<Response | undefined>} read_
 *   The cached response, or undefined when it has expired; records the use.
 * @property {(url: string) => Promise<void>} written_ Records a write and evicts what no longer fits.
 * @property {(err: unknown) => Promise<void>} putFailed_ Purges the cache on a quota error when asked to.
 */

/** Recency stamps: Date.now(), but strictly increasing within this worker. */
let lastStamp = 0;
function stamp() {
  lastStamp = Math.max(Date.now(), lastStamp + 1);
  return lastStamp;
}

/**
 * The expiration policy of one runtime cache. Cache Storage keeps no
 * timestamps, so each cached URL has a record in IndexedDB (see db.js):
 * when it was stored and when it was last used. Strategies call the policy
 * through cacheMatch and cachePut only.
 *
 * @param {string} cacheName
 * @param {ExpirationOptions} options
 * @returns {Policy}
 */
export function expiration(cacheName, options) {
  const maxAgeMs = (options.maxAgeSeconds || 0) * 1000;
  const maxEntries = options.maxEntries || 0;

  /** @param {string[]} urls */
  const dropFromCache = async (urls) => {
    if (urls.length === 0) return;
    const cache = await caches.open(cacheName);
    await Promise.all(urls.map((url) => cache.delete(url, { ignoreVary: true })));
  };

  return {
    async read_(url, response, event) {
      url = withoutFragment(url);
      if (maxAgeMs) {
        /** @type {import('./db.js').Entry | undefined} */
        let entry;
        try {
          entry = await transact(cacheName, 'readonly', (store, done) => {
            const get = store.get(url);
            get.onsuccess = () => done(get.result);
          });
        } catch (err) {
          // Unreadable metadata must not take the cache down with it: the
          // Date header still tells the age.
          warn(`swkit: reading the age of ${url} failed`, err);
        }
        const storedAt = entry ? entry.storedAt : dateOf(response);
        if (storedAt !== undefined && Date.now() - storedAt >= maxAgeMs) {
          event.waitUntil(
            remove(url).catch((err) => warn(`swkit: deleting expired ${url} from ${cacheName} failed`, err)),
          );
          return undefined;
        }
      }
      event.waitUntil(touch(url, response).catch((err) => warn(`swkit: recording the use of ${url} failed`, err)));
      return response;
    },

    async written_(url) {
      url = withoutFragment(url);
      const now = Date.now();
      const doomed = await transact(cacheName, 'readwrite', (store, done) => {
        /** @type {string[]} */
        const urls = [];
        done(urls);
        store.put({ url, storedAt: now, usedAt: stamp() });
        /**
         * Deletes the records a cursor walks, up to limit, then calls next.
         * The steps run one after the other: a count issued while a cursor
         * still walks would not see the cursor's later deletions.
         *
         * @param {IDBRequest<IDBCursorWithValue | null>} request
         * @param {number} limit
         * @param {() => void} next
         */
        const drop = (request, limit, next) => {
          request.onsuccess = () => {
            const cursor = request.result;
            if (!cursor || limit <= 0) return next();
            limit--;
            urls.push(cursor.value.url);
            cursor.delete();
            cursor.continue();
          };
        };
        const byCount = () => {
          if (!maxEntries) return;
          const count = store.count();
          count.onsuccess = () => {
            // Ascending usedAt: least recently used first.
            drop(store.index('usedAt').openCursor(), count.result - maxEntries, () => {});
          };
        };
        if (maxAgeMs) {
          drop(store.index('storedAt').openCursor(IDBKeyRange.upperBound(now - maxAgeMs)), Infinity, byCount);
        } else {
          byCount();
        }
      });
      await dropFromCache(doomed || []);
    },

    async putFailed_(err) {
      if (!options.purgeOnQuotaError || !(err instanceof DOMException && err.name === 'QuotaExceededError')) return;
      // Everything this cache holds is re-fetchable: give the space back so
      // that the precache and other caches keep working.
      await caches.delete(cacheName);
      await transact(cacheName, 'readwrite', (store) => {
        store.clear();
      });
    },
  };

  /**
   * Marks url as just used; creates its record for an entry stored before
   * expiration was configured (its age then comes from the Date header).
   *
   * @param {string} url
   * @param {Response} response
   */
  function touch(url, response) {
    return transact(cacheName, 'readwrite', (store) => {
      const get = store.get(url);
      get.onsuccess = () => {
        const entry = get.result || { url, storedAt: dateOf(response) ?? Date.now() };
        store.put({ ...entry, usedAt: stamp() });
      };
    });
  }

  /** @param {string} url */
  async function remove(url) {
    await dropFromCache([url]);
    await transact(cacheName, 'readwrite', (store) => {
      store.delete(url);
    });
  }
}

/**
 * The response's Date header in milliseconds, if it has a valid one.
 *
 * @param {Response} response
 * @returns {number | undefined}
 */
function dateOf(response) {
  const header = response.headers.get('date');
  const ms = header ? Date.parse(header) : NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

/** @param {string} url */
function withoutFragment(url) {
  const i = url.indexOf('#');
  return i < 0 ? url : url.slice(0, i);
}
