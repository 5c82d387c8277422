/**
 * The expiration metadata: one IndexedDB database, with one object store per
 * runtime cache name, holding a record per cached URL.
 *
 * @typedef {object} Entry
 * @property {string} url Absolute URL without fragment (the key).
 * @property {number} storedAt Date.now() when the response was stored.
 * @property {number} usedAt Recency stamp: larger is more recent.
 */

import { openDB, transact as transactIn } from '../idb.js';

const NAME = 'swkit-expiration';

/**
 * The stores this worker needs: the cache names of its expiration policies,
 * all known when the script first runs (they come from the config, which
 * changes between deployments).
 *
 * @type {Set<string>}
 */
export const storeNames = new Set();

/** @type {Promise<IDBDatabase> | undefined} */
let connection;

/**
 * The database, with a store for every name in storeNames: the ones missing
 * are created together by one version upgrade on first use. Another worker
 * (an old and a new version run side by side) may take that version number
 * first: then it reopens and looks again.
 *
 * @returns {Promise<IDBDatabase>}
 */
function database() {
  return (connection ||= (async () => {
    for (let attempt = 0; ; attempt++) {
      const db = await open();
      if ([...storeNames].every((name) => db.objectStoreNames.contains(name))) return db;
      db.close();
      try {
        return await open(db.version + 1);
      } catch (err) {
        if (/** @type {any} */ (err).cause?.name !== 'VersionError' || attempt > 1) throw err;
      }
    }
  })().catch((err) => {
    connection = undefined;
    throw err;
  }));
}

/**
 * @param {number} [version]
 * @returns {Promise<IDBDatabase>}
 */
function open(version) {
  return openDB(
    NAME,
    version,
    (db) => {
      for (const name of storeNames) {
        if (!db.objectStoreNames.contains(name)) {
          const store = db.createObjectStore(name, { keyPath: 'url' });
          store.createIndex('usedAt', 'usedAt');
          store.createIndex('storedAt', 'storedAt');
        }
      }
    },
    // Let another worker version add its stores: open again on the next use.
    () => {
      connection = undefined;
    },
  );
}

/**
 * Runs body in one transaction on storeName (see idb.js's transact).
 *
 * @template T
 * @param {string} storeName
 * @param {IDBTransactionMode} mode
 * @param {(store: IDBObjectStore, done: (value: T) => void) => void} body
 * @returns {Promise<T | undefined>}
 */
export async function transact(storeName, mode, body) {
  return transactIn(await database(), storeName, mode, body);
}
