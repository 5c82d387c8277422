import { network } from './strategies/network.js';

/**
 * What navigateFallback, offlinePage and navigationPreload add to
 * navigations (see sw.js's respond). The generated sw.js passes this module's
 * function (as navigation_) only when its config sets one of them: other
 * workers do not carry the code.
 *
 * @typedef {object} Navigation
 * @property {(event: FetchEvent, context: import('./strategies/fetchAndCache.js').Context) => void} preload_
 *   Hands a navigation preload response to the strategies.
 * @property {(answer: Promise<Response>) => Promise<Response>} offline_
 *   answer, or the precached offline page when it fails.
 * @property {(context: import('./strategies/fetchAndCache.js').Context & {url: URL}) => Promise<Response> | undefined} fallback_
 *   The answer to a GET navigation that neither the precache nor a route
 *   took, if any: navigateFallback, or the network with the offline page
 *   behind it.
 */

/**
 * @param {import('./sw.js').WorkerConfig} config
 * @param {import('./precache.js').Precache} pre
 * @returns {Navigation}
 */
export function navigation(config, pre) {
  /** @type {Navigation['offline_']} */
  const offline_ = (answer) => !config.offlinePage_ ? answer : answer.catch(async (err) => {
    const key = pre.keyFor_(/** @type {string} */ (config.offlinePage_));
    const page = key && (await pre.matchKey_(key));
    if (page) return page;
    throw new Error('swkit: navigation failed, offline page not cached', { cause: err });
  });

  /**
   * As Workbox, the lists are tested against the path and the query.
   *
   * @param {string} path
   */
  const fallbackAllowed = (path) => {
    /** @param {RegExp} re */
    const test = (re) => re.test(path);
    const allow = config.navigateFallbackAllowlist_;
    return !config.navigateFallbackDenylist_?.some(test) && (!allow || allow.some(test));
  };

  return {
    preload_(event, context) {
      if (config.navigationPreload_ && event.preloadResponse) {
        // Strategies answer from the preload instead of fetching again.
        context.preload = event.preloadResponse;
        // Answers that do not use the preload (precache hits) would
        // otherwise cancel it with a console error.
        event.waitUntil(context.preload.catch(() => {}));
      }
    },

    offline_,

    fallback_(context) {
      const fromNetwork = () => offline_(network(context));
      const key = config.navigateFallback_ && fallbackAllowed(context.url.pathname + context.url.search) && pre.keyFor_(config.navigateFallback_);
      // The network when the cache lost the fallback (storage cleared
      // under a running worker).
      if (key) return pre.matchKey_(key).then((cached) => cached || fromNetwork());
      if (config.offlinePage_ || config.navigationPreload_) return fromNetwork();
      return undefined;
    },
  };
}
