// workbox-cli: pages network first, an offline page when that fails.
module.exports = {
  globDirectory: 'site',
  globPatterns: ['offline.html', 'css/*.css'],
  swDest: 'site/sw.js',
  runtimeCaching: [{
    urlPattern: ({ request }) => request.mode === 'navigate',
    handler: 'NetworkFirst',
    options: {
      cacheName: 'pages',
      precacheFallback: { fallbackURL: '/offline.html' },
    },
  }],
};
