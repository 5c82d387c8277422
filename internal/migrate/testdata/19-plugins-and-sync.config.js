// workbox-cli: a plugin (code) and background sync on POSTs.
module.exports = {
  globDirectory: 'dist',
  globPatterns: ['**/*.{html,js}'],
  swDest: 'dist/sw.js',
  runtimeCaching: [
    {
      urlPattern: /\/api\/.*\/*.json/,
      handler: 'NetworkOnly',
      method: 'POST',
      options: { backgroundSync: { name: 'myQueue', options: { maxRetentionTime: 24 * 60 } } },
    },
    {
      urlPattern: /\.(?:mp4|webm)$/,
      handler: 'CacheFirst',
      options: {
        cacheName: 'videos',
        rangeRequests: true,
        plugins: [{ cacheWillUpdate: async ({ response }) => response }],
      },
    },
  ],
};
