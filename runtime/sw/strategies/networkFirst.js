import { cacheMatch } from './cacheMatch.js';
import { fetchAndCache } from './fetchAndCache.js';

/**
 * Network first: the network's response (cached for later), or the cached
 * one when the network fails or, with networkTimeoutSeconds, is slower than
 * that. A late network response still goes into the cache. A slow network
 * with nothing cached is still awaited. An HTTP error status is an answer,
 * not a failure: it is returned (and, unless listed in cacheable, not cached).
 *
 * @param {import('./cachePut.js').Store & {networkTimeoutSeconds_?: number}} options
 * @returns {(context: import('./fetchAndCache.js').Context) => Promise<Response>}
 */
export function networkFirst(options) {
  return async (context) => {
    const { event, request } = context;
    const network = fetchAndCache(context, options);
    // Keep the worker alive for the network (and its cache put) even when the
    // cache answers first; this also marks a late rejection as handled.
    event.waitUntil(network.catch(() => {}));
    /** @type {Promise<Response | undefined>[]} */
    const racers = [network];
    let timer;
    if (options.networkTimeoutSeconds_) {
      racers.push(
        new Promise((resolve) => {
          timer = setTimeout(resolve, options.networkTimeoutSeconds_ * 1000);
        }).then(() => cacheMatch(options, request, event)),
      );
    }
    try {
      const first = await Promise.race(racers);
      if (first) return first;
      return await network;
    } catch (err) {
      const cached = await cacheMatch(options, request, event);
      if (cached) return cached;
      throw new Error(`swkit: ${request.url}: network failed, not cached`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  };
}
