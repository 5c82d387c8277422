import { postToWindows } from '../windows.js';
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
    if (await responsesDiffer(before, after, options.headersToCheck)) {
      await postToWindows({ type: 'swkit:cache-updated', cacheName, url });
    }
  };
}
