import { isCacheable } from './isCacheable.js';

/**
 * @typedef {object} Store
 * @property {string} cacheName
 * @property {import('./isCacheable.js').Cacheable} [cacheable]
 */

/**
 * Stores response under request when it may be cached: the one place where a
 * runtime strategy writes to a cache. Only GET requests are stored (Cache
 * Storage cannot key other methods, and their answers are not reusable).
 *
 * @param {Store} store
 * @param {Request} request
 * @param {Response} response Consumed when stored.
 * @returns {Promise<boolean>} Whether it was stored.
 */
export async function cachePut(store, request, response) {
  if (request.method !== 'GET' || !isCacheable(response, store.cacheable)) return false;
  const cache = await caches.open(store.cacheName);
  await cache.put(request, response);
  return true;
}
