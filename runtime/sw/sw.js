import { precache } from './precache.js';
import { network } from './strategies/network.js';

/**
 * One route of the generated sw.js.
 *
 * @typedef {object} Route
 * @property {(url: URL, request: Request) => boolean} match_
 * @property {string} method_ Upper-case HTTP method.
 * @property {(context: import('./strategies/fetchAndCache.js').Context & {url: URL}) => Promise<Response>} handler_
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
 * @property {RegExp[]} [navigateFallbackAllowlist_] Paths the fallback may answer (all when empty or absent).
 * @property {RegExp[]} [navigateFallbackDenylist_] Paths the fallback never answers.
 * @property {string} [offlinePage_] Precached URL for navigations that fail for lack of network.
 * @property {boolean} [navigationPreload_]
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
  const allow = config.navigateFallbackAllowlist_ || [];
  const deny = config.navigateFallbackDenylist_ || [];

  addEventListener('install', (event) => {
    // A rejection fails the install: the old worker keeps control.
    event.waitUntil(
      pre.install_().then(() => {
        if (config.skipWaiting_) return skipWaiting();
      }),
    );
  });

  addEventListener('activate', (event) => {
    event.waitUntil(
      (async () => {
        await pre.activate_(!config.keepOutdatedCaches_);
        if (config.clientsClaim_) await clients.claim();
        // Turn it off too when not configured: an older version may have
        // turned it on, and nobody would read the preload responses.
        const preload = registration.navigationPreload;
        if (preload) await (config.navigationPreload_ ? preload.enable() : preload.disable());
      })(),
    );
  });

  addEventListener('message', (event) => {
    const type = event.data && event.data.type;
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
    const url = new URL(request.url);
    const navigation = request.mode === 'navigate';
    const get = request.method === 'GET';
    /** @type {import('./strategies/fetchAndCache.js').Context & {url: URL}} */
    const context = { event, request, url };
    if (navigation && config.navigationPreload_ && event.preloadResponse) {
      // Strategies answer from the preload instead of fetching again.
      context.preload = event.preloadResponse;
      // Answers that do not use the preload (precache hits) would otherwise
      // cancel it with a console error.
      event.waitUntil(context.preload.catch(() => {}));
    }
    const fromNetwork = () => network(context);

    let key = get && pre.keyFor_(url);
    if (key) return fromPrecache(key, fromNetwork);

    const route = (config.routes_ || []).find((r) => r.method_ === request.method && r.match_(url, request));
    if (route) {
      const answer = route.handler_(context);
      return navigation ? orOfflinePage(answer) : answer;
    }

    if (!navigation || !get) return undefined;
    if (config.navigateFallback_ && fallbackAllowed(url.pathname) && (key = pre.keyFor_(config.navigateFallback_))) {
      return fromPrecache(key, () => orOfflinePage(fromNetwork()));
    }
    if (config.offlinePage_ || config.navigationPreload_) return orOfflinePage(fromNetwork());
    return undefined;
  }

  /**
   * The precached response under key; otherwise() when the cache lost it
   * (storage cleared under a running worker).
   *
   * @param {string} key
   * @param {() => Promise<Response>} otherwise
   * @returns {Promise<Response>}
   */
  function fromPrecache(key, otherwise) {
    return pre.matchKey_(key).then((cached) => cached || otherwise());
  }

  /**
   * answer, or the precached offline page when it fails.
   *
   * @param {Promise<Response>} answer
   * @returns {Promise<Response>}
   */
  function orOfflinePage(answer) {
    return !config.offlinePage_ ? answer : answer.catch(async (err) => {
      const key = pre.keyFor_(/** @type {string} */ (config.offlinePage_));
      const page = key && (await pre.matchKey_(key));
      if (page) return page;
      throw new Error('swkit: navigation failed, offline page not cached', { cause: err });
    });
  }

  /** @param {string} path */
  function fallbackAllowed(path) {
    /** @param {RegExp} re */
    const test = (re) => re.test(path);
    return !deny.some(test) && (allow.length === 0 || allow.some(test));
  }
}
