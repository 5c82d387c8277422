// A function urlPattern that no JSON form says: the route is left out.
module.exports = {
  globDirectory: 'www',
  globPatterns: ['**/*.html'],
  swDest: 'www/sw.js',
  runtimeCaching: [
    {
      urlPattern: ({ url, request }) => /^\/(fr|en)\//.test(url.pathname) && request.method === 'GET',
      handler: 'NetworkFirst',
    },
    {
      urlPattern: ({ url }) => url.pathname.endsWith('.json'),
      handler: 'NetworkFirst',
      options: { cacheName: 'data' },
    },
  ],
};
