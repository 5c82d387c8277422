/**
 * @typedef {object} RouteContext
 * @property {FetchEvent} event
 * @property {Request} request
 * @property {URL} url
 */

/**
 * @typedef {object} PublicRoute
 * @property {(context: RouteContext) => boolean} match
 * @property {string} method Upper-case HTTP method.
 * @property {(context: RouteContext) => Promise<Response>} handler
 */

/** @type {PublicRoute[]} */
const routes = [];
/** @type {((context: RouteContext) => Promise<Response> | undefined) | undefined} */
let precached;
let listening = false;

/**
 * Adds a route after those already added.
 *
 * @param {PublicRoute} route
 */
export function addRoute(route) {
  routes.push(route);
  listen();
}

/**
 * Sets the precache lookup, consulted before every route.
 *
 * @param {(context: RouteContext) => Promise<Response> | undefined} lookup
 */
export function setPrecache(lookup) {
  if (precached) throw new Error('swkit: precacheAndRoute was called twice');
  precached = lookup;
  listen();
}

// One fetch listener for the precache and every route, added during the
// script's first run (the first call happens at the top level of the worker).
function listen() {
  if (listening) return;
  listening = true;
  addEventListener('fetch', (event) => {
    const { request } = event;
    const context = { event, request, url: new URL(request.url) };
    const answer =
      (precached && precached(context)) ||
      routes.find((r) => r.method === request.method && r.match(context))?.handler(context);
    // No respondWith when nothing matched: the browser fetches as if no
    // worker were there.
    if (answer) event.respondWith(answer);
  });
}
