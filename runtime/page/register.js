import { checkEvery } from './checkEvery.js';
export { setTags, subscribe, unsubscribe } from './push.js';
import { watchSync } from './sync.js';
export { queue, replay, syncEvents } from './sync.js';

/**
 * @typedef {object} RegisterOptions
 * @property {string} [scope] Registration scope (default: the script's folder).
 * @property {number} [updateInterval] Milliseconds between update checks
 *   (registration.update()), for long-lived pages; skipped while the page is
 *   hidden or offline, and run when it is visible and online again.
 * @property {boolean} [reloadOnUpdate] Reload once when an updated worker takes
 *   control; never on the first install, which gives an uncontrolled page its
 *   first controller.
 */

/**
 * @typedef {EventTarget & {
 *   registration: ServiceWorkerRegistration | null,
 *   messageSkipWaiting: () => boolean,
 * }} Updates
 */

/**
 * Registers the service worker after the page has loaded, where service
 * workers exist, and reports its lifecycle as events:
 * - `waiting`: a new version is installed and waits (also at page load when
 *   one already waits); ask the user, then call messageSkipWaiting().
 * - `controlling`: a worker took control of this page (controllerchange).
 * - `activated`: a worker of this registration became active.
 * - `cache-updated`: the worker stored newer content; detail {cacheName, url}.
 * - `no-store`: a caching route got a response marked Cache-Control:
 *   no-store, which it never stores, so that URL will not work offline;
 *   detail {cacheName, url}. Once per route's cache and worker.
 * - `error`: registration or an update check failed, or a new version failed
 *   to install (a precached file missing, changed since the build, or the
 *   network gone: the old version keeps control); detail {error}, plus
 *   {worker} for a failed install.
 * - `queued`, `sent`, `failed`: background sync (sync.js); detail {queueId,
 *   queue, url, status, reason}. `sync-unavailable`: the browser refused to
 *   register a sync (background sync turned off for the site); detail
 *   {queue, reason}. Queued requests are then sent while a page is open.
 *
 * @param {string} [scriptURL]
 * @param {RegisterOptions} [options]
 * @returns {Updates}
 */
export function register(scriptURL = '/sw.js', { scope, updateInterval, reloadOnUpdate } = {}) {
  const updates = /** @type {Updates} */ (new EventTarget());
  updates.registration = null;
  updates.messageSkipWaiting = () => {
    const waiting = updates.registration && updates.registration.waiting;
    if (waiting) waiting.postMessage({ type: 'swkit:skip-waiting' });
    return Boolean(waiting);
  };
  if (!('serviceWorker' in navigator)) return updates;

  const container = navigator.serviceWorker;
  /** @param {string} type @param {object} [detail] */
  const emit = (type, detail) => updates.dispatchEvent(new CustomEvent(type, { detail }));
  watchSync(container, emit);

  container.addEventListener('message', (event) => {
    const data = event.data;
    if (data && (data.type === 'swkit:cache-updated' || data.type === 'swkit:no-store')) {
      emit(data.type.slice(6), { cacheName: data.cacheName, url: data.url });
    }
  });

  // An update replaces a controller; a first install (with clientsClaim)
  // gives one to a page that had none, which needs no reload.
  let controlled = Boolean(container.controller);
  let reloading = false;
  container.addEventListener('controllerchange', () => {
    emit('controlling');
    if (reloadOnUpdate && controlled && !reloading) {
      reloading = true;
      // Once the new worker is activated: WebKit sends a navigation made
      // while it activates to the network instead of to the worker.
      const worker = container.controller;
      if (worker && worker.state === 'activating') {
        worker.addEventListener('statechange', () => location.reload(), { once: true });
      } else {
        location.reload();
      }
    }
    controlled = true;
  });

  /** @type {WeakSet<ServiceWorker>} */
  const tracked = new WeakSet();
  /** @param {ServiceWorkerRegistration} registration @param {ServiceWorker | null} worker */
  const track = (registration, worker) => {
    // updatefound can fire before or after register() resolves.
    if (!worker || tracked.has(worker)) return;
    tracked.add(worker);
    let installed = false;
    worker.addEventListener('statechange', () => {
      // Waiting means installed beside an active older version.
      if (worker.state === 'installed' && registration.active) emit('waiting', { worker });
      if (worker.state === 'activated') emit('activated', { worker });
      if (worker.state !== 'redundant') {
        installed = worker.state !== 'installing';
      } else if (!installed) {
        // Straight from installing to redundant: the install failed (a
        // precached file answered non-2xx, did not match its integrity hash,
        // or the network went away), so the worker that was in control, if
        // any, stays in control. The worker's own error is not visible here.
        const error = new Error(`swkit: ${worker.scriptURL} failed to install; the current version stays in control (see the worker's console for the file that failed)`);
        emit('error', { error, worker });
      }
    });
  };

  const start = async () => {
    try {
      const registration = await container.register(scriptURL, scope ? { scope } : undefined);
      updates.registration = registration;
      if (registration.waiting && registration.active) emit('waiting', { worker: registration.waiting });
      track(registration, registration.installing);
      registration.addEventListener('updatefound', () => track(registration, registration.installing));
      if (updateInterval && updateInterval > 0) {
        checkEvery(updateInterval, () => registration.update().catch((error) => emit('error', { error })));
      }
    } catch (error) {
      emit('error', { error });
    }
  };
  // After load, so the worker's precaching does not compete with the page's
  // own first loads.
  if (document.readyState === 'complete') start();
  else addEventListener('load', start, { once: true });
  return updates;
}
