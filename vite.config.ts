// Builds the renderer (src/renderer) into dist/renderer. `base: './'` keeps asset URLs relative so the
// same build loads from file:// in Electron and from the browser host. `vite` in dev proxies /api to a
// running host (OUTPOST_HOST_URL, default http://127.0.0.1:4173).
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const hostUrl = process.env.OUTPOST_HOST_URL ?? 'http://127.0.0.1:4173';

export default defineConfig({
  root: path.join(here, 'src/renderer'),
  base: './',
  plugins: [react()],
  build: {
    outDir: path.join(here, 'dist/renderer'),
    emptyOutDir: true,
    // The host's CSP is script-src 'self': never inline the module preload polyfill.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 2000,
    // Two pages: the app, and the requester portal the central server serves at /portal.
    rollupOptions: { input: { main: path.join(here, 'src/renderer/index.html'), portal: path.join(here, 'src/renderer/portal.html') } },
  },
  server: {
    port: 5173,
    strictPort: false,
    // The host refuses foreign Host/Origin headers, so rewrite them to its own.
    proxy: { '/api': { target: hostUrl, changeOrigin: true, headers: { origin: hostUrl } } },
  },
});
