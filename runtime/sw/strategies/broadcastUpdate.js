import { responsesDiffer } from './responsesDiffer.js';

/**
 * staleWhileRevalidate's broadcastUpdate option: a notifier that tells every
 * window of this origin, controlled or not, that cacheName now holds a newer
 * response for url, when the refreshed response differs from the one the
 * page was given (see responsesDiffer). Only workers that configure it
 * import this module.
 *
 * @param {{headersToCheck?: string[]}} [options]
 * @returns {(before: Response, after: Response, cacheName: string, url: string) => Promise<void>}
 */
export function broadcastUpdate(options = {}) {
  return async (before, after, cacheName, url) => {
    if (!(await responsesDiffer(before, after, options.headersToCheck))) return;
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    for (const client of windows) client.postMessage({ type: 'swkit:cache-updated', cacheName, url });
  };
}
