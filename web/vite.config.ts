import { defineConfig } from 'vite';

// The UI is served by the PiChat server itself (server/src/http/static.ts); `npm run dev -w web` proxies the API
// and sockets to a server on :8080. No inline scripts or styles: the server's CSP forbids them.
export default defineConfig({
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/ws': { target: 'ws://127.0.0.1:8080', ws: true },
      '/model-info': 'http://127.0.0.1:8080',
    },
  },
});
