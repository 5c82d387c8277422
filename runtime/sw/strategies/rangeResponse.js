/**
 * The part of a whole response that a request's Range header asks for, as
 * a server would send it: 206 with Content-Range, or 416 when the range lies
 * past the end. A request without a single byte range, or a response that is
 * not a whole 200, is answered with the response as it is (a 200 is a valid
 * answer to any range request). Audio and video elements ask for ranges, so
 * this is what lets them play and seek from a cache.
 *
 * @param {Request} request
 * @param {Response} response
 * @returns {Promise<Response>}
 */
export async function rangeResponse(request, response) {
  const m = /^bytes=(\d*)-(\d*)$/.exec((request.headers.get('range') || '').trim());
  if (!m || (!m[1] && !m[2]) || response.status !== 200) return response;
  const blob = await response.blob();
  const size = blob.size;
  let start = m[1] ? Number(m[1]) : Math.max(0, size - Number(m[2]));
  let end = m[1] && m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
  const headers = new Headers(response.headers);
  if (start >= size || start > end) {
    headers.set('content-range', `bytes */${size}`);
    headers.delete('content-length');
    return new Response(null, { status: 416, statusText: 'Range Not Satisfiable', headers });
  }
  headers.set('content-range', `bytes ${start}-${end}/${size}`);
  headers.set('content-length', String(end - start + 1));
  return new Response(blob.slice(start, end + 1), { status: 206, statusText: 'Partial Content', headers });
}

/**
 * A route handler whose answers to range requests are cut to the range.
 *
 * @param {(context: import('./fetchAndCache.js').Context) => Promise<Response>} handler
 * @returns {(context: import('./fetchAndCache.js').Context) => Promise<Response>}
 */
export function rangeRequests(handler) {
  return async (context) => {
    const response = await handler(context);
    return context.request.headers.has('range') ? rangeResponse(context.request, response) : response;
  };
}
