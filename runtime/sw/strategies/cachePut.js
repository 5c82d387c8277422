import { withoutRedirect } from '../withoutRedirect.js';
import { isCacheable, noStore } from './isCacheable.js';
import { warnNoStore } from './warnNoStore.js';

/**
 * @typedef {object} Store
 * @property {string} cacheName_
 * @property {import('./isCacheable.js').Cacheable} [cacheable_]
 * @property {import('../expiration/expiration.js').Policy} [expiration_] Only in workers whose config asks for it.
 * @property {CacheQueryOptions} [matchOptions_] How the cache is searched (ignoreSearch, ignoreVary).
 * @property {RequestInit} [fetchOptions_] Given to fetch() for the network request.
 */

/**
 * Stores response under request when it may be cached: the one place where a
 * runtime strategy writes to a cache. Only GET requests are stored (Cache
 * Storage cannot key other methods, and their answers are not reusable).
 * The stored copy loses its redirected flag, so that it can later answer a
 * navigation (see withoutRedirect).
 *
 * @param {Store} store
 * @param {Request} request
 * @param {Response} response Consumed when stored.
 * @returns {Promise<boolean>} Whether it was stored.
 */
export async function cachePut(store, request, response) {
  if (request.method !== 'GET') return false;
  if (!isCacheable(response, store.cacheable_)) {
    if (noStore(response)) await warnNoStore(store.cacheName_, request.url);
    return false;
  }
  const cache = await caches.open(store.cacheName_);
  try {
    await cache.put(request, withoutRedirect(response));
  } catch (err) {
    await store.expiration_?.putFailed_(err);
    throw err;
  }
  await store.expiration_?.written_(request.url);
  return true;
}
