/**
 * @typedef {object} NotificationDefaults
 * @property {string} title Title of messages that carry none (plain text, empty).
 * @property {string} [icon]
 * @property {string} [badge]
 * @property {string} scope Base for relative URLs, and the URL a click opens when the message names none.
 */

/**
 * @typedef {object} NotificationData What the worker stores as notification.data.
 * @property {string} url Absolute http(s) URL a click opens or focuses.
 * @property {unknown} [data] The message's own data, as sent.
 */

/**
 * @typedef {object} ShownNotification
 * @property {string} title
 * @property {NotificationOptions & {data: NotificationData}} options
 */

// The keys of a JSON message copied as they are, when of the right type.
const strings = ['body', 'tag', 'lang', 'dir'];
const booleans = ['renotify', 'requireInteraction', 'silent'];
const images = ['icon', 'badge', 'image'];

/**
 * Turns a push message into the title and options of the notification to
 * show. A JSON object is read as {title, body, icon, badge, image, tag, url,
 * actions, data, renotify, requireInteraction, silent} (package pushapi
 * writes this shape); any other text becomes the body; an empty message
 * shows the default title alone, since a push must always show something
 * (userVisibleOnly). Unknown keys and values of the wrong type are dropped,
 * and only http(s) and data: image URLs and http(s) click URLs are kept.
 *
 * @param {string} text The message's plaintext ("" when it had none).
 * @param {NotificationDefaults} defaults
 * @returns {ShownNotification}
 */
export function notificationFromPush(text, defaults) {
  /** @type {Record<string, unknown>} */
  let msg = {};
  if (text.trim() !== '') {
    msg = { body: text };
    try {
      const parsed = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) msg = parsed;
      else if (typeof parsed === 'string') msg = { body: parsed };
    } catch {
      // Not JSON: the whole text is the body.
    }
  }

  /** @type {Record<string, unknown>} */
  const options = {};
  for (const key of strings) if (typeof msg[key] === 'string') options[key] = msg[key];
  for (const key of booleans) if (typeof msg[key] === 'boolean') options[key] = msg[key];
  for (const key of images) {
    const url = safeURL(msg[key], defaults.scope, true) || safeURL(defaults[key], defaults.scope, true);
    if (url) options[key] = url;
  }
  // Browsers refuse renotify without a tag (Notifications API, "create a
  // notification", step 8): drop it rather than show nothing.
  if (options.renotify && !options.tag) delete options.renotify;
  if (Array.isArray(msg.actions)) {
    options.actions = msg.actions
      .filter((a) => a && typeof a.action === 'string' && typeof a.title === 'string')
      .map((a) => {
        const icon = safeURL(a.icon, defaults.scope, true);
        return icon ? { action: a.action, title: a.title, icon } : { action: a.action, title: a.title };
      });
  }
  /** @type {NotificationData} */
  const data = { url: safeURL(msg.url, defaults.scope, false) || defaults.scope };
  if (msg.data !== undefined) data.data = msg.data;
  options.data = data;

  const title = typeof msg.title === 'string' && msg.title.trim() !== '' ? msg.title : defaults.title;
  return { title, options: /** @type {ShownNotification['options']} */ (options) };
}

/**
 * value resolved against base when it is a string naming an http(s) URL (or a
 * data: URL, for images), else "". A javascript: URL from a message must
 * never reach clients.openWindow.
 *
 * @param {unknown} value
 * @param {string} base
 * @param {boolean} image
 */
function safeURL(value, base, image) {
  if (typeof value !== 'string' || value === '') return '';
  let url;
  try {
    url = new URL(value, base);
  } catch {
    return '';
  }
  const ok = url.protocol === 'https:' || url.protocol === 'http:' || (image && url.protocol === 'data:');
  return ok ? url.href : '';
}
