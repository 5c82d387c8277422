/**
 * @typedef {object} Route
 * @property {(url: URL, request: Request) => boolean} match_
 * @property {string} method_ Upper-case HTTP method.
 * @property {(context: import('./strategies/fetchAndCache.js').Context & {url: URL}) => Promise<Response>} handler_
 */

/**
 * A router over routes in order: the first route whose method equals the
 * request's and whose match accepts its URL wins.
 *
 * @param {Route[]} routes
 * @returns {(url: URL, request: Request) => Route | undefined}
 */
export function router(routes) {
  return (url, request) => routes.find((r) => r.method_ === request.method && r.match_(url, request));
}
