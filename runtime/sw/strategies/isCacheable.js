/**
 * @typedef {object} Cacheable
 * @property {number[]} [statuses] Statuses that may be stored (default [200]).
 *   Opaque responses have status 0, so they are stored only when 0 is listed.
 * @property {Record<string, string>} [headers] Headers that must all be present with these values.
 */

/**
 * Whether response may be stored in a runtime cache.
 *
 * @param {Response} response
 * @param {Cacheable} [rule]
 * @returns {boolean}
 */
export function isCacheable(response, rule = {}) {
  const statuses = rule.statuses || [200];
  if (!statuses.includes(response.status)) return false;
  for (const [name, value] of Object.entries(rule.headers || {})) {
    if (response.headers.get(name) !== value) return false;
  }
  return true;
}
