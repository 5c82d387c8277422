/**
 * @typedef {object} ManifestEntry
 * @property {string} url URL relative to the worker's folder.
 * @property {string} [revision] Content hash; absent for names that carry one.
 * @property {string} [integrity] Subresource Integrity of the content.
 */

/**
 * The precache key of an entry: its absolute URL, plus `__swkit_rev` when the
 * entry has a revision, so that a new revision is stored beside the old one and
 * the active worker keeps answering with its own version until the new one
 * activates.
 *
 * @param {ManifestEntry} entry
 * @param {string | URL} base The worker's own URL.
 * @returns {string}
 */
export function cacheKey(entry, base) {
  const url = new URL(entry.url, base);
  url.hash = '';
  if (entry.revision) url.searchParams.set('__swkit_rev', entry.revision);
  return url.href;
}
