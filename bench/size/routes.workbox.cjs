// workbox generateSW config equivalent to routes.swkit.json: precache, plus
// staleWhileRevalidate with expiration, networkFirst with a timeout, and a
// POST route with background sync. bench/size/run.sh sets GLOB_DIR and SW_DEST.
module.exports = {
  globDirectory: process.env.GLOB_DIR,
  globPatterns: ['**/*'],
  swDest: process.env.SW_DEST,
  maximumFileSizeToCacheInBytes: 2 * 1024 * 1024,
  mode: 'production',
  runtimeCaching: [
    {
      urlPattern: /\.(?:png|jpe?g|webp|gif|svg)$/,
      handler: 'StaleWhileRevalidate',
      options: {
        cacheName: 'images',
        expiration: { maxEntries: 60, maxAgeSeconds: 2592000 },
      },
    },
    {
      urlPattern: /\/api\/news/,
      handler: 'NetworkFirst',
      options: { cacheName: 'news', networkTimeoutSeconds: 3 },
    },
    {
      urlPattern: /\/api\/votes/,
      method: 'POST',
      handler: 'NetworkOnly',
      options: { backgroundSync: { name: 'votes', options: { maxRetentionTime: 1440 } } },
    },
  ],
};
