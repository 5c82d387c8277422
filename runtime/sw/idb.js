/**
 * The IndexedDB helper that background sync (sync/queueDB.js) and expiration
 * (expiration/expiration.js) share.
 */

/**
 * The open connections, by database name. A connection closes itself, and
 * leaves this map, when another context needs a version change or deletes
 * the database (the kill switch), so that it never blocks them, or when the
 * browser closes it (storage cleared): the next use opens it again.
 *
 * @type {Record<string, Promise<IDBDatabase> | undefined>}
 */
const open = {};

/**
 * Runs body in one transaction on storeName of database name (version 1,
 * which upgrade creates), and resolves with what body returned once the
 * transaction has committed (so that a caller never reports a write the
 * database may still lose): a request, or a value that the requests'
 * callbacks fill in. Rejects with an Error naming the database, whose cause
 * is IndexedDB's.
 *
 * @template T
 * @param {string} name
 * @param {string} storeName
 * @param {(db: IDBDatabase) => void} upgrade Creates the stores of a new database.
 * @param {IDBTransactionMode} mode
 * @param {(store: IDBObjectStore) => T} body Issues requests.
 * @returns {Promise<T>}
 */
export async function transact(name, storeName, upgrade, mode, body) {
  /** @param {DOMException | null} cause */
  const failed = (cause) => new Error(`swkit: IndexedDB ${name} failed`, { cause });
  const db = await (open[name] ||= new Promise((resolve, reject) => {
    const req = indexedDB.open(name, 1);
    req.onupgradeneeded = () => upgrade(req.result);
    req.onsuccess = () => {
      const db = req.result;
      db.onclose = db.onversionchange = () => {
        db.close();
        delete open[name];
      };
      resolve(db);
    };
    req.onerror = () => {
      delete open[name];
      reject(failed(req.error));
    };
    // Blocked: another connection has not closed yet; onsuccess follows
    // once it has (ours close on versionchange).
  }));
  return new Promise((resolve, reject) => {
    const tx = db.transaction(storeName, mode);
    const result = body(tx.objectStore(storeName));
    tx.oncomplete = () => resolve(result);
    tx.onabort = tx.onerror = () => reject(failed(tx.error));
  });
}
