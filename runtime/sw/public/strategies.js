import { cacheFirst as cacheFirstWith } from '../strategies/cacheFirst.js';
import { cacheOnly as cacheOnlyWith } from '../strategies/cacheOnly.js';
import { networkFirst as networkFirstWith } from '../strategies/networkFirst.js';
import { networkOnly as networkOnlyWith } from '../strategies/networkOnly.js';
import { broadcastUpdate } from '../strategies/broadcastUpdate.js';
import { staleWhileRevalidate as staleWhileRevalidateWith } from '../strategies/staleWhileRevalidate.js';

/** The cache a strategy uses when its options name none. */
const DEFAULT_CACHE = 'swkit-runtime';

/**
 * @typedef {object} StrategyOptions
 * @property {string} [cacheName] Default 'swkit-runtime'.
 * @property {{statuses?: number[], headers?: Record<string, string>}} [cacheable]
 *   Which responses may be stored (default: status 200).
 */

/** @typedef {(context: {event: FetchEvent, request: Request, url: URL}) => Promise<Response>} Handler */

/**
 * Cache first: the cached response if any, else the network (and cache it).
 *
 * @param {StrategyOptions} [options]
 * @returns {Handler}
 */
export const cacheFirst = (options = {}) => cacheFirstWith({ cacheName: DEFAULT_CACHE, ...options });

/**
 * Network first: the network's answer (cached for later), or the cached one
 * when the network fails or is slower than networkTimeoutSeconds.
 *
 * @param {StrategyOptions & {networkTimeoutSeconds?: number}} [options]
 * @returns {Handler}
 */
export const networkFirst = (options = {}) => networkFirstWith({ cacheName: DEFAULT_CACHE, ...options });

/**
 * Stale-while-revalidate: the cached response at once, refreshed from the
 * network in the background; with broadcastUpdate, pages hear (as the page
 * helper's cache-updated event) when the refreshed response differs.
 *
 * @param {StrategyOptions & {broadcastUpdate?: {headersToCheck?: string[]}}} [options]
 * @returns {Handler}
 */
export const staleWhileRevalidate = (options = {}) =>
  staleWhileRevalidateWith({
    cacheName: DEFAULT_CACHE,
    ...options,
    broadcastUpdate: options.broadcastUpdate && broadcastUpdate(options.broadcastUpdate),
  });

/**
 * Network only: never cached.
 *
 * @returns {Handler}
 */
export const networkOnly = () => networkOnlyWith({ cacheName: DEFAULT_CACHE });

/**
 * Cache only: answers from the cache and fails on a miss.
 *
 * @param {StrategyOptions} [options]
 * @returns {Handler}
 */
export const cacheOnly = (options = {}) => cacheOnlyWith({ cacheName: DEFAULT_CACHE, ...options });
