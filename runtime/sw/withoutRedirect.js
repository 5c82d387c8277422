/**
 * A copy of response without its `redirected` flag. The fetch spec forbids a
 * service worker to answer a navigation with a redirected response
 * (https://fetch.spec.whatwg.org/#concept-response-redirected, "handle fetch"
 * step for navigations), so a precached response must not carry it.
 *
 * @param {Response} response
 * @returns {Response}
 */
export function withoutRedirect(response) {
  if (!response.redirected) return response;
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
