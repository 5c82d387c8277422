// @ts-check
// The demo page: registers the worker through the swkit page helper and shows
// Mozilla's "cache, update and refresh": the worker answers /img from its cache
// at once, revalidates it in the background and, when the server had a new cat,
// tells the page, which fetches /img again (now answered from the refreshed
// cache) and swaps the picture in.
//
// Observable state, for people and for browser tests:
//   #status text              registering | controlled | offline-ready |
//                             update waiting | unsupported
//   document.body.dataset.imageUpdates   how many times the cat was swapped
//   document.body.dataset.swError        the last error the helper reported
//   document.body.dataset.push           off | offered | subscribed | denied |
//                                        default | unsupported | failed
import {register, subscribe} from './swkit.js';

const IMG_URL = new URL('/img', location.href).href;

const statusEl = /** @type {HTMLElement} */ (document.getElementById('status'));
const cat = /** @type {HTMLImageElement} */ (document.getElementById('cat'));
const banner = /** @type {HTMLElement} */ (document.getElementById('update'));
const updateButton = /** @type {HTMLButtonElement} */ (document.getElementById('update-button'));

/** How often the server rotates its cat, from the meta tag the server fills in. */
const rotateMS = Math.max(
  1000,
  Number(document.querySelector('meta[name="swkit-rotate"]')?.getAttribute('content')) || 10000,
);

// Statuses only move forward: "offline-ready" means the worker controls the
// page and holds everything it shows, the cat included; an update waiting
// stays shown until the page reloads.
const RANK = {registering: 0, controlled: 1, 'offline-ready': 2, 'update waiting': 3};

/** @param {keyof typeof RANK} status */
function setStatus(status) {
  const current = /** @type {keyof typeof RANK} */ (statusEl.textContent);
  if (current in RANK && RANK[current] > RANK[status]) return;
  statusEl.textContent = status;
}

let imageUpdates = 0;
let objectURL = '';
let refreshing = Promise.resolve();
document.body.dataset.imageUpdates = '0';

/**
 * Fetches /img (answered by the worker from the cache it has just refreshed)
 * and shows it, releasing the previous object URL.
 */
async function refreshImage() {
  const response = await fetch(IMG_URL);
  if (!response.ok) throw new Error(`GET /img: ${response.status}`);
  const url = URL.createObjectURL(await response.blob());
  cat.src = url;
  try {
    await cat.decode();
  } catch (err) {
    URL.revokeObjectURL(url);
    throw new Error('decode the new cat', {cause: err});
  }
  if (objectURL) URL.revokeObjectURL(objectURL);
  objectURL = url;
  imageUpdates++;
  document.body.dataset.imageUpdates = String(imageUpdates);
}

/**
 * Makes sure the worker's cache holds the cat: asks for it through the worker
 * unless a cache already answers.
 */
async function warmImage() {
  if (await caches.match(IMG_URL)) return;
  const response = await fetch(IMG_URL);
  if (!response.ok) throw new Error(`GET /img: ${response.status}`);
  await response.arrayBuffer();
  // The worker stores the response while the page reads it; wait for it.
  for (let i = 0; i < 50 && !(await caches.match(IMG_URL)); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (!(await caches.match(IMG_URL))) throw new Error('the cat did not reach the cache');
}

/** @param {unknown} err */
function reportError(err) {
  console.error('swkit demo:', err);
  document.body.dataset.swError = err instanceof Error ? err.message : String(err);
}

async function start() {
  if (!('serviceWorker' in navigator)) {
    statusEl.textContent = 'unsupported';
    return;
  }
  const sw = register('./sw.js', {reloadOnUpdate: true});

  // The precache holds the page once the worker is active, but the cat is a
  // runtime route: it is cached the first time it is fetched through the
  // worker. The worker claims the page on its first visit (clientsClaim), so
  // fetch the cat through it then, and only then say the page works offline.
  // (The seed passed ready.then the result of console.log, not a function.)
  const whenControlled = () => {
    setStatus('controlled');
    warmImage().then(() => setStatus('offline-ready'), reportError);
  };
  if (navigator.serviceWorker.controller) whenControlled();
  sw.addEventListener('controlling', whenControlled);
  sw.addEventListener('waiting', () => {
    setStatus('update waiting');
    banner.hidden = false;
  });
  sw.addEventListener('cache-updated', (/** @type {any} */ event) => {
    const url = event.detail?.url;
    if (url && new URL(url, location.href).href === IMG_URL) {
      // One swap at a time, so a swap never revokes the URL another is decoding.
      refreshing = refreshing.then(refreshImage).catch(reportError);
    }
  });
  sw.addEventListener('error', (/** @type {any} */ event) => reportError(event.detail?.error ?? event.detail ?? 'error'));
  updateButton.addEventListener('click', () => {
    // The waiting worker takes over; reloadOnUpdate then reloads the page
    // once, on controllerchange. False when no worker waits any more.
    updateButton.disabled = sw.messageSkipWaiting();
  });

  // A long-lived page keeps asking for the cat: each request lets the worker
  // revalidate /img, and a new cat comes back as a cache-updated event.
  setInterval(() => {
    fetch(IMG_URL).catch(() => {
      // Offline and not cached yet: nothing to show, try again next time.
    });
  }, rotateMS);
}

/**
 * Offers "Notify me about new cats" when the server has push on (it fills
 * in the swkit-push meta tag); the server sends "A new cat" on each rotation.
 */
function offerPush() {
  const on = document.querySelector('meta[name="swkit-push"]')?.getAttribute('content') === 'on';
  document.body.dataset.push = on ? 'offered' : 'off';
  if (!on) return;
  const box = /** @type {HTMLElement} */ (document.getElementById('push'));
  const button = /** @type {HTMLButtonElement} */ (document.getElementById('push-button'));
  const status = /** @type {HTMLElement} */ (document.getElementById('push-status'));
  box.hidden = false;
  const messages = {
    subscribed: 'You will be told about each new cat.',
    denied: 'Notifications are blocked for this site.',
    default: 'Notifications were not allowed.',
    unsupported: 'This browser cannot receive push notifications.',
  };
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      // Asked on the click: browsers only show the permission prompt then.
      const {permission} = await subscribe();
      const state = permission === 'granted' ? 'subscribed' : permission;
      document.body.dataset.push = state;
      status.textContent = messages[/** @type {keyof typeof messages} */ (state)] ?? state;
      button.disabled = state === 'subscribed';
    } catch (err) {
      document.body.dataset.push = 'failed';
      status.textContent = 'Could not subscribe; try again later.';
      button.disabled = false;
      reportError(err);
    }
  });
}

offerPush();
start().catch(reportError);
