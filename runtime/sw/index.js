/**
 * swkit's public service-worker API, imported as 'swkit/sw' by a worker
 * source that `swkit build --inject SRC` bundles:
 *
 *     import { precacheAndRoute, registerRoute, staleWhileRevalidate, skipWaitingOnMessage } from 'swkit/sw';
 *
 *     precacheAndRoute(self.__SWKIT_MANIFEST);
 *     registerRoute('/api/news', staleWhileRevalidate({ cacheName: 'news' }));
 *     skipWaitingOnMessage();
 *
 * The build replaces self.__SWKIT_MANIFEST (or Workbox's self.__WB_MANIFEST)
 * with the precache manifest: an array of {url, revision?, integrity?}.
 * Requests are answered by the precache first, then by the routes in the
 * order they were registered, then by the network.
 */
export { precacheAndRoute } from './public/precacheAndRoute.js';
export { registerRoute } from './public/registerRoute.js';
export { skipWaitingOnMessage, clientsClaim } from './public/lifecycle.js';
export { cacheFirst, networkFirst, staleWhileRevalidate, networkOnly, cacheOnly } from './public/strategies.js';
