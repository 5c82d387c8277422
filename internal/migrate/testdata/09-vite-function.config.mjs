// A vite config exported as a function of the mode.
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import { VitePWA } from 'vite-plugin-pwa';

export default defineConfig(({ mode }) => ({
  base: '/',
  plugins: [
    vue(),
    VitePWA({
      injectRegister: 'auto',
      devOptions: { enabled: mode === 'development' },
      workbox: {
        navigateFallbackDenylist: [/^\/api/],
        cleanupOutdatedCaches: true,
        sourcemap: true,
      },
    }),
  ],
}));
