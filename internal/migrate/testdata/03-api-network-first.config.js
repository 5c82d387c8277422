// workbox-cli: an API route written as a function, network first.
module.exports = {
  globDirectory: 'dist',
  globPatterns: ['**/*.{html,js,css}'],
  swDest: 'dist/service-worker.js',
  clientsClaim: true,
  runtimeCaching: [{
    urlPattern: ({ url }) => url.pathname.startsWith('/api/'),
    handler: 'NetworkFirst',
    options: {
      cacheName: 'api-cache',
      networkTimeoutSeconds: 10,
      expiration: { maxEntries: 50, maxAgeSeconds: 5 * 60 },
      cacheableResponse: { statuses: [0, 200] },
    },
  }],
};
