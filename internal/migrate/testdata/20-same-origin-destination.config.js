// workbox-cli: same-origin scripts and styles, and every navigation.
module.exports = {
  globDirectory: 'out',
  globPatterns: ['index.html'],
  swDest: 'out/sw.js',
  runtimeCaching: [
    {
      urlPattern: ({ request, sameOrigin }) => sameOrigin && (request.destination === 'script' || request.destination === 'style'),
      handler: 'StaleWhileRevalidate',
      options: { cacheName: 'assets', matchOptions: { ignoreSearch: true } },
    },
    {
      urlPattern: ({ request }) => request.mode === 'navigate',
      handler: 'NetworkFirst',
      options: { cacheName: 'pages', networkTimeoutSeconds: 3, fetchOptions: { credentials: 'include' } },
    },
  ],
};
