/**
 * The IndexedDB helpers that background sync (sync/queueDB.js) and
 * expiration (expiration/db.js) share.
 */

/**
 * Opens database name at version (undefined: its current one), upgrade
 * creating what a new version needs. The connection closes itself when
 * another context needs a version change (so that a schema upgrade, or
 * another worker version adding its stores, is never blocked), then calls
 * closed with it. Rejects with an Error whose cause is IndexedDB's.
 *
 * @param {string} name
 * @param {number | undefined} version
 * @param {(db: IDBDatabase) => void} upgrade
 * @param {(db: IDBDatabase) => void} [closed]
 * @returns {Promise<IDBDatabase>}
 */
export function openDB(name, version, upgrade, closed) {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name, version);
    req.onupgradeneeded = () => upgrade(req.result);
    req.onsuccess = () => {
      const db = req.result;
      db.onversionchange = () => {
        db.close();
        closed?.(db);
      };
      resolve(db);
    };
    req.onerror = () => reject(new Error(`swkit: IndexedDB ${name} failed`, { cause: req.error }));
    // Blocked: another connection has not closed yet; onsuccess follows
    // once it has (ours close on versionchange).
  });
}

/**
 * Runs body in one transaction on storeName and resolves with the value body
 * passed to done once the transaction has committed (so that a caller never
 * reports a write the database may still lose).
 *
 * @template T
 * @param {IDBDatabase} db
 * @param {string} storeName
 * @param {IDBTransactionMode} mode
 * @param {(store: IDBObjectStore, done: (value: T) => void) => void} body
 *   Issues requests; calls done with the result from their callbacks.
 * @returns {Promise<T | undefined>}
 */
export function transact(db, storeName, mode, body) {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(storeName, mode);
    /** @type {T | undefined} */
    let result;
    tx.oncomplete = () => resolve(result);
    tx.onabort = tx.onerror = () => reject(new Error(`swkit: IndexedDB ${db.name} failed`, { cause: tx.error }));
    body(tx.objectStore(storeName), (value) => {
      result = value;
    });
  });
}
