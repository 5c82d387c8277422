// A VitePress documentation site with @vite-pwa/vitepress.
import { defineConfig } from 'vitepress';
import { withPwa } from '@vite-pwa/vitepress';

export default withPwa(
  defineConfig({
    title: 'Handbook',
    description: 'The team handbook, offline',
    themeConfig: {
      nav: [{ text: 'Guide', link: '/guide/' }],
    },
    pwa: {
      outDir: '.vitepress/dist',
      registerType: 'prompt',
      includeAssets: ['favicon.svg'],
      experimental: { includeAllowlist: true },
      workbox: {
        globPatterns: ['**/*.{css,js,html,svg,png,ico,txt,woff2}'],
        runtimeCaching: [
          {
            urlPattern: /^https:\/\/fonts\.googleapis\.com\/.*/i,
            handler: 'CacheFirst',
            options: {
              cacheName: 'google-fonts-cache',
              expiration: { maxEntries: 10, maxAgeSeconds: 60 * 60 * 24 * 365 },
              cacheableResponse: { statuses: [0, 200] },
            },
          },
        ],
      },
    },
  }),
);
