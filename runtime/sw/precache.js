import { cacheKey } from './cacheKey.js';
import { fetchWithRetry } from './fetchWithRetry.js';
import { precacheName } from './precacheName.js';
import { runPool } from './runPool.js';
import { withoutRedirect } from './withoutRedirect.js';

/** @typedef {import('./cacheKey.js').ManifestEntry} ManifestEntry */

/**
 * @typedef {object} PrecacheOptions
 * @property {string} [cacheId] Prefix of the cache name.
 * @property {string} [directoryIndex] Answered for URLs ending in "/"; '' for none.
 * @property {RegExp[]} [ignoreURLParametersMatching] Query parameters dropped before a lookup.
 * @property {boolean} [cleanURLs] Look up "/about" as "/about.html" too.
 * @property {number} [concurrency] Fetches in flight during install (default 6).
 * @property {number} [retries] Retries after a network error or 5xx (default 2).
 */

/**
 * @typedef {object} Precache
 * @property {string} name The cache's name.
 * @property {() => Promise<void>} install Fetches what the cache lacks; rejects on any failure.
 * @property {(cleanupOutdatedCaches: boolean) => Promise<void>} activate Removes what this version does not list.
 * @property {(url: string | URL) => string | undefined} keyFor The cache key answering url, if precached.
 * @property {(key: string) => Promise<Response | undefined>} matchKey The response stored under a key.
 * @property {(request: Request) => Promise<Response | undefined>} match The cached response for a GET request.
 */

/**
 * The precache of one worker version: the manifest's files, fetched on install
 * and kept in one cache per registration.
 *
 * @param {(ManifestEntry | [string, string] | [string, string, 0])[]} manifest
 * @param {PrecacheOptions} options
 * @returns {Precache}
 */
export function precache(manifest, options) {
  const base = self.location.href;
  const name = precacheName(options.cacheId || '', self.registration.scope);
  const directoryIndex = options.directoryIndex ?? 'index.html';
  const ignore = options.ignoreURLParametersMatching || [];
  const cleanURLs = options.cleanURLs ?? true;
  const concurrency = options.concurrency || 6;
  const retries = options.retries ?? 2;

  /** Absolute URL (no query added) -> cache key. */
  const keys = new Map();
  const entries = manifest.map((entry) => {
    // A generated worker's compact entry: [url, base64 SHA-256] with the
    // revision the first 16 hex digits of that hash, or [url, hash, 0] for a
    // hashed name (no revision). The same cache key as {url, revision}.
    if (Array.isArray(entry)) {
      entry = {
        url: entry[0],
        integrity: `sha256-${entry[1]}`,
        revision: entry[2] === 0 ? ''
          : Array.from(atob(entry[1]).slice(0, 8), (c) => (c.charCodeAt() + 256).toString(16).slice(1)).join(''),
      };
    }
    const url = new URL(entry.url, base);
    url.hash = '';
    const key = cacheKey(entry, base);
    keys.set(url.href, key);
    return { url: url.href, key, integrity: entry.integrity || '' };
  });

  /** @param {{url: string, key: string, integrity: string}} entry */
  const fetchEntry = async (entry) => {
    // cache: 'reload' goes past the HTTP cache: a revision is a promise about
    // the bytes, and a stale HTTP-cached copy would break it. Hashed names
    // (no revision) use it too: their first fetch is rare, and a copy that an
    // HTTP cache garbled would otherwise stay until the name changes.
    const request = new Request(entry.url, {
      cache: 'reload',
      credentials: 'same-origin',
      integrity: entry.integrity,
    });
    let response;
    try {
      response = await fetchWithRetry(request, retries);
    } catch (err) {
      throw new Error(
        `precache: fetching ${entry.url} failed (network error or integrity mismatch)`,
        { cause: err },
      );
    }
    if (!response.ok) {
      throw new Error(`precache: ${entry.url} answered ${response.status}`);
    }
    if (response.redirected && !sameResource(entry.url, response.url, directoryIndex)) {
      throw new Error(`precache: ${entry.url} redirected to ${response.url}`);
    }
    const cache = await caches.open(name);
    await cache.put(entry.key, withoutRedirect(response));
  };

  return {
    name,

    async install() {
      const cache = await caches.open(name);
      // Keys already cached are either this version's files from an earlier,
      // interrupted install or files that did not change since the active
      // version: either way the bytes are the ones the key names.
      const cached = new Set((await cache.keys()).map((request) => request.url));
      const missing = entries.filter((entry) => !cached.has(entry.key));
      await runPool(missing, concurrency, fetchEntry);
    },

    async activate(cleanupOutdatedCaches) {
      const cache = await caches.open(name);
      const wanted = new Set(entries.map((entry) => entry.key));
      for (const request of await cache.keys()) {
        if (!wanted.has(request.url)) await cache.delete(request);
      }
      if (!cleanupOutdatedCaches) return;
      // Same cacheId and scope, other layout version: an older swkit runtime.
      const prefix = `${options.cacheId ? `${options.cacheId}-` : ''}swkit-precache-`;
      const suffix = `-${self.registration.scope}`;
      for (const other of await caches.keys()) {
        if (other !== name && other.startsWith(prefix) && other.endsWith(suffix)) {
          await caches.delete(other);
        }
      }
    },

    keyFor,
    matchKey,

    async match(request) {
      if (request.method !== 'GET') return undefined;
      const key = keyFor(request.url);
      return key ? matchKey(key) : undefined;
    },
  };

  /**
   * @param {string} key
   * @returns {Promise<Response | undefined>}
   */
  async function matchKey(key) {
    const cache = await caches.open(name);
    return cache.match(key);
  }

  /**
   * @param {string | URL} input
   * @returns {string | undefined}
   */
  function keyFor(input) {
    const url = new URL(input, base);
    url.hash = '';
    // Only touch the query when a parameter goes: deleting re-serializes it.
    const drop = [...url.searchParams.keys()].filter((p) => ignore.some((re) => re.test(p)));
    for (const param of drop) url.searchParams.delete(param);
    const exact = keys.get(url.href);
    if (exact) return exact;
    if (url.pathname.endsWith('/')) {
      if (!directoryIndex) return undefined;
      url.pathname += directoryIndex;
      return keys.get(url.href);
    }
    if (!cleanURLs) return undefined;
    url.pathname += '.html';
    return keys.get(url.href);
  }
}

/**
 * Whether a redirect from wanted landed on the same file: the same URL, or the
 * directory form of an index file ("/a/index.html" -> "/a/"), which many
 * servers redirect to.
 *
 * @param {string} wanted
 * @param {string} landed
 * @param {string} directoryIndex
 */
function sameResource(wanted, landed, directoryIndex) {
  if (landed === wanted) return true;
  return Boolean(directoryIndex) && `${landed}${directoryIndex}` === wanted;
}
