import { precache } from './precache.js';
import { network } from './strategies/network.js';

/**
 * One route of the generated sw.js.
 *
 * @typedef {object} Route
 * @property {(url: URL, request: Request) => boolean} match_
 * @property {string} method_ Upper-case HTTP method.
 * @property {(context: import('./strategies/fetchAndCache.js').Context & {url: URL}) => Promise<Response>} handler_
 * @property {typeof import('./strategies/rangeResponse.js').rangeResponse} [range_] Given with rangeRequests:
 *   cuts the precache's answers to the route's range requests too.
 */

/**
 * The options that the generated sw.js passes. Their names end in "_": the
 * bundle renames them (see internal/swgen's internalProps). Only what differs
 * from the default is given.
 *
 * @typedef {object} WorkerFields
 * @property {string} version_ Build version (hash of manifest and options), for swkit:get-version.
 * @property {import('./precache.js').CompactEntry[]} manifest_
 * @property {boolean} [skipWaiting_]
 * @property {boolean} [clientsClaim_]
 * @property {boolean} [keepOutdatedCaches_] cleanupOutdatedCaches off.
 * @property {string} [navigateFallback_] Precached URL for navigations nothing else answers.
 * @property {RegExp[]} [navigateFallbackAllowlist_] Paths the fallback may answer (all when absent; never empty).
 * @property {RegExp[]} [navigateFallbackDenylist_] Paths the fallback never answers.
 * @property {string} [offlinePage_] Precached URL for navigations that fail for lack of network.
 * @property {boolean} [navigationPreload_]
 * @property {typeof import('./navigation.js').navigation} [navigation_] Given
 *   when one of the three above is set.
 * @property {typeof import('./staticRoutes.js').staticRoutes} [staticRoutes_] Given when
 *   static routes are on.
 * @property {Route[]} [routes_] The first route whose method equals the request's and whose match accepts its URL answers.
 */

/**
 * The worker's options, the precache's among them.
 *
 * @typedef {WorkerFields & import('./precache.js').PrecacheOptions} WorkerConfig
 */

/**
 * Wires the worker's event listeners. Called once, at the top level of the
 * generated sw.js (listeners must be added during the script's first run).
 *
 * @param {WorkerConfig} config
 */
export function sw(config) {
  const pre = precache(config.manifest_, config);
  const navigation = config.navigation_?.(config, pre);
  const statics = config.staticRoutes_?.(pre, config);

  addEventListener('install', (event) => {
    // A rejection fails the install: the old worker keeps control.
    event.waitUntil(
      (async () => {
        await pre.install_();
        await statics?.install_(event);
        if (config.skipWaiting_) await skipWaiting();
      })(),
    );
  });

  addEventListener('activate', (event) => {
    event.waitUntil(
      (async () => {
        await pre.activate_(!config.keepOutdatedCaches_);
        await statics?.activate_();
        if (config.clientsClaim_) await clients.claim();
        // Turn it off too when not configured: an older version may have
        // turned it on, and nobody would read the preload responses.
        await registration.navigationPreload?.[config.navigationPreload_ ? 'enable' : 'disable']();
      })(),
    );
  });

  addEventListener('message', (event) => {
    const type = event.data?.type;
    if (type === 'swkit:skip-waiting') {
      skipWaiting();
    } else if (type === 'swkit:get-version' && event.ports[0]) {
      event.ports[0].postMessage({ version: config.version_ });
    }
  });

  addEventListener('fetch', (event) => {
    const answer = respond(event);
    // No respondWith when nothing matched: the browser fetches as if no
    // worker were there.
    if (answer) event.respondWith(answer);
  });

  /**
   * @param {FetchEvent} event
   * @returns {Promise<Response> | undefined}
   */
  function respond(event) {
    const { request } = event;
    const get = request.method === 'GET';
    // Precached URLs first, and on their path as little as possible: the
    // key from the request's URL string, no route tested unless the
    // request asks for a range (which a route with rangeRequests cuts).
    const key = get && pre.keyFor_(request.url);
    const nav = request.mode === 'navigate' && navigation;
    if (key && !nav) return fromPrecache(key, request, () => fetch(request));

    const url = new URL(request.url);
    /** @type {import('./strategies/fetchAndCache.js').Context & {url: URL}} */
    const context = { event, request, url };
    if (nav) nav.preload_(event, context);
    // The network when the cache lost the entry (storage cleared under a
    // running worker).
    if (key) return fromPrecache(key, request, () => network(context));
    const route = findRoute(request, url);
    if (route) {
      const answer = route.handler_(context);
      return nav ? nav.offline_(answer) : answer;
    }
    return nav && get ? nav.fallback_(context) : undefined;
  }

  /**
   * @param {Request} request
   * @param {URL} url
   */
  function findRoute(request, url) {
    return config.routes_?.find((r) => r.method_ === request.method && r.match_(url, request));
  }

  /**
   * The precached response under key, cut to the requested range when a
   * route with rangeRequests takes the URL; fromNetwork when the cache lost it.
   *
   * @param {string} key
   * @param {Request} request
   * @param {() => Promise<Response>} fromNetwork
   * @returns {Promise<Response>}
   */
  async function fromPrecache(key, request, fromNetwork) {
    const cached = await pre.matchKey_(key);
    if (!cached) return fromNetwork();
    const range = config.routes_ && request.headers.has('range') && findRoute(request, new URL(request.url))?.range_;
    return range ? range(request, cached) : cached;
  }
}
