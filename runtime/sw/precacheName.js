/** Version of the precache layout; bump it when the key format changes. */
const LAYOUT = 'v1';

/**
 * The name of the precache of one registration:
 * `<cacheId->swkit-precache-v1-<scope>`.
 *
 * @param {string} cacheId Prefix that keeps two apps on one origin apart; may be ''.
 * @param {string} scope The registration's scope URL.
 * @returns {string}
 */
export function precacheName(cacheId, scope) {
  return `${cacheId ? `${cacheId}-` : ''}swkit-precache-${LAYOUT}-${scope}`;
}
