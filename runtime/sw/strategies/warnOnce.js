let warned = false;

/**
 * Logs the first background failure of this worker's life (a cache write, a
 * revalidation, expiration's bookkeeping), so that a page that polls while
 * offline does not flood the console. err says what failed.
 *
 * @param {string} url The request's URL.
 * @param {string} cacheName
 * @param {unknown} err
 */
export function warnOnce(url, cacheName, err) {
  if (!warned) console.warn(`swkit: updating ${url} in cache ${cacheName} failed (later failures are not logged)`, err);
  warned = true;
}
