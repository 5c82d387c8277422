import { cacheMatch } from './cacheMatch.js';
import { cachePut } from './cachePut.js';
import { fetchAndCache } from './fetchAndCache.js';
import { network } from './network.js';
import { warnOnce } from './warnOnce.js';

/**
 * @typedef {import('./cachePut.js').Store & {
 *   broadcastUpdate_?: ReturnType<typeof import('./broadcastUpdate.js').broadcastUpdate>,
 * }} SWROptions
 */

/**
 * Stale-while-revalidate (the seed's "cache and update"): answer from the
 * cache at once and refresh the cache from the network in the background;
 * on a miss, answer from the network. With broadcastUpdate (a notifier from
 * broadcastUpdate.js, passed in so that workers without it do not bundle it),
 * pages hear about a refreshed response that differs from the one they were
 * given.
 *
 * @param {SWROptions} options
 * @returns {(context: import('./fetchAndCache.js').Context) => Promise<Response>}
 */
export function staleWhileRevalidate(options) {
  return async (context) => {
    const { event, request } = context;
    const cached = await cacheMatch(options, request, event);
    if (!cached) return fetchAndCache(context, options);

    // Clone now: the page consumes the cached body.
    const notify = options.broadcastUpdate_;
    const before = notify && cached.clone();
    const revalidate = async () => {
      const response = await network(context, options.fetchOptions_);
      const after = notify && response.clone();
      if ((await cachePut(options, request, response)) && notify) {
        await notify(before, after, options.cacheName_, request.url);
      }
    };
    event.waitUntil(revalidate().catch((err) => warnOnce(request.url, options.cacheName_, err)));
    return cached;
  };
}
