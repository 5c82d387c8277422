import { postToWindows } from '../windows.js';

/** Caches warned about, once each per worker. */
const warned = new Set();

/**
 * Tells the developer, once per cache, that a caching route got a response
 * marked Cache-Control: no-store, which it never stores: the route then
 * cannot answer that URL offline, which is rarely what its author wanted
 * (an API handler that sends no-store behind networkFirst). A console
 * warning, and a swkit:no-store message that the page helper turns into a
 * no-store event.
 *
 * @param {string} cacheName
 * @param {string} url
 */
export async function warnNoStore(cacheName, url) {
  if (warned.has(cacheName)) return;
  warned.add(cacheName);
  console.warn(`swkit: ${url} came with Cache-Control: no-store, so the route's cache ${cacheName} does not keep it ` +
    'and it will not work offline; send no-cache instead if a copy may be kept');
  await postToWindows({ type: 'swkit:no-store', cacheName, url });
}
