import { notificationFromPush } from './notification.js';
import { openOrFocus } from './openOrFocus.js';
import { resubscribe } from './resubscribe.js';
import { postToWindows } from './windows.js';

/**
 * @typedef {object} PushConfig
 * @property {string} endpoint URL of the push API (package pushapi), ending in "/"; relative to the worker's origin.
 * @property {string} [title] Title of messages that carry none. Default: the site's host name.
 * @property {string} [icon]
 * @property {string} [badge]
 */

/**
 * Wires the push listeners. Called once, at the top level of the generated
 * sw.js after sw(), only when the config turns push on.
 * - push: shows the message as a notification (see notificationFromPush).
 * - notificationclick: closes it; a click on an action button is posted to
 *   the windows of this origin as {type: 'swkit:notification-action',
 *   action, url, data} first; then the notification's URL is focused or
 *   opened.
 * - pushsubscriptionchange: subscribes again and tells the server.
 *
 * @param {PushConfig} config
 */
export function push(config) {
  const endpoint = new URL(config.endpoint, self.location.href).href;
  const scope = registration.scope;

  addEventListener('push', (event) => {
    const text = event.data ? event.data.text() : '';
    const defaults = {
      title: config.title || new URL(scope).hostname,
      icon: config.icon,
      badge: config.badge,
      scope,
    };
    const { title, options } = notificationFromPush(text, defaults);
    event.waitUntil(
      registration.showNotification(title, options).catch((err) => {
        // A bad image or an unsupported option must not leave the push
        // unshown (the browser would show its own generic notice): try the
        // plain text.
        console.warn('swkit: showing the notification failed; showing it without images and actions', err);
        return registration.showNotification(title, { body: options.body, tag: options.tag, data: options.data });
      }),
    );
  });

  addEventListener('notificationclick', (event) => {
    const { notification, action } = event;
    notification.close();
    /** @type {import('./notification.js').NotificationData} */
    const data = notification.data || { url: scope };
    const url = typeof data.url === 'string' ? data.url : scope;
    const done = (async () => {
      if (action) {
        await postToWindows({ type: 'swkit:notification-action', action, url, data: data.data });
      }
      await openOrFocus(url);
    })();
    event.waitUntil(done);
  });

  addEventListener('pushsubscriptionchange', (event) => {
    const change = /** @type {ExtendableEvent & import('./resubscribe.js').ChangedSubscription} */ (event);
    event.waitUntil(resubscribe(change, endpoint));
  });
}
