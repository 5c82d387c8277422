import { publicKey as fetchPublicKey, sendJSON } from '../sw/pushApi.js';

/**
 * @typedef {object} SubscribeOptions
 * @property {string} [publicKey] The server's VAPID public key (base64url). Default: GET <endpoint>public-key.
 * @property {string} [endpoint] URL of the push API (package pushapi), ending in "/". Default: "/swkit/push/".
 * @property {ServiceWorkerRegistration} [registration] Default: navigator.serviceWorker.ready.
 * @property {string[]} [tags] Labels the server keeps with the subscription, for campaigns that target them ("news", "lang:fr"). Default: leave the stored ones as they are.
 */

/**
 * @typedef {object} SubscribeResult
 * @property {NotificationPermission | 'unsupported'} permission "granted" when subscribed; "denied" or "default" (the user dismissed the prompt) when not; "unsupported" where the browser has no Push API.
 * @property {PushSubscription | null} subscription The subscription the server now holds, or null.
 */

const DEFAULT_ENDPOINT = '/swkit/push/';

/**
 * Subscribes this browser to push notifications and registers the
 * subscription with the server: asks for notification permission (call it
 * from a click, as browsers require), fetches the server's public key unless
 * given, subscribes (userVisibleOnly, as browsers require) and posts
 * PushSubscription.toJSON() to <endpoint>subscriptions. An existing
 * subscription made with the same key is reused; one made with another key
 * is replaced. Permission denied or dismissed is a result, not an error;
 * network, server and push-service failures reject with the cause kept.
 *
 * @param {SubscribeOptions} [options]
 * @returns {Promise<SubscribeResult>}
 */
export async function subscribe({ publicKey, endpoint = DEFAULT_ENDPOINT, registration, tags } = {}) {
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) {
    return { permission: 'unsupported', subscription: null };
  }
  let permission;
  try {
    permission = await Notification.requestPermission();
  } catch (err) {
    throw new Error('swkit: asking for notification permission failed', { cause: err });
  }
  if (permission !== 'granted') return { permission, subscription: null };

  const base = apiBase(endpoint);
  const key = decodeKey(publicKey || (await fetchPublicKey(base)));
  const reg = registration || (await navigator.serviceWorker.ready);
  let subscription = await reg.pushManager.getSubscription();
  if (subscription && !sameKey(subscription.options.applicationServerKey, key)) {
    // RFC 8292 §4.2: a subscription is bound to the key it was made with;
    // messages signed with the new key would be refused.
    await subscription.unsubscribe();
    subscription = null;
  }
  if (!subscription) {
    try {
      subscription = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
    } catch (err) {
      throw new Error('swkit: pushManager.subscribe failed', { cause: err });
    }
  }
  await sendJSON(base + 'subscriptions', 'POST', withTags(subscription, tags));
  return { permission, subscription };
}

/**
 * Replaces the tags the server keeps with this browser's subscription
 * (an empty array clears them), by posting the subscription again.
 *
 * @param {string[]} tags
 * @param {{endpoint?: string, registration?: ServiceWorkerRegistration}} [options]
 * @returns {Promise<boolean>} false when this browser has no subscription.
 */
export async function setTags(tags, { endpoint = DEFAULT_ENDPOINT, registration } = {}) {
  if (!Array.isArray(tags)) throw new TypeError('swkit: setTags wants an array of strings');
  if (!('serviceWorker' in navigator)) return false;
  const reg = registration || (await navigator.serviceWorker.getRegistration());
  const subscription = reg && reg.pushManager && (await reg.pushManager.getSubscription());
  if (!subscription) return false;
  await sendJSON(apiBase(endpoint) + 'subscriptions', 'POST', withTags(subscription, tags));
  return true;
}

/**
 * The body of POST subscriptions: toJSON(), with tags when given.
 *
 * @param {PushSubscription} subscription
 * @param {string[] | undefined} tags
 */
function withTags(subscription, tags) {
  const body = subscription.toJSON();
  return tags === undefined ? body : { ...body, tags };
}

/**
 * Ends this browser's push subscription: tells the server (DELETE
 * <endpoint>subscriptions) and unsubscribes in the browser. The browser side
 * is unsubscribed even when the server cannot be reached (the promise then
 * rejects with the cause; the server drops the subscription at its next send,
 * when the push service answers 410).
 *
 * @param {{endpoint?: string, registration?: ServiceWorkerRegistration}} [options]
 * @returns {Promise<boolean>} false when there was no subscription.
 */
export async function unsubscribe({ endpoint = DEFAULT_ENDPOINT, registration } = {}) {
  if (!('serviceWorker' in navigator)) return false;
  const reg = registration || (await navigator.serviceWorker.getRegistration());
  const subscription = reg && reg.pushManager && (await reg.pushManager.getSubscription());
  if (!subscription) return false;
  let serverError;
  try {
    await sendJSON(apiBase(endpoint) + 'subscriptions', 'DELETE', { endpoint: subscription.endpoint });
  } catch (err) {
    serverError = err;
  }
  let done;
  try {
    done = await subscription.unsubscribe();
  } catch (err) {
    throw new Error('swkit: PushSubscription.unsubscribe failed', { cause: serverError || err });
  }
  if (serverError) {
    throw new Error('swkit: unsubscribed in the browser, but telling the server failed', { cause: serverError });
  }
  return done;
}

/** @param {string} endpoint */
function apiBase(endpoint) {
  const url = new URL(endpoint, location.href).href;
  return url.endsWith('/') ? url : url + '/';
}

/**
 * The bytes of a base64url key (an uncompressed P-256 point): every browser
 * takes a BufferSource, not all take the string.
 *
 * @param {string} text
 */
function decodeKey(text) {
  let binary;
  try {
    binary = atob(text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, ''));
  } catch (err) {
    throw new Error('swkit: the push public key is not base64url', { cause: err });
  }
  const key = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  if (key.length !== 65 || key[0] !== 4) throw new Error(`swkit: the push public key is not an uncompressed P-256 point (${key.length} bytes)`);
  return key;
}

/**
 * @param {ArrayBuffer | null} a
 * @param {Uint8Array} b
 */
function sameKey(a, b) {
  if (!a) return false;
  const x = new Uint8Array(a);
  return x.length === b.length && x.every((v, i) => v === b[i]);
}
