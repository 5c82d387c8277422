/**
 * @typedef {object} Cacheable
 * @property {number[]} [statuses] Statuses that may be stored (default [200]).
 *   Opaque responses have status 0, so they are stored only when 0 is listed.
 * @property {Record<string, string>} [headers] Headers that must all be present with these values.
 */

/**
 * Whether response may be stored in a runtime cache: its status is listed,
 * the listed headers match, and the response does not forbid storing.
 *
 * Never stored, whatever the rule says:
 *   - `Cache-Control: no-store`: the server says no cache may keep it
 *     (RFC 9111, section 5.2.2.5); Cache Storage is not an HTTP cache, but
 *     an offline copy of a response the server marked so is what the
 *     directive exists to prevent (per-user data, one-time tokens).
 *   - 206 Partial Content and `Vary: *`: Cache.put rejects them
 *     (Service Workers spec, Cache.put steps).
 * An opaque response's headers cannot be read, so only its status counts.
 *
 * @param {Response} response
 * @param {Cacheable} [rule]
 * @returns {boolean}
 */
export function isCacheable(response, rule = {}) {
  const { status, headers } = response;
  return (rule.statuses || [200]).includes(status) && status !== 206
    && !noStore(response)
    // A missing header tests as "null", which matches nothing.
    && !/(^|,)\s*\*\s*(,|$)/.test(/** @type {string} */ (headers.get('vary')))
    && Object.entries(rule.headers || {}).every(([name, value]) => headers.get(name) === value);
}

/**
 * Whether response carries Cache-Control: no-store.
 *
 * @param {Response} response
 * @returns {boolean}
 */
export function noStore(response) {
  // A missing header tests as "null", which does not match.
  return /(^|,)\s*no-store\s*(,|$)/i.test(/** @type {string} */ (response.headers.get('cache-control')));
}
