/**
 * The network's answer to the context's request: the navigation preload
 * response when there is one (the browser already sent that request, with
 * `Service-Worker-Navigation-Preload: true`), else a fetch.
 *
 * init, the route's fetchOptions, is not given for a navigation: a
 * navigation request cannot be copied with other options (its mode would
 * become same-origin).
 *
 * @param {import('./fetchAndCache.js').Context} context
 * @param {RequestInit} [init]
 * @returns {Promise<Response>} Rejects when the network fails.
 */
export async function network({ request, preload }, init) {
  const preloaded = preload && (await preload);
  return preloaded || (init && request.mode !== 'navigate' ? fetch(request, init) : fetch(request));
}
