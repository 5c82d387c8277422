// The page's script: register the worker through swkit's page helper and
// show the server's time. A separate file, not an inline script, so that the
// Content-Security-Policy "default-src 'self'" holds.
import { register } from '/swkit.js';

const status = document.getElementById('status');
const updates = register('/sw.js', { reloadOnUpdate: true });

if (!('serviceWorker' in navigator)) {
  status.textContent = 'not supported by this browser';
} else {
  navigator.serviceWorker.ready.then(() => { status.textContent = 'offline-ready'; });
}
updates.addEventListener('waiting', () => {
  document.getElementById('update').hidden = false;
});
document.getElementById('reload').addEventListener('click', () => updates.messageSkipWaiting());
updates.addEventListener('error', (event) => {
  status.textContent = 'failed: ' + event.detail.error;
});

try {
  const response = await fetch('/api/time');
  const { time } = await response.json();
  document.getElementById('time').textContent = new Date(time).toLocaleString();
} catch (error) {
  document.getElementById('time').textContent = 'unavailable (' + error.message + ')';
}
