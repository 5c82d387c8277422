import { precache } from './precache.js';
import { router } from './router.js';

/**
 * The options that the generated sw.js passes. Their names end in "_": the
 * bundle renames them (see internal/swgen's internalProps). Only what differs
 * from the default is given.
 *
 * @typedef {object} WorkerConfig
 * @property {string} version_ Build version (hash of manifest and options), for swkit:get-version.
 * @property {import('./precache.js').CompactEntry[]} manifest_
 * @property {import('./precache.js').PrecacheOptions} [precache_]
 * @property {boolean} [skipWaiting_]
 * @property {boolean} [clientsClaim_]
 * @property {boolean} [keepOutdatedCaches_] cleanupOutdatedCaches off.
 * @property {string} [navigateFallback_] Precached URL for navigations nothing else answers.
 * @property {RegExp[]} [navigateFallbackAllowlist_] Paths the fallback may answer (all when empty or absent).
 * @property {RegExp[]} [navigateFallbackDenylist_] Paths the fallback never answers.
 * @property {string} [offlinePage_] Precached URL for navigations that fail for lack of network.
 * @property {boolean} [navigationPreload_]
 * @property {import('./router.js').Route[]} [routes_]
 */

/**
 * Wires the worker's event listeners. Called once, at the top level of the
 * generated sw.js (listeners must be added during the script's first run).
 *
 * @param {WorkerConfig} config
 */
export function sw(config) {
  const pre = precache(config.manifest_, config.precache_ || {});
  const findRoute = router(config.routes_ || []);
  const allow = config.navigateFallbackAllowlist_ || [];
  const deny = config.navigateFallbackDenylist_ || [];

  self.addEventListener('install', (event) => {
    // A rejection fails the install: the old worker keeps control.
    event.waitUntil(
      pre.install_().then(() => {
        if (config.skipWaiting_) return self.skipWaiting();
      }),
    );
  });

  self.addEventListener('activate', (event) => {
    event.waitUntil(
      (async () => {
        await pre.activate_(!config.keepOutdatedCaches_);
        if (config.clientsClaim_) await self.clients.claim();
        // Turn it off too when not configured: an older version may have
        // turned it on, and nobody would read the preload responses.
        const preload = self.registration.navigationPreload;
        if (preload) await (config.navigationPreload_ ? preload.enable() : preload.disable());
      })(),
    );
  });

  self.addEventListener('message', (event) => {
    const type = event.data && event.data.type;
    if (type === 'swkit:skip-waiting') {
      self.skipWaiting();
    } else if (type === 'swkit:get-version' && event.ports[0]) {
      event.ports[0].postMessage({ version: config.version_ });
    }
  });

  self.addEventListener('fetch', (event) => {
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
    /** @type {Promise<Response | undefined> | undefined} */
    let preload;
    if (navigation && config.navigationPreload_ && event.preloadResponse) {
      preload = event.preloadResponse;
      // Answers that do not use the preload (precache hits) would otherwise
      // cancel it with a console error.
      event.waitUntil(preload.catch(() => {}));
    }

    if (request.method === 'GET') {
      const key = pre.keyFor_(url);
      if (key) return fromPrecache(key, () => network(event));
    }

    const route = findRoute(url, request);
    if (route) {
      // Strategies answer from the preload instead of fetching again.
      const answer = route.handler_({ event, request, url, preload });
      return navigation ? orOfflinePage(answer) : answer;
    }

    if (!navigation || request.method !== 'GET') return undefined;

    if (config.navigateFallback_ && fallbackAllowed(url.pathname)) {
      const key = pre.keyFor_(config.navigateFallback_);
      if (key) return fromPrecache(key, () => orOfflinePage(network(event)));
    }
    if (config.offlinePage_ || config.navigationPreload_) return orOfflinePage(network(event));
    return undefined;
  }

  /**
   * The precached response under key; the network when the cache lost it
   * (storage cleared under a running worker).
   *
   * @param {string} key
   * @param {() => Promise<Response>} otherwise
   */
  async function fromPrecache(key, otherwise) {
    return (await pre.matchKey_(key)) || otherwise();
  }

  /**
   * The network's answer for a navigation or any request: the navigation
   * preload response when there is one.
   *
   * @param {FetchEvent} event
   * @returns {Promise<Response>}
   */
  async function network(event) {
    if (config.navigationPreload_ && event.preloadResponse) {
      const preloaded = await event.preloadResponse;
      if (preloaded) return preloaded;
    }
    return fetch(event.request);
  }

  /**
   * answer, or the precached offline page when it fails.
   *
   * @param {Promise<Response>} answer
   * @returns {Promise<Response>}
   */
  async function orOfflinePage(answer) {
    if (!config.offlinePage_) return answer;
    try {
      return await answer;
    } catch (err) {
      const key = pre.keyFor_(config.offlinePage_);
      const page = key && (await pre.matchKey_(key));
      if (page) return page;
      throw new Error('swkit: navigation failed and the offline page is not cached', { cause: err });
    }
  }

  /** @param {string} path */
  function fallbackAllowed(path) {
    if (deny.some((re) => re.test(path))) return false;
    return allow.length === 0 || allow.some((re) => re.test(path));
  }
}
