import { precache } from '../precache.js';
import { setPrecache } from './fetchRouter.js';

/**
 * @typedef {object} PrecacheAndRouteOptions
 * @property {string} [cacheId] Prefix of the cache name, to keep two apps on one origin apart.
 * @property {string} [directoryIndex] Answered for URLs ending in "/" (default 'index.html'; '' for none).
 * @property {RegExp[]} [ignoreURLParametersMatching] Query parameters dropped before a lookup
 *   (default: utm_* and fbclid).
 * @property {boolean} [cleanURLs] Look up "/about" as "/about.html" too (default true).
 * @property {boolean} [cleanupOutdatedCaches] Remove older swkit precaches of this scope on activate (default true).
 */

/**
 * Precaches the manifest on install (every file, past the HTTP cache; any
 * failure fails the install, so the old worker keeps control), removes what
 * it no longer lists on activate, and answers GET requests for its files
 * before any route.
 *
 * @param {import('../precache.js').ManifestEntry[]} manifest Pass self.__SWKIT_MANIFEST.
 * @param {PrecacheAndRouteOptions} [options]
 */
export function precacheAndRoute(manifest, options = {}) {
  if (!Array.isArray(manifest)) {
    throw new TypeError('swkit: precacheAndRoute wants the manifest array: pass it self.__SWKIT_MANIFEST');
  }
  const pre = precache(manifest, {
    cacheId_: options.cacheId,
    directoryIndex_: options.directoryIndex,
    ignore_: options.ignoreURLParametersMatching ?? [/^utm_/, /^fbclid$/],
    cleanURLs_: options.cleanURLs,
  });
  addEventListener('install', (event) => event.waitUntil(pre.install_()));
  addEventListener('activate', (event) => event.waitUntil(pre.activate_(options.cleanupOutdatedCaches ?? true)));
  setPrecache(({ request }) => {
    if (request.method !== 'GET') return undefined;
    const key = pre.keyFor_(request.url);
    // The network when the cache lost the entry (storage cleared under a
    // running worker).
    return key ? pre.matchKey_(key).then((cached) => cached || fetch(request)) : undefined;
  });
}
