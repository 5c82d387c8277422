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
 * subscription to the server and deletes the old endpoint there.
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
      fresh = await self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
    } catch (err) {
      throw new Error('swkit: subscribing again after pushsubscriptionchange failed', { cause: err });
    }
  }
  await send(endpoint + 'subscriptions', 'POST', fresh.toJSON());
  if (old && old.endpoint && old.endpoint !== fresh.endpoint) {
    await send(endpoint + 'subscriptions', 'DELETE', { endpoint: old.endpoint });
  }
  return fresh;
}

/**
 * The server's VAPID public key (base64url), from GET <endpoint>public-key.
 *
 * @param {string} endpoint
 * @returns {Promise<string>}
 */
export async function publicKey(endpoint) {
  const url = endpoint + 'public-key';
  let body;
  try {
    const response = await fetch(url, { credentials: 'same-origin', cache: 'no-store' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    body = await response.json();
  } catch (err) {
    throw new Error(`swkit: GET ${url} failed`, { cause: err });
  }
  if (!body || typeof body.publicKey !== 'string' || body.publicKey === '') {
    throw new Error(`swkit: GET ${url} gave no publicKey`);
  }
  return body.publicKey;
}

/**
 * Sends a JSON body to the push API; rejects unless it answers 2xx.
 *
 * @param {string} url
 * @param {string} method
 * @param {unknown} body
 */
async function send(url, method, body) {
  let response;
  try {
    response = await fetch(url, {
      method,
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch (err) {
    throw new Error(`swkit: ${method} ${url} failed`, { cause: err });
  }
  if (!response.ok) throw new Error(`swkit: ${method} ${url}: HTTP ${response.status}`);
}
