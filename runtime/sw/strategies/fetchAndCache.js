import { cachePut } from './cachePut.js';
import { warnOnce } from './warnOnce.js';

/**
 * @typedef {object} Context
 * @property {FetchEvent} event
 * @property {Request} request
 */

/**
 * Fetches request and returns the response at once; a copy goes into the
 * store's cache in the background (kept alive by event.waitUntil).
 *
 * @param {Context} context
 * @param {import('./cachePut.js').Store} store
 * @returns {Promise<Response>} Rejects when the network fails.
 */
export async function fetchAndCache({ event, request }, store) {
  const response = await fetch(request);
  const copy = response.clone();
  event.waitUntil(
    cachePut(store, request, copy).catch((err) => warnOnce(`swkit: caching ${request.url} failed`, err)),
  );
  return response;
}
