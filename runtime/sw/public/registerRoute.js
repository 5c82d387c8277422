import { addRoute } from './fetchRouter.js';

/**
 * @typedef {RegExp | string | ((context: import('./fetchRouter.js').RouteContext) => boolean)} Match
 */

/**
 * Answers the requests that match with handler (a strategy such as
 * staleWhileRevalidate({cacheName: 'news'}), or any function returning a
 * promise of a Response). Routes are tried in the order they were registered,
 * after the precache.
 *
 * match is a RegExp tested against the full URL, a string (a path such as
 * '/api/news', compared with the pathname of same-origin URLs, or an absolute
 * URL compared with the whole URL), or a function of {url, request, event}.
 *
 * @param {Match} match
 * @param {(context: import('./fetchRouter.js').RouteContext) => Promise<Response>} handler
 * @param {string} [method] HTTP method (default GET).
 */
export function registerRoute(match, handler, method = 'GET') {
  addRoute({ match: matcher(match), handler, method: method.toUpperCase() });
}

/**
 * @param {Match} match
 * @returns {(context: import('./fetchRouter.js').RouteContext) => boolean}
 */
function matcher(match) {
  if (typeof match === 'function') return match;
  if (match instanceof RegExp) return ({ url }) => match.test(url.href);
  if (typeof match === 'string' && match.startsWith('/')) {
    return ({ url }) => url.origin === self.location.origin && url.pathname === match;
  }
  if (typeof match === 'string') {
    const href = new URL(match).href;
    return ({ url }) => url.href.split('#')[0] === href;
  }
  throw new TypeError(`swkit: registerRoute: match must be a RegExp, a string or a function, not ${typeof match}`);
}
