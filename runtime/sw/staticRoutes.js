/**
 * The most conditions a router may hold: the Service Workers spec caps
 * them at 1,024 per registration ("check router registration limit").
 */
const MAX_URLS = 1000;

/**
 * @typedef {object} StaticRoutes
 * @property {(event: ExtendableEvent) => Promise<void>} install_ Declares the
 *   routes; call it once the precache is complete.
 * @property {() => Promise<void>} activate_ Removes the other versions' copies.
 */

/**
 * Static routes (InstallEvent.addRoutes, Chromium 123 and later): the
 * browser answers precached URLs from Cache Storage without running the
 * worker's fetch handler. Elsewhere this does nothing.
 *
 * The router looks a request up as it is, so its cache must hold each
 * file under its plain URL, while the precache keys revisions
 * (`?__swkit_rev=`) so that versions can sit side by side. Each worker
 * version therefore copies its precached files, out of the precache (no
 * download), into a cache of its own, `<cacheId->swkit-static-<version>-<scope>`,
 * and routes there: the bytes are the precache's, integrity-checked by
 * its install; a waiting version's copy does not touch what the active
 * version's routes answer with; activate deletes the copies of other
 * versions. A directory's index file is also stored under the directory
 * URL ("/" for "/index.html"). Only same-origin URLs without a query are
 * routed, the first MAX_URLS in manifest order; a request with a query
 * (tracking parameters) goes to the fetch handler, as does anything the
 * copy lacks (the router falls back to the network on a miss, and the
 * cache is only named once complete).
 *
 * @param {import('./precache.js').Precache} pre
 * @param {{version_: string, cacheId_?: string, directoryIndex_?: string}} config
 * @returns {StaticRoutes}
 */
export function staticRoutes(pre, config) {
  const scope = registration.scope;
  const prefix = `${config.cacheId_ ? `${config.cacheId_}-` : ''}swkit-static-`;
  const name = `${prefix}${config.version_}-${scope}`;
  const index = config.directoryIndex_ ?? 'index.html';

  return {
    async install_(event) {
      const add = /** @type {any} */ (event).addRoutes;
      if (!add) return;
      try {
        const cache = await caches.open(name);
        // Copies already made: an earlier, interrupted install of this version.
        const have = new Set((await cache.keys()).map((request) => request.url));
        /** @type {[url: string, key: string][]} */
        const routed = [];
        for (const [href, key] of pre.keys_) {
          const url = new URL(href);
          if (url.origin !== location.origin || url.search) continue;
          routed.push([href, key]);
          if (index && url.pathname.endsWith(`/${index}`)) routed.push([href.slice(0, -index.length), key]);
        }
        routed.length = Math.min(routed.length, MAX_URLS);
        const next = routed.values();
        const copier = async () => {
          for (const [url, key] of next) {
            if (have.has(url)) continue;
            const response = await pre.matchKey_(key);
            if (!response) throw new Error(`swkit: ${key} is missing from the precache`);
            await cache.put(url, response);
          }
        };
        await Promise.all(Array.from({ length: 6 }, copier));
        await add.call(event, {
          condition: { or: routed.map(([url]) => ({ urlPattern: { pathname: escape(new URL(url).pathname), search: '' } })) },
          source: { cacheName: name },
        });
      } catch (err) {
        // Routes only make answers faster: without them the fetch handler
        // answers, as in browsers that lack them.
        console.warn('swkit: static routes not declared', err);
        await caches.delete(name);
      }
    },

    async activate_() {
      for (const other of await caches.keys()) {
        if (other !== name && other.startsWith(prefix) && other.endsWith(`-${scope}`)) await caches.delete(other);
      }
    },
  };
}

/**
 * A URL path as URLPattern syntax that matches only itself.
 *
 * @param {string} path
 */
function escape(path) {
  return path.replace(/[:*(){}+?\\]/g, '\\$&');
}
