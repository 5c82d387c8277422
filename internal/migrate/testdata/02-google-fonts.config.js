// workbox-cli: a blog with Google Fonts, as Google's own guide writes it.
module.exports = {
  globDirectory: 'public/',
  globPatterns: ['**/*.{html,css,js,woff2}'],
  swDest: 'public/sw.js',
  runtimeCaching: [
    {
      urlPattern: /^https:\/\/fonts\.googleapis\.com/,
      handler: 'StaleWhileRevalidate',
      options: { cacheName: 'google-fonts-stylesheets' },
    },
    {
      urlPattern: /^https:\/\/fonts\.gstatic\.com/,
      handler: 'CacheFirst',
      options: {
        cacheName: 'google-fonts-webfonts',
        cacheableResponse: { statuses: [0, 200] },
        expiration: { maxAgeSeconds: 60 * 60 * 24 * 365, maxEntries: 30 },
      },
    },
  ],
};
