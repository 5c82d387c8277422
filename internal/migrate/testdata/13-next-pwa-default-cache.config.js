// next-pwa with its default cache list and a catch-all of next-pwa's kind.
const runtimeCaching = require('next-pwa/cache');
const withPWA = require('next-pwa')({
  dest: 'public',
  skipWaiting: false,
  runtimeCaching: [
    ...runtimeCaching,
    { urlPattern: /.*/i, handler: 'NetworkFirst', options: { cacheName: 'others', networkTimeoutSeconds: 10 } },
  ],
});
module.exports = withPWA({});
