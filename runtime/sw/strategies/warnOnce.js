let warned = false;

/**
 * Logs the first background failure of this worker's life, so that a page
 * that polls while offline does not flood the console.
 *
 * @param {string} message
 * @param {unknown} err
 */
export function warnOnce(message, err) {
  if (warned) return;
  warned = true;
  console.warn(`${message} (later failures are not logged)`, err);
}
