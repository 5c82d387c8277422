/**
 * @typedef {object} KillSwitchOptions
 * @property {string} [cacheId] The cacheId the site's workers used ('' for none).
 */

/**
 * A self-destroying service worker, deployed in place of sw.js to switch the
 * offline layer off. It installs and activates at once (skipWaiting: there is
 * nothing left to keep consistent), deletes swkit's caches, unregisters, and
 * reloads the window clients it controls, which come back from the network,
 * uncontrolled. It has no fetch listener, so until then every request goes to
 * the network.
 *
 * @param {KillSwitchOptions} [options]
 */
export function killSwitch({ cacheId = '' } = {}) {
  self.addEventListener('install', () => {
    self.skipWaiting();
  });
  self.addEventListener('activate', (event) => {
    event.waitUntil(shutDown(cacheId));
  });
}

/** @param {string} cacheId */
async function shutDown(cacheId) {
  const scope = self.registration.scope;
  for (const name of await caches.keys()) {
    if (isSwkitCache(name, cacheId, scope)) await caches.delete(name);
  }
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
