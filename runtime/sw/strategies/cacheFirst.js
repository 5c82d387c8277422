import { cacheMatch } from './cacheMatch.js';
import { fetchAndCache } from './fetchAndCache.js';

/**
 * Cache first: the cached response if any, else the network (and cache it).
 *
 * @param {import('./cachePut.js').Store} options
 * @returns {(context: import('./fetchAndCache.js').Context) => Promise<Response>}
 */
export function cacheFirst(options) {
  return async (context) =>
    (await cacheMatch(options, context.request, context.event)) || fetchAndCache(context, options);
}
