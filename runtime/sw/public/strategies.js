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
 * The strategies' own options (their names end in "_") from the public ones.
 *
 * @param {StrategyOptions & {networkTimeoutSeconds?: number}} options
 */
const store = ({ cacheName = DEFAULT_CACHE, cacheable, networkTimeoutSeconds }) => ({
  cacheName_: cacheName,
  cacheable_: cacheable,
  networkTimeoutSeconds_: networkTimeoutSeconds,
});

/**
 * Cache first: the cached response if any, else the network (and cache it).
 *
 * @param {StrategyOptions} [options]
 * @returns {Handler}
 */
export const cacheFirst = (options = {}) => cacheFirstWith(store(options));

/**
 * Network first: the network's answer (cached for later), or the cached one
 * when the network fails or is slower than networkTimeoutSeconds.
 *
 * @param {StrategyOptions & {networkTimeoutSeconds?: number}} [options]
 * @returns {Handler}
 */
export const networkFirst = (options = {}) => networkFirstWith(store(options));

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
    ...store(options),
    broadcastUpdate_: options.broadcastUpdate && broadcastUpdate(options.broadcastUpdate),
  });

/**
 * Network only: never cached.
 *
 * @returns {Handler}
 */
export const networkOnly = () => networkOnlyWith();

/**
 * Cache only: answers from the cache and fails on a miss.
 *
 * @param {StrategyOptions} [options]
 * @returns {Handler}
 */
export const cacheOnly = (options = {}) => cacheOnlyWith(store(options));
