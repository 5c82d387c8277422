/**
 * A route matcher for a config's urlPattern object form: the request's
 * destination is one of list ("document" for page navigations, "image",
 * ...), and its URL matches too when a urlPattern is given.
 *
 * @param {string[]} list
 * @param {(url: URL) => boolean} [match]
 * @returns {(url: URL, request: Request) => boolean}
 */
export function destination(list, match) {
  return (url, request) => list.includes(request.destination) && (!match || match(url));
}
