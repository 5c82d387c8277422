/**
 * fetch(request), tried again after a network error or a 5xx answer, with a
 * short linear backoff. Other answers (including 4xx) are returned at once for
 * the caller to judge.
 *
 * A fetch that fails its integrity check rejects with the same TypeError as a
 * network error, so it is tried again too; the caller's error names both causes.
 *
 * Two retries; the n-th waits n * 250 ms first.
 *
 * @param {Request} request Cloned for every attempt.
 * @returns {Promise<Response>}
 */
export async function fetchWithRetry(request) {
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await fetch(request.clone());
      if (response.status < 500 || attempt >= 2) return response;
    } catch (err) {
      if (attempt >= 2) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, (attempt + 1) * 250));
  }
}
