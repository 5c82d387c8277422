import { network } from './network.js';

/**
 * Network only: the route exists to keep the request away from later routes
 * and from the precache's fallbacks.
 *
 * @param {{fetchOptions_?: RequestInit}} [options]
 * @returns {(context: import('./fetchAndCache.js').Context) => Promise<Response>}
 */
export function networkOnly(options) {
  return options ? (context) => network(context, options.fetchOptions_) : network;
}
