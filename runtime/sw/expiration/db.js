/**
 * The expiration metadata: one IndexedDB database, with one object store per
 * runtime cache name, holding a record per cached URL.
 *
 * @typedef {object} Entry
 * @property {string} url Absolute URL without fragment (the key).
 * @property {number} storedAt Date.now() when the response was stored.
 * @property {number} usedAt Recency stamp: larger is more recent.
 */

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
        if (!(err instanceof DOMException && err.name === 'VersionError') || attempt >= 2) {
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
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(NAME, version);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (storeName && !db.objectStoreNames.contains(storeName)) {
        const store = db.createObjectStore(storeName, { keyPath: 'url' });
        store.createIndex('usedAt', 'usedAt');
        store.createIndex('storedAt', 'storedAt');
      }
    };
    request.onsuccess = () => {
      const db = request.result;
      // Let another worker version add its stores: close, and open again
      // on the next use.
      db.onversionchange = () => {
        db.close();
        chain = chain.then((current) => (current === db ? undefined : current));
      };
      resolve(db);
    };
    request.onerror = () => reject(request.error);
    // Blocked: another connection has not closed yet; onsuccess follows
    // once it has (ours close on versionchange).
  });
}

/**
 * Runs body in one transaction on storeName and resolves with its result once
 * the transaction has committed.
 *
 * @template T
 * @param {string} storeName
 * @param {IDBTransactionMode} mode
 * @param {(store: IDBObjectStore, result: {value?: T}) => void} body Issues requests; sets result.value from their callbacks.
 * @returns {Promise<T | undefined>}
 */
export async function transact(storeName, mode, body) {
  const db = await database(storeName);
  return new Promise((resolve, reject) => {
    const tx = db.transaction(storeName, mode);
    /** @type {{value?: T}} */
    const result = {};
    tx.oncomplete = () => resolve(result.value);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error('swkit: expiration transaction aborted'));
    body(tx.objectStore(storeName), result);
  });
}
