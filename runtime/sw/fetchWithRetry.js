/**
 * fetch(request), tried again after a network error or a 5xx answer, with a
 * short linear backoff. Other answers (including 4xx) are returned at once for
 * the caller to judge.
 *
 * A fetch that fails its integrity check rejects with the same TypeError as a
 * network error, so it is tried again too; the caller's error names both causes.
 *
 * @param {Request} request Cloned for every attempt.
 * @param {number} retries Attempts after the first.
 * @param {number} [backoffMs] Wait before the n-th retry: n * backoffMs.
 * @returns {Promise<Response>}
 */
export async function fetchWithRetry(request, retries, backoffMs = 250) {
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await fetch(request.clone());
      if (response.status < 500 || attempt >= retries) return response;
    } catch (err) {
      if (attempt >= retries) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, (attempt + 1) * backoffMs));
  }
}
