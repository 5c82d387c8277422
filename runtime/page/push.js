import { publicKey as fetchPublicKey, sendJSON } from '../sw/pushApi.js';

/**
 * @typedef {object} SubscribeOptions
 * @property {string} [publicKey] The server's VAPID public key (base64url). Default: GET <endpoint>public-key.
 * @property {string} [endpoint] URL of the push API (package pushapi), ending in "/". Default: "/swkit/push/".
 * @property {ServiceWorkerRegistration} [registration] Default: navigator.serviceWorker.ready.
 * @property {string[]} [tags] Labels the server keeps with the subscription, for campaigns that target them ("news", "lang:fr"). Default: leave the stored ones as they are.
 * @property {number} [timeout] Milliseconds for everything after the permission prompt (key, worker, push service, server). Default: 30000; Infinity waits forever.
 */

/**
 * @typedef {object} SubscribeResult
 * @property {NotificationPermission | 'unsupported'} permission "granted" when subscribed; "denied" or "default" (the user dismissed the prompt) when not; "unsupported" where the browser has no Push API.
 * @property {PushSubscription | null} subscription The subscription the server now holds, or null.
 */

const DEFAULT_ENDPOINT = '/swkit/push/';

// DEFAULT_TIMEOUT bounds subscribe() after the prompt: a push service that
// cannot be reached leaves pushManager.subscribe pending forever, and a page
// without a worker leaves navigator.serviceWorker.ready pending forever.
const DEFAULT_TIMEOUT = 30000;

/**
 * Subscribes this browser to push notifications and registers the
 * subscription with the server: asks for notification permission (call it
 * from a click, as browsers require), fetches the server's public key unless
 * given, subscribes (userVisibleOnly, as browsers require) and posts
 * PushSubscription.toJSON() to <endpoint>subscriptions. An existing
 * subscription made with the same key is reused; one made with another key
 * is replaced. Permission denied or dismissed is a result, not an error.
 * Network, server and push-service failures, and no answer within
 * options.timeout, reject with an Error whose message says which step failed
 * and why (the browser's or the server's own words); cause keeps the original.
 *
 * @param {SubscribeOptions} [options]
 * @returns {Promise<SubscribeResult>}
 */
export async function subscribe({ publicKey, endpoint = DEFAULT_ENDPOINT, registration, tags, timeout = DEFAULT_TIMEOUT } = {}) {
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) {
    return { permission: 'unsupported', subscription: null };
  }
  let permission;
  try {
    // Not timed: the user may take their time to answer the prompt.
    permission = await Notification.requestPermission();
  } catch (err) {
    throw failure('asking for notification permission', err);
  }
  if (permission !== 'granted') return { permission, subscription: null };

  const deadline = { at: Date.now() + timeout, timeout };
  const base = apiBase(endpoint);
  const key = decodeKey(publicKey || (await step('GET public-key', fetchPublicKey(base), deadline)));
  const reg = registration || (await step('serviceWorker.ready (call register() first)', navigator.serviceWorker.ready, deadline));
  let subscription = await step('getSubscription', reg.pushManager.getSubscription(), deadline);
  if (subscription && !sameKey(subscription.options.applicationServerKey, key)) {
    // RFC 8292 §4.2: a subscription is bound to the key it was made with;
    // messages signed with the new key would be refused.
    await step('unsubscribe', subscription.unsubscribe(), deadline);
    subscription = null;
  }
  if (!subscription) {
    subscription = await step('pushManager.subscribe', reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }), deadline);
  }
  await step('POST subscriptions', sendJSON(base + 'subscriptions', 'POST', withTags(subscription, tags)), deadline);
  return { permission, subscription };
}

/**
 * Waits for one step of subscribe() until the deadline, and turns its
 * failure into an error that names the step and says why.
 *
 * @template T
 * @param {string} what
 * @param {Promise<T>} promise
 * @param {{at: number, timeout: number}} deadline at: Date.now() milliseconds.
 * @returns {Promise<T>}
 */
async function step(what, promise, deadline) {
  let timer;
  const expired = new Promise((_, reject) => {
    const left = deadline.at - Date.now();
    // setTimeout fires at once for delays past 2^31-1 ms: wait forever instead.
    if (!(left <= 0x7fffffff)) return;
    timer = setTimeout(() => reject(new DOMException(`no answer in ${deadline.timeout} ms`, 'TimeoutError')), Math.max(0, left));
  });
  try {
    return await Promise.race([promise, expired]);
  } catch (err) {
    throw failure(what, err);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * An Error whose message carries the reason: consoles and error reporters
 * show the message, and many never show cause, where the browser says why
 * (NotAllowedError: permission denied, AbortError: push service error).
 *
 * @param {string} what
 * @param {unknown} err
 */
function failure(what, err) {
  if (err instanceof Error && err.message.startsWith('swkit: ')) {
    // Already one of ours (pushApi.js): add its cause's reason, if any.
    return err.cause === undefined ? err : new Error(`${err.message}: ${reason(err.cause)}`, { cause: err.cause });
  }
  return new Error(`swkit: ${what} failed: ${reason(err)}`, { cause: err });
}

/**
 * "Name: message" for errors and DOMExceptions, with their causes.
 *
 * @param {unknown} err
 * @returns {string}
 */
function reason(err) {
  if (!(err instanceof Error) && !(err instanceof DOMException)) return String(err);
  const own = err.name && err.name !== 'Error' ? `${err.name}: ${err.message}` : err.message;
  return err instanceof Error && err.cause !== undefined ? `${own}: ${reason(err.cause)}` : own;
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
    throw failure('PushSubscription.unsubscribe', serverError || err);
  }
  if (serverError) {
    throw new Error(`swkit: unsubscribed in the browser, but telling the server failed: ${reason(serverError)}`, { cause: serverError });
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
