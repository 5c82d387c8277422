import { cachePut } from './cachePut.js';
import { network } from './network.js';
import { warnOnce } from './warnOnce.js';

/**
 * @typedef {object} Context
 * @property {FetchEvent} event
 * @property {Request} request
 * @property {Promise<Response | undefined>} [preload] The navigation preload response, when enabled.
 */

/**
 * Fetches request and returns the response at once; a copy goes into the
 * store's cache in the background (kept alive by event.waitUntil).
 *
 * @param {Context} context
 * @param {import('./cachePut.js').Store} store
 * @returns {Promise<Response>} Rejects when the network fails.
 */
export async function fetchAndCache(context, store) {
  const { event, request } = context;
  const response = await network(context, store.fetchOptions_);
  const copy = response.clone();
  event.waitUntil(
    cachePut(store, request, copy).catch((err) => warnOnce(request.url, store.cacheName_, err)),
  );
  return response;
}
