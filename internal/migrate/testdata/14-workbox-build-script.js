// A build script calling workbox-build.
const workboxBuild = require('workbox-build');

const buildSW = () => workboxBuild.generateSW({
  globDirectory: 'dist',
  globPatterns: ['**/*.{html,json,js,css}'],
  swDest: 'dist/sw.js',
  navigateFallback: 'index.html',
  navigateFallbackAllowlist: [/^\/app\//],
  ignoreURLParametersMatching: [/^utm_/, /^ref$/],
}).then(({ count, size }) => {
  console.log(`Generated a service worker, which will precache ${count} files, totaling ${size} bytes.`);
});

buildSW();
