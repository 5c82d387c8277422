import { windows } from './windows.js';

/**
 * Brings the user to url after a notification click: focuses a window of
 * this origin already showing url (fragment aside), or opens a new one.
 * Needs the window-interaction allowance that only a notificationclick
 * event grants (Service Workers, "openWindow" step 3 and "focus" step 1).
 *
 * @param {string} url Absolute URL.
 * @returns {Promise<WindowClient | null>}
 */
export async function openOrFocus(url) {
  const target = withoutHash(url);
  const open = (await windows()).find((client) => withoutHash(client.url) === target);
  if (open) {
    try {
      return await open.focus();
    } catch (err) {
      throw new Error(`swkit: focusing the window on ${url} failed`, { cause: err });
    }
  }
  try {
    return await clients.openWindow(url);
  } catch (err) {
    throw new Error(`swkit: opening a window on ${url} failed`, { cause: err });
  }
}

/** @param {string} url */
function withoutHash(url) {
  const u = new URL(url);
  u.hash = '';
  return u.href;
}
