/**
 * @typedef {object} KillSwitchOptions
 * @property {string} [cacheId] The cacheId the site's workers used ('' for none).
 * @property {string[]} [cacheNames] The runtime caches the site's routes named
 *   (runtimeCaching[].options.cacheName), deleted too whatever their names.
 */

/**
 * IndexedDB databases swkit's worker creates (expiration records, those of
 * older versions, the background-sync queue): deleted even where
 * indexedDB.databases() is missing.
 */
const KNOWN_DATABASES = ['swkit-expiry', 'swkit-expiration', 'swkit-sync'];

/**
 * A self-destroying service worker, deployed in place of sw.js to switch the
 * offline layer off. It installs and activates at once (skipWaiting: there is
 * nothing left to keep consistent), deletes swkit's caches (and the runtime
 * caches the config named) and swkit's IndexedDB databases, unregisters, and
 * reloads the window clients it controls, which come back from the network,
 * uncontrolled. It has no fetch listener, so until then every request goes to
 * the network.
 *
 * @param {KillSwitchOptions} [options]
 */
export function killSwitch({ cacheId = '', cacheNames = [] } = {}) {
  self.addEventListener('install', () => {
    self.skipWaiting();
  });
  self.addEventListener('activate', (event) => {
    event.waitUntil(shutDown(cacheId, cacheNames));
  });
}

/**
 * @param {string} cacheId
 * @param {string[]} cacheNames
 */
async function shutDown(cacheId, cacheNames) {
  const scope = self.registration.scope;
  for (const name of await caches.keys()) {
    if (cacheNames.includes(name) || isSwkitCache(name, cacheId, scope)) await caches.delete(name);
  }
  await deleteDatabases();
  await self.registration.unregister();
  // Only clients this worker controls can be navigated; an unregistered
  // registration controls no new page, so they reload from the network.
  const windows = await self.clients.matchAll({ type: 'window' });
  await Promise.all(windows.map((client) => client.navigate(client.url).catch(() => null)));
}

/**
 * Whether a cache is swkit's to delete: a precache of this scope, or any
 * other cache named with swkit's prefix or the cacheId's. Caches the app made
 * itself, and other scopes' precaches, stay.
 *
 * @param {string} name
 * @param {string} cacheId
 * @param {string} scope
 */
export function isSwkitCache(name, cacheId, scope) {
  const prefix = cacheId ? `${cacheId}-` : '';
  if (name.startsWith('swkit-precache-') || (prefix !== '' && name.startsWith(`${prefix}swkit-precache-`))) {
    return name.endsWith(`-${scope}`);
  }
  return name.startsWith('swkit-') || (prefix !== '' && name.startsWith(prefix));
}

/**
 * Deletes swkit's IndexedDB databases: every database of the origin named
 * swkit-…, and the known ones by name. A delete that another connection
 * blocks (an open page) still happens once that connection closes; swkit's
 * own connections close on versionchange, so it is not awaited past
 * "blocked".
 */
async function deleteDatabases() {
  const names = new Set(KNOWN_DATABASES);
  if (typeof indexedDB.databases === 'function') {
    try {
      for (const { name } of await indexedDB.databases()) {
        if (name && name.startsWith('swkit-')) names.add(name);
      }
    } catch {
      // Listing failed: the known names are still deleted.
    }
  }
  await Promise.all([...names].map(deleteDatabase));
}

/** @param {string} name */
function deleteDatabase(name) {
  return new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = request.onerror = request.onblocked = () => resolve(undefined);
  });
}
