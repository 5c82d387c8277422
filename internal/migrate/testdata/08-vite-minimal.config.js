// vite-plugin-pwa with its defaults only.
import { VitePWA } from 'vite-plugin-pwa';
export default { plugins: [VitePWA({ registerType: 'autoUpdate' })] };
