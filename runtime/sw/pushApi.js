/**
 * Calls to the push API (package pushapi), shared by the worker (on
 * pushsubscriptionchange) and the page helper (subscribe, unsubscribe).
 */

/**
 * The server's VAPID public key (base64url), from GET <base>public-key.
 *
 * @param {string} base Absolute URL of the push API, ending in "/".
 * @returns {Promise<string>}
 */
export async function publicKey(base) {
  const url = base + 'public-key';
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
 * Sends a JSON body to the push API; rejects unless it answers 2xx, with the
 * API's own error text when it gave one.
 *
 * @param {string} url
 * @param {string} method
 * @param {unknown} body
 */
export async function sendJSON(url, method, body) {
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
  if (!response.ok) {
    let detail = '';
    try {
      const b = await response.json();
      if (b && typeof b.error === 'string') detail = ': ' + b.error;
    } catch {
      // Not the API's JSON error body.
    }
    throw new Error(`swkit: ${method} ${url}: HTTP ${response.status}${detail}`);
  }
}
