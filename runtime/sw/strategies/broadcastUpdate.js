/**
 * Tells every window of this origin, controlled or not, that cacheName now
 * holds a newer response for url.
 *
 * @param {string} cacheName
 * @param {string} url Absolute URL.
 * @returns {Promise<void>}
 */
export async function broadcastUpdate(cacheName, url) {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  for (const client of windows) client.postMessage({ type: 'swkit:cache-updated', cacheName, url });
}
