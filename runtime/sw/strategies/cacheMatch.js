/**
 * The response cached for request in the store's cache, if any.
 *
 * @param {import('./cachePut.js').Store} store
 * @param {Request} request
 * @returns {Promise<Response | undefined>}
 */
export async function cacheMatch(store, request) {
  const cache = await caches.open(store.cacheName);
  return cache.match(request);
}
