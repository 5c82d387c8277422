/**
 * The network's answer to the context's request: the navigation preload
 * response when there is one (the browser already sent that request, with
 * `Service-Worker-Navigation-Preload: true`), else a fetch.
 *
 * @param {import('./fetchAndCache.js').Context} context
 * @returns {Promise<Response>} Rejects when the network fails.
 */
export async function network({ request, preload }) {
  const preloaded = preload && (await preload);
  return preloaded || fetch(request);
}
