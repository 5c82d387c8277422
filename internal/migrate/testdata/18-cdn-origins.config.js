// workbox-cli: images from a CDN by origin, two font hosts with ||.
module.exports = {
  globDirectory: 'public',
  globPatterns: ['**/*.html'],
  swDest: 'public/sw.js',
  runtimeCaching: [
    {
      urlPattern: ({ url }) => url.origin === 'https://images.example.com',
      handler: 'CacheFirst',
      options: { cacheName: 'cdn-images', expiration: { maxEntries: 100 } },
    },
    {
      urlPattern: ({ url }) => url.origin === 'https://fonts.googleapis.com' || url.origin === 'https://fonts.gstatic.com',
      handler: 'StaleWhileRevalidate',
      options: { cacheName: 'fonts' },
    },
  ],
};
