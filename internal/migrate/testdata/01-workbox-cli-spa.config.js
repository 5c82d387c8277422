// Workbox generateSW configuration for a small single-page app built into
// dist/. Used as the reference for workbox-translated.swkit.json: the same
// site, precached and routed the same way, so a browser test can compare the
// two workers' behaviour.
//
// Run with: npx workbox-cli generateSW testdata/workbox/generateSW.config.js
module.exports = {
  globDirectory: 'dist/',
  globPatterns: ['**/*.{html,js,css,svg,png,webmanifest}'],
  globIgnores: ['**/*.map', 'reports/**'],
  swDest: 'dist/sw.js',
  maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
  // Bundler output carries an 8-character content hash: index-3f9a1c2b.js.
  dontCacheBustURLsMatching: /-[0-9a-f]{8}\./,
  ignoreURLParametersMatching: [/^utm_/, /^fbclid$/],
  navigateFallback: '/index.html',
  navigateFallbackDenylist: [/^\/api\//, /^\/admin/],
  skipWaiting: true,
  clientsClaim: true,
  cleanupOutdatedCaches: true,
  runtimeCaching: [
    {
      urlPattern: /\.(?:png|jpe?g|gif|webp|avif)$/i,
      handler: 'CacheFirst',
      options: {
        cacheName: 'images',
        expiration: {
          maxEntries: 60,
          maxAgeSeconds: 30 * 24 * 60 * 60,
          purgeOnQuotaError: true,
        },
        cacheableResponse: { statuses: [0, 200] },
      },
    },
    {
      urlPattern: ({ url }) => url.pathname.startsWith('/api/'),
      handler: 'NetworkFirst',
      method: 'GET',
      options: {
        cacheName: 'api',
        networkTimeoutSeconds: 3,
        expiration: { maxEntries: 100, maxAgeSeconds: 5 * 60 },
        cacheableResponse: { statuses: [200] },
      },
    },
    {
      urlPattern: /^https:\/\/fonts\.(?:googleapis|gstatic)\.com\/.*/,
      handler: 'StaleWhileRevalidate',
      options: {
        cacheName: 'fonts',
        expiration: { maxEntries: 30 },
        cacheableResponse: { statuses: [0, 200] },
      },
    },
  ],
};
