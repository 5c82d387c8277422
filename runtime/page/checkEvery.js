/**
 * Calls check every interval milliseconds while the page can use the result:
 * a check is skipped while the document is hidden or the browser is offline
 * (it would only wake the network for nobody, or fail), and an overdue check
 * runs as soon as the page is visible and online again.
 *
 * @param {number} interval Milliseconds between checks.
 * @param {() => void} check
 */
export function checkEvery(interval, check) {
  let last = Date.now();
  const usable = () => document.visibilityState === 'visible' && navigator.onLine !== false;
  const run = () => {
    if (!usable()) return;
    last = Date.now();
    check();
  };
  setInterval(run, interval);
  const resume = () => {
    if (Date.now() - last >= interval) run();
  };
  document.addEventListener('visibilitychange', resume);
  addEventListener('online', resume);
}
