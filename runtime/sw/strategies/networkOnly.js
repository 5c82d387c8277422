import { network } from './network.js';

/**
 * Network only: the route exists to keep the request away from later routes
 * and from the precache's fallbacks.
 *
 * @returns {(context: import('./fetchAndCache.js').Context) => Promise<Response>}
 */
export function networkOnly() {
  return network;
}
