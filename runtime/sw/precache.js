import { withoutRedirect } from './withoutRedirect.js';

/**
 * @typedef {object} ManifestEntry
 * @property {string} url URL relative to the worker's folder.
 * @property {string} [revision] Content hash; absent for names that carry one.
 * @property {string} [integrity] Subresource Integrity of the content.
 */

/**
 * A generated worker's compact entry: [url, base64 SHA-256] with the revision
 * the first 16 hex digits of that hash, or [url, hash, 0] for a hashed name
 * (no revision). The same cache key as {url, revision}.
 *
 * @typedef {ManifestEntry | [string, string] | [string, string, 0]} CompactEntry
 */

/**
 * The options, named for this bundle only (see sw.js's WorkerConfig).
 *
 * @typedef {object} PrecacheOptions
 * @property {string} [cacheId_] Prefix of the cache name.
 * @property {string} [directoryIndex_] Answered for URLs ending in "/"; '' for none.
 * @property {RegExp[]} [ignore_] Query parameters dropped before a lookup
 *   (ignoreURLParametersMatching).
 * @property {boolean} [cleanURLs_] Look up "/about" as "/about.html" too (default true).
 */

/**
 * @typedef {object} Precache
 * @property {() => Promise<void>} install_ Fetches what the cache lacks; rejects on any failure.
 * @property {(cleanupOutdatedCaches: boolean) => Promise<void>} activate_ Removes what this version does not list.
 * @property {(url: string | URL) => string | undefined} keyFor_ The cache key answering url, if precached.
 * @property {(key: string) => Promise<Response | undefined>} matchKey_ The response stored under a key.
 * @property {Map<string, string>} keys_ Each entry's absolute URL and its cache key, in manifest order.
 */

/**
 * The precache of one worker version: the manifest's files, fetched on install
 * and kept in one cache per registration,
 * `<cacheId->swkit-precache-v1-<scope>` (v1: the layout of the keys; a new
 * layout gets a new name, and activate removes the others), or in several,
 * `…-v1.<i>of<n>-<scope>`, when the keys would be too many to list in one.
 *
 * The key of an entry is its absolute URL, plus `__swkit_rev` when the entry
 * has a revision, so that a new revision is stored beside the old one and the
 * active worker keeps answering with its own version until the new one
 * activates.
 *
 * @param {CompactEntry[]} manifest
 * @param {PrecacheOptions} options
 * @returns {Precache}
 */
export function precache(manifest, options) {
  const base = self.location.href;
  const scope = registration.scope;
  const prefix = `${options.cacheId_ ? `${options.cacheId_}-` : ''}swkit-precache-`;
  const directoryIndex = options.directoryIndex_ ?? 'index.html';
  const ignore = options.ignore_ || [];

  /** Absolute URL (no query added) -> cache key. */
  const keys = new Map();
  /** @type {[url: string, key: string, integrity: string][]} */
  const entries = manifest.map((entry) => {
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
    const href = url.href;
    if (entry.revision) url.searchParams.set('__swkit_rev', entry.revision);
    keys.set(href, url.href);
    return [href, url.href, entry.integrity || ''];
  });

  // Chromium refuses a cache.keys() whose answer would pass 10 MiB, counting
  // some 450 bytes a key besides its URL (about 20,000 keys), and install and
  // activate list the cache: past that a site never updated. A larger
  // precache is spread over 2, 4, 8... caches, `v1` in the name becoming
  // `v1.<i>of<n>`, each key in the one a hash of it picks, under 4 MiB of
  // keys each.
  const keyBytes = entries.reduce((n, entry) => n + entry[1].length + 600, 0);
  let parts = 1;
  while (keyBytes > parts * (4 << 20)) parts *= 2;
  const names = Array.from({ length: parts }, (_, i) => `${prefix}v1${parts > 1 ? `.${i}of${parts}` : ''}-${scope}`);
  /** Each cache opened once per worker life: caches.open costs a round trip to the browser. */
  const opened = new Map();
  /**
   * The cache of a key: a 31-multiplier string hash of it, modulo parts (a
   * power of two; keys are ASCII, URLs being serialized so). Not hashed
   * when there is one cache, as for all but the largest sites: every
   * precache lookup of a fetch comes here.
   *
   * @param {string} key
   * @returns {Promise<Cache>}
   */
  const cacheOf = (key) => {
    const name = names[parts < 2 ? 0 : [...key].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) | 0, 0) & (parts - 1)];
    let cache = opened.get(name);
    if (!cache) opened.set(name, (cache = caches.open(name)));
    return cache;
  };

  /** @param {[string, string, string]} entry */
  const fetchEntry = async ([url, key, integrity]) => {
    /** @param {unknown} why @param {unknown} [cause] */
    const fail = (why, cause) => {
      throw new Error(`swkit: precaching ${url}: ${why}`, { cause });
    };
    /** @param {RequestCache} cache */
    const get = (cache) => fetch(url, { cache, credentials: 'same-origin', integrity });
    // First the browser's HTTP cache, whatever the age of its copy, when
    // the integrity vouches for the bytes: on a first visit the page has
    // just fetched most of these files, and downloading them again would
    // double what the visit costs. A copy that does not match (an older
    // version, a garbled one) fails the integrity check, and then
    // cache: 'reload' goes past the HTTP cache to the server. Without an
    // integrity only 'reload' keeps the revision's promise about the bytes.
    /** @type {Response | undefined} */
    let response = integrity ? await get('force-cache').then((r) => (r.ok ? r : undefined), () => undefined) : undefined;
    // Tried again after a network error or a 5xx answer, twice at most,
    // 250 and 500 ms later. A fetch that fails its integrity check rejects
    // with the same TypeError as a network error, so it is tried again too.
    for (let attempt = 0; !response; ) {
      try {
        const r = await get('reload');
        if (r.status < 500 || attempt > 1) response = r;
      } catch (err) {
        if (attempt > 1) fail('network or integrity error', err);
      }
      if (!response) await new Promise((resolve) => setTimeout(resolve, ++attempt * 250));
    }
    // A redirect is fine when it lands on the same file: the directory form
    // of an index file ("/a/index.html" -> "/a/"), which many servers send.
    const landed = response.url;
    if (!response.ok) fail(`HTTP ${response.status}`);
    if (response.redirected && landed !== url && !(directoryIndex && landed + directoryIndex === url)) fail(`redirected to ${landed}`);
    await (await cacheOf(key)).put(key, withoutRedirect(response));
  };

  return {
    async install_() {
      // Keys already cached are either this version's files from an earlier,
      // interrupted install or files that did not change since the active
      // version: either way the bytes are the ones the key names.
      const cached = new Set();
      for (const part of names) {
        for (const request of await (await caches.open(part)).keys()) cached.add(request.url);
      }
      const missing = entries.filter((entry) => !cached.has(entry[1]));
      // At most 6 fetches in flight; after the first failure
      // (which rejects the install) no new one starts.
      const next = missing.values();
      const fetcher = async () => {
        for (const entry of next) {
          await fetchEntry(entry).catch((err) => {
            missing.length = 0;
            throw err;
          });
        }
      };
      await Promise.all(Array.from({ length: 6 }, fetcher));
    },

    async activate_(cleanupOutdatedCaches) {
      const wanted = new Set(keys.values());
      for (const part of names) {
        const cache = await caches.open(part);
        for (const request of await cache.keys()) {
          if (!wanted.has(request.url)) await cache.delete(request);
        }
      }
      // Same cacheId and scope: this layout spread another way (a manifest
      // that grew or shrank), always; other layout versions (an older swkit
      // runtime) when cleanupOutdatedCaches.
      for (const other of await caches.keys()) {
        if (!names.includes(other) && other.startsWith(prefix) && other.endsWith(`-${scope}`)
          && (cleanupOutdatedCaches || other.startsWith(`${prefix}v1`))) await caches.delete(other);
      }
    },

    keyFor_,
    keys_: keys,

    async matchKey_(key) {
      return (await cacheOf(key)).match(key);
    },
  };

  /**
   * @param {string | URL} input
   * @returns {string | undefined}
   */
  function keyFor_(input) {
    // Most requests name a manifest URL exactly, and a request's URL has no
    // fragment: one map lookup, no URL parsing.
    const exact = keys.get(String(input));
    if (exact) return exact;
    const url = new URL(input, base);
    url.hash = '';
    // Only touch the query when a parameter goes: deleting re-serializes it.
    for (const param of [...url.searchParams.keys()]) {
      if (ignore.some((re) => re.test(param))) url.searchParams.delete(param);
    }
    const found = keys.get(url.href);
    if (found) return found;
    const suffix = url.pathname.endsWith('/') ? directoryIndex : options.cleanURLs_ !== false && '.html';
    if (!suffix) return undefined;
    url.pathname += suffix;
    return keys.get(url.href);
  }
}
