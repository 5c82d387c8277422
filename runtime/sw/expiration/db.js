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

/** @type {Promise<IDBDatabase | undefined>} */
let chain = Promise.resolve(undefined);

/**
 * The database, with a store for storeName. A store is created by a version
 * upgrade when first needed (caches are named by the config, which changes
 * between deployments); the calls are chained so that one worker never races
 * itself through two upgrades.
 *
 * @param {string} storeName
 * @returns {Promise<IDBDatabase>}
 */
export function database(storeName) {
  const next = chain.then(async (db) => {
    for (let attempt = 0; ; attempt++) {
      if (!db) db = await open();
      if (db.objectStoreNames.contains(storeName)) return db;
      const version = db.version + 1;
      db.close();
      db = undefined;
      try {
        return await open(version, storeName);
      } catch (err) {
        // Another worker (an old and a new version run side by side) took
        // this version number first: reopen and look again.
        if (err.cause?.name !== 'VersionError' || attempt >= 2) {
          throw new Error(`swkit: opening ${NAME} for ${storeName} failed`, { cause: err });
        }
      }
    }
  });
  chain = next.catch(() => undefined);
  return next;
}

/**
 * @param {number} [version]
 * @param {string} [storeName] Created in the upgrade.
 * @returns {Promise<IDBDatabase>}
 */
function open(version, storeName) {
  return openDB(
    NAME,
    version,
    (db) => {
      if (storeName && !db.objectStoreNames.contains(storeName)) {
        const store = db.createObjectStore(storeName, { keyPath: 'url' });
        store.createIndex('usedAt', 'usedAt');
        store.createIndex('storedAt', 'storedAt');
      }
    },
    // Let another worker version add its stores: open again on the next use.
    (db) => {
      chain = chain.then((current) => (current === db ? undefined : current));
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
  return transactIn(await database(storeName), storeName, mode, body);
}
