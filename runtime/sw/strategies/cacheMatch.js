/**
 * The response cached for request in the store's cache, if any and, when the
 * store has an expiration policy, not expired (the policy records the use,
 * kept alive by event.waitUntil).
 *
 * @param {import('./cachePut.js').Store} store
 * @param {Request} request
 * @param {ExtendableEvent} event
 * @returns {Promise<Response | undefined>}
 */
export async function cacheMatch(store, request, event) {
  const cache = await caches.open(store.cacheName_);
  const cached = await cache.match(request, store.matchOptions_);
  return cached && store.expiration_ ? store.expiration_.read_(request.url, cached, event) : cached;
}
