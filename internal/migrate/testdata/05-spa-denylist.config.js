// workbox-cli v5-era SPA: the old list name, and a denylist for files.
module.exports = {
  globDirectory: 'dist/',
  globPatterns: ['**/*.{js,css,html,png,svg,ico}'],
  swDest: 'dist/sw.js',
  navigateFallback: '/index.html',
  navigateFallbackBlacklist: [/^\/_/, /\/[^/?]+\.[^/]+$/],
  skipWaiting: true,
};
