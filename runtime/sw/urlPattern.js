/**
 * A route matcher compiled by swgen from a config's urlPattern: a regular
 * expression tested against the full URL ("href"), or, for path patterns,
 * against the pathname of same-origin URLs ("path").
 *
 * @param {RegExp} re
 * @param {'href' | 'path'} on
 * @returns {(url: URL) => boolean}
 */
export function urlPattern(re, on) {
  if (on === 'href') return (url) => re.test(url.href);
  return (url) => url.origin === self.location.origin && re.test(url.pathname);
}
