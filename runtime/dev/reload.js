// swkit dev's reload client. swkit dev adds it to every HTML page it serves;
// swkit build and swkit serve never do.
//
// The server sends the site's version on connecting and after every
// rebuild. A version other than the first one seen means the site changed
// (or the server restarted and may have): reload. EventSource reconnects
// by itself after the server comes back.

/** @type {string | undefined} */
let version;
const events = new EventSource(new URL('/swkit/dev/events', import.meta.url));
events.addEventListener('message', (event) => {
  if (version === undefined) {
    version = event.data;
  } else if (event.data !== version) {
    events.close();
    location.reload();
  }
});
