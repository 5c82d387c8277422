// workbox-cli: pages a server renders, assets on a CDN, an extra script.
module.exports = {
  globDirectory: '_site',
  globPatterns: ['assets/**/*.{css,js}'],
  swDest: '_site/sw.js',
  additionalManifestEntries: [
    { url: '/', revision: '2026-12-01' },
    { url: '/about/', revision: null },
    '/manifest.webmanifest?v=3',
  ],
  templatedURLs: { '/app-shell': ['layouts/*.html'], '/offline': 'v4' },
  modifyURLPrefix: { 'assets/': 'https://cdn.example.com/assets/' },
  importScripts: ['analytics-sw.js'],
};
