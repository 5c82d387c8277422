// The modules a Workbox config file requires, as far as swkit migrate needs
// them: the plugins that take Workbox options hand them back marked, and
// everything else is a harmless stub, so that a whole vite, webpack or
// next config evaluates without its packages installed.
(function (global) {
  const stub = new Proxy(function () {}, {
    get: (target, key) => (key === '__esModule' ? false : key === Symbol.toPrimitive ? () => '' : stub),
    apply: () => stub,
    construct: () => stub,
  });
  // Calls whose result is not exported (a workbox-build script) are kept.
  global.__swkitCalls = [];
  const found = (from) => (options) => {
    const f = { __swkitFound: from, options: options || {} };
    global.__swkitCalls.push(f);
    return f;
  };
  // workbox-build's generateSW returns a promise; a script chains on it.
  const thenable = { then: () => thenable, catch: () => thenable, finally: () => thenable };
  const path = {
    join: (...p) => p.filter(Boolean).join('/').replace(/\/+/g, '/'),
    resolve: (...p) => p.filter(Boolean).join('/').replace(/\/+/g, '/'),
    dirname: (p) => String(p).replace(/\/[^/]*$/, ''),
    basename: (p) => String(p).replace(/^.*\//, ''),
    extname: (p) => (/\.[^./]*$/.exec(String(p)) || [''])[0],
    sep: '/',
  };
  path.posix = path;
  function GenerateSW(options) { this.__swkitFound = 'workbox-webpack-plugin'; this.options = options || {}; }
  function InjectManifest(options) { this.__swkitFound = 'injectManifest'; this.options = options || {}; }
  const nextPWA = (options) => (next) => ({ __swkitFound: 'next-pwa', options: options || {}, next });
  // Nuxt's module and VitePress's wrapper pass the config's pwa key to
  // vite-plugin-pwa; a Nuxt module may also carry its options in its entry.
  const nuxtConfig = (c) => {
    if (!c || !Array.isArray(c.modules)) return c;
    const entry = c.modules.find((m) => (Array.isArray(m) ? m[0] : m) === '@vite-pwa/nuxt');
    if (entry === undefined) return c;
    return found('@vite-pwa/nuxt')(Object.assign({}, Array.isArray(entry) ? entry[1] : {}, c.pwa));
  };
  const withPwa = (c) => (c && c.pwa ? found('@vite-pwa/vitepress')(c.pwa) : c);
  global.defineNuxtConfig = nuxtConfig;
  const modules = {
    'vite-plugin-pwa': { VitePWA: found('vite-plugin-pwa') },
    '@vite-pwa/sveltekit': { SvelteKitPWA: found('vite-plugin-pwa') },
    '@vite-pwa/astro': { default: found('vite-plugin-pwa'), __esModule: true },
    vite: { defineConfig: (c) => c },
    'nuxt/config': { defineNuxtConfig: nuxtConfig },
    '@vite-pwa/vitepress': { withPwa },
    vitepress: { defineConfig: (c) => c },
    'workbox-webpack-plugin': { GenerateSW, InjectManifest },
    'workbox-build': {
      generateSW: (options) => (found('workbox generateSW')(options), thenable),
      injectManifest: (options) => (found('injectManifest')(options), thenable),
    },
    'next-pwa': nextPWA,
    '@ducanh2912/next-pwa': { default: nextPWA, __esModule: true },
    'next-pwa/cache': [{ __swkitNextPWACache: true }],
    path,
    'node:path': path,
    url: { fileURLToPath: (u) => String(u) },
    'node:url': { fileURLToPath: (u) => String(u) },
  };
  global.require = (name) => (Object.prototype.hasOwnProperty.call(modules, name) ? modules[name] : stub);
  global.process = { env: { NODE_ENV: 'production' }, cwd: () => '.', argv: [] };
  global.__dirname = '.';
  global.__filename = 'config.js';
})(globalThis);
