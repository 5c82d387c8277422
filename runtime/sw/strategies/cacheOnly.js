import { cacheMatch } from './cacheMatch.js';

/**
 * Cache only: the cached response, or a rejection the browser shows as a
 * network error. The network is never asked.
 *
 * @param {import('./cachePut.js').Store} options
 * @returns {(context: import('./fetchAndCache.js').Context) => Promise<Response>}
 */
export function cacheOnly(options) {
  return async ({ event, request }) => {
    const cached = await cacheMatch(options, request, event);
    if (!cached) throw new Error(`swkit: ${request.url}: not in cache ${options.cacheName_}`);
    return cached;
  };
}
