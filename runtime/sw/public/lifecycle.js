/**
 * Lets pages make a waiting worker take over: the page helper's
 * messageSkipWaiting() posts {type: 'swkit:skip-waiting'}. Without this (or
 * skipWaiting()), a new version waits until every tab of the old one
 * has closed.
 */
export function skipWaitingOnMessage() {
  addEventListener('message', (event) => {
    if (event.data && event.data.type === 'swkit:skip-waiting') skipWaiting();
  });
}

/**
 * Takes control of open pages that have no worker yet as soon as this worker
 * activates (the first install), instead of at their next navigation.
 */
export function clientsClaim() {
  addEventListener('activate', (event) => event.waitUntil(clients.claim()));
}
