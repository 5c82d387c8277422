// workbox-cli: images by destination, with expiration.
module.exports = {
  globDirectory: 'build/',
  globPatterns: ['**/*.{html,js,css,json}'],
  swDest: 'build/sw.js',
  runtimeCaching: [{
    urlPattern: ({ request }) => request.destination === 'image',
    handler: 'CacheFirst',
    options: {
      cacheName: 'images',
      expiration: { maxEntries: 60, maxAgeSeconds: 30 * 24 * 60 * 60 },
    },
  }],
};
