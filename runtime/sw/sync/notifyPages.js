/**
 * @typedef {object} SyncDetail
 * @property {number | undefined} id The queued request's id.
 * @property {string} queue
 * @property {string} url
 * @property {number} [status] HTTP status of the replay (0: network error, or none yet).
 * @property {'refused' | 'expired'} [reason] Why a request failed (was dropped).
 */

/**
 * Tells every window of this origin, controlled or not, what became of a
 * queued request: a swkit:sync message that the page helper re-emits as a
 * `queued`, `sent` or `failed` event.
 *
 * @param {'queued' | 'sent' | 'failed'} event
 * @param {SyncDetail} detail
 * @returns {Promise<void>}
 */
export async function notifyPages(event, detail) {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  for (const client of windows) client.postMessage({ type: 'swkit:sync', event, ...detail });
}
