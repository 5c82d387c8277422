const DEFAULT_HEADERS = ['content-length', 'etag', 'last-modified'];

/**
 * Whether two responses for one URL differ: by the listed headers when at
 * least one of them is present on both, otherwise by their bodies.
 *
 * @param {Response} before Its body is read only for a body comparison.
 * @param {Response} after Its body is read only for a body comparison.
 * @param {string[]} [headersToCheck]
 * @returns {Promise<boolean>}
 */
export async function responsesDiffer(before, after, headersToCheck = DEFAULT_HEADERS) {
  const shared = headersToCheck.filter((h) => before.headers.has(h) && after.headers.has(h));
  if (shared.length > 0) {
    return shared.some((h) => before.headers.get(h) !== after.headers.get(h));
  }
  const [a, b] = await Promise.all([before.arrayBuffer(), after.arrayBuffer()]);
  if (a.byteLength !== b.byteLength) return true;
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return true;
  return false;
}
