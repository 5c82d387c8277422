/**
 * A route matcher compiled by swgen from a config's urlPattern: a regular
 * expression tested against the full URL, or, for path patterns (path set),
 * against the pathname of same-origin URLs.
 *
 * @param {RegExp} re
 * @param {1} [path]
 * @returns {(url: URL) => boolean}
 */
export function urlPattern(re, path) {
  return path ? (url) => url.origin === location.origin && re.test(url.pathname) : (url) => re.test(url.href);
}
