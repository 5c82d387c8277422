// @ts-check
// "Vote for this cat": a form that works with the server stopped. The page
// posts each vote with fetch; the service worker sends it, or, when the
// network fails, keeps it in IndexedDB and answers 202 {queued, queueId,
// queue}, replaying it later with the same Idempotency-Key, which the server
// applies once. Nobody needs to reload or click: the page helper asks the
// worker to try again while votes wait, and its events move each vote from
// queued to sent.
//
// Observable state, for people and for browser tests:
//   #vote-items li[data-state]       queued | sent | failed, one per vote
//   li[data-queue-id]                the worker's queue id of a queued vote
//   document.body.dataset.votesReceived   votes the server listed last time
import {queue, syncEvents} from './swkit.js';

const VOTES_URL = '/api/votes';
const QUEUE = 'votes';

const section = /** @type {HTMLElement} */ (document.getElementById('votes'));
section.innerHTML = `
  <h2>Vote for this cat</h2>
  <form id="vote-form">
    <input id="vote-note" name="note" maxlength="280" placeholder="Why this one? (optional)" aria-label="Note">
    <button type="submit">Vote for this cat</button>
  </form>
  <p class="try">Stop the server and vote: the votes wait in the service worker and reach the server, once each, within seconds of it being back. Leave the page open: nothing to click.</p>
  <h3>Your votes</h3>
  <ol id="vote-items"></ol>
  <h3>Received by the server <small id="votes-status"></small></h3>
  <ol id="votes-received"></ol>`;

const form = /** @type {HTMLFormElement} */ (document.getElementById('vote-form'));
const note = /** @type {HTMLInputElement} */ (document.getElementById('vote-note'));
const items = /** @type {HTMLOListElement} */ (document.getElementById('vote-items'));
const received = /** @type {HTMLOListElement} */ (document.getElementById('votes-received'));
const status = /** @type {HTMLElement} */ (document.getElementById('votes-status'));

/**
 * The cat on show: the number the server gave the picture the worker cached
 * (X-Swkit-Image), which is there offline too.
 */
async function currentCat() {
  const cached = await caches.match(new URL('/img', location.href).href).catch(() => undefined);
  const n = Number(cached?.headers.get('X-Swkit-Image'));
  return n >= 1 && n <= 10 ? n : 1;
}

/**
 * @param {HTMLLIElement} li
 * @param {'queued' | 'sent' | 'failed'} state
 * @param {string} [why]
 */
function setState(li, state, why) {
  li.dataset.state = state;
  /** @type {HTMLElement} */ (li.querySelector('.state')).textContent = why ? `${state} (${why})` : state;
}

/** @param {string} label */
function addItem(label) {
  const li = document.createElement('li');
  li.append(label + ' — ');
  const state = document.createElement('strong');
  state.className = 'state';
  li.append(state);
  items.append(li);
  return li;
}

/** @param {number | undefined} queueId */
function itemFor(queueId) {
  return /** @type {HTMLLIElement | null} */ (items.querySelector(`li[data-queue-id="${queueId}"]`));
}

/**
 * A vote's label from its JSON body.
 *
 * @param {{cat?: number, note?: string}} vote
 */
function label(vote) {
  return `cat ${vote.cat}${vote.note ? ': ' + vote.note : ''}`;
}

/** Shows what the server holds; says so when it cannot be reached. */
async function refreshReceived() {
  try {
    const response = await fetch(VOTES_URL, {cache: 'no-store'});
    if (!response.ok) throw new Error(`GET ${VOTES_URL}: ${response.status}`);
    /** @type {{id: number, cat: number, note: string}[]} */
    const votes = await response.json();
    received.replaceChildren(
      ...votes.map((v) => {
        const li = document.createElement('li');
        li.textContent = `cat ${v.cat}${v.note ? ': ' + v.note : ''}`;
        return li;
      }),
    );
    status.textContent = '';
    document.body.dataset.votesReceived = String(votes.length);
  } catch {
    status.textContent = '(server unreachable)';
  }
}

/** Votes go out one after another, in the order they were made. */
let sending = Promise.resolve();

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = note.value.trim();
  note.value = '';
  sending = sending.then(() => vote(text));
});

/** @param {string} text */
async function vote(text) {
  const cat = await currentCat();
  const li = addItem(label({cat, note: text}));
  setState(li, 'queued', 'sending');
  try {
    const response = await fetch(VOTES_URL, {
      method: 'POST',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({cat, note: text}),
    });
    if (response.headers.get('Swkit-Queued') === '1') {
      const {queueId} = await response.json();
      li.dataset.queueId = String(queueId);
      setState(li, 'queued');
    } else if (response.ok) {
      setState(li, 'sent');
      refreshReceived();
    } else {
      setState(li, 'failed', String(response.status));
    }
  } catch {
    // No worker to queue it (first visit, unsupported browser) and no network.
    setState(li, 'failed', 'offline');
  }
}

const events = syncEvents();
events.addEventListener('sent', (/** @type {any} */ event) => {
  const li = itemFor(event.detail.queueId);
  if (li) setState(li, 'sent');
  refreshReceived();
});
events.addEventListener('failed', (/** @type {any} */ event) => {
  const li = itemFor(event.detail.queueId);
  if (li) setState(li, 'failed', event.detail.reason === 'expired' ? 'too old' : String(event.detail.status));
});

// Votes still waiting from an earlier visit, with what they say.
queue(QUEUE)
  .then((waiting) => {
    for (const w of waiting) {
      let vote = {};
      try {
        vote = JSON.parse(new TextDecoder().decode(w.body || undefined));
      } catch {}
      const li = addItem(`${label(vote)} (${new Date(w.timestamp).toLocaleTimeString()})`);
      li.dataset.queueId = String(w.queueId);
      setState(li, 'queued');
    }
  })
  .catch((err) => console.error('swkit demo: reading the queue', err));
refreshReceived();
