import { publicKey, sendJSON } from './pushApi.js';

/**
 * @typedef {object} ChangedSubscription What a pushsubscriptionchange event carries.
 * @property {PushSubscription | null} [oldSubscription]
 * @property {PushSubscription | null} [newSubscription]
 */

/**
 * Handles pushsubscriptionchange (Push API, section 11.3): the push service
 * replaced or dropped the subscription. Subscribes again with the same
 * application server key when the browser has not done it already (the old
 * subscription's key, else the server's GET public-key), posts the new
 * subscription to the server, naming the one it replaces so that its tags
 * carry over, and deletes the old endpoint there.
 *
 * @param {ChangedSubscription} change
 * @param {string} endpoint Absolute URL of the push API, ending in "/".
 * @returns {Promise<PushSubscription>}
 */
export async function resubscribe(change, endpoint) {
  const old = change.oldSubscription || null;
  let fresh = change.newSubscription || null;
  if (!fresh) {
    const key = (old && old.options && old.options.applicationServerKey) || (await publicKey(endpoint));
    try {
      fresh = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
    } catch (err) {
      throw new Error('swkit: subscribing again after pushsubscriptionchange failed', { cause: err });
    }
  }
  const replaced = old && old.endpoint && old.endpoint !== fresh.endpoint;
  // "replaces" lets the server carry the old subscription's tags over.
  const body = replaced ? { ...fresh.toJSON(), replaces: old.endpoint } : fresh.toJSON();
  await sendJSON(endpoint + 'subscriptions', 'POST', body);
  if (replaced) {
    await sendJSON(endpoint + 'subscriptions', 'DELETE', { endpoint: old.endpoint });
  }
  return fresh;
}
