/**
 * A route matcher compiled by swgen from a config's urlPattern: a regular
 * expression tested against the full URL, or, for path patterns (path set),
 * against the pathname of same-origin URLs. As in Workbox, a regular
 * expression takes another origin's URL only when it matches from the URL's
 * first character, so that "/\/api\//" keeps to this origin's API.
 *
 * @param {RegExp} re
 * @param {1} [path]
 * @returns {(url: URL) => boolean}
 */
export function urlPattern(re, path) {
  if (path) return (url) => url.origin === location.origin && re.test(url.pathname);
  return (url) => {
    const m = re.exec(url.href);
    return !!m && (m.index === 0 || url.origin === location.origin);
  };
}
