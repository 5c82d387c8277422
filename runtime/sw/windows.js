/**
 * Every window of this origin, controlled by this worker or not.
 *
 * @returns {Promise<readonly WindowClient[]>}
 */
export function windows() {
  return /** @type {Promise<readonly WindowClient[]>} */ (clients.matchAll({ type: 'window', includeUncontrolled: true }));
}

/**
 * Posts message to every window of this origin (see windows).
 *
 * @param {object} message
 * @returns {Promise<void>}
 */
export async function postToWindows(message) {
  for (const client of await windows()) client.postMessage(message);
}
