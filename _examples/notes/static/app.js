// The pages' script: registers the worker, lists the notes from the API
// (the worker answers from its cache when offline), adds notes (queued by
// the worker when offline) and subscribes to push.
import { register, replay, subscribe } from '/swkit.js';

const status = document.getElementById('status');
const sw = register('/sw.js');
navigator.serviceWorker?.ready.then(() => { status.textContent = 'offline-ready'; });
addEventListener('offline', () => { status.textContent = 'offline'; });

const list = document.getElementById('notes');
const queue = document.getElementById('queue');
const pending = new Set();

async function load() {
  if (!list) return;
  try {
    const notes = await (await fetch('/api/notes')).json();
    list.replaceChildren(...notes.map((n) => Object.assign(document.createElement('li'), { textContent: n.text })));
  } catch (err) {
    list.replaceChildren(Object.assign(document.createElement('li'), { textContent: `unavailable (${err.message})` }));
  }
}

function showQueue() {
  queue.hidden = pending.size === 0;
  queue.textContent = `${pending.size} note(s) waiting for the network`;
}

// Background sync: a note posted offline is queued, then sent.
sw.addEventListener('queued', (e) => { pending.add(e.detail.id); showQueue(); });
sw.addEventListener('sent', (e) => { pending.delete(e.detail.id); showQueue(); load(); });

document.getElementById('new')?.addEventListener('submit', async (e) => {
  e.preventDefault();
  const input = document.getElementById('text');
  const text = input.value;
  input.value = '';
  const response = await fetch('/api/notes', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ text }),
  });
  if (response.status === 202) {
    // Queued by the worker (offline): shown as waiting until it is sent.
    list.prepend(Object.assign(document.createElement('li'), { textContent: `${text} (waiting)`, className: 'queued' }));
    return;
  }
  load();
// Notes queued while offline go out as soon as a page of the app loads.
replay().catch(() => {});
});

document.getElementById('notify')?.addEventListener('click', async () => {
  const out = document.getElementById('push');
  out.textContent = 'asking…';
  try {
    const result = await subscribe();
    out.textContent = result.permission === 'granted' ? 'you will be notified' : `not subscribed (${result.permission})`;
  } catch (err) {
    out.textContent = `failed: ${err.message}${err.cause ? ` (${err.cause.message})` : ''}`;
  }
});

load();
// Notes queued while offline go out as soon as a page of the app loads.
replay().catch(() => {});
