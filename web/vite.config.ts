import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

/**
 * The API's origin for the dev server and `vite preview` (the built app served by the API itself
 * needs no proxy). Paths the API owns: /api, /health, and the widget's POST /session and POST /chat.
 */
const api = process.env.API_URL ?? 'http://127.0.0.1:3000';
const proxy = {
  // Anchored: '/api' alone would also send the app's /api-keys page to the API.
  '^/api/': {
    target: api,
    // A browser that stops reading (the chat's Stop) must end the upstream request too, as it would
    // without a proxy: the API aborts the model's call when its client goes away.
    configure: (proxy: { on(event: 'proxyReq', cb: (proxyReq: { destroy(): void }, req: unknown, res: { on(e: 'close', cb: () => void): void; writableFinished: boolean }) => void): void }) => {
      proxy.on('proxyReq', (proxyReq, _req, res) => {
        res.on('close', () => {
          if (!res.writableFinished) proxyReq.destroy();
        });
      });
    },
  },
  '^/health/': { target: api },
  // The embeddable widget's script (built into web/dist; the API serves it), for the assistant page's preview.
  '^/widget\\.js$': { target: api },
  // The widget API is POST only; a browser's GET of these paths is the app's.
  '^/session$': { target: api, bypass: (req: { method?: string }) => (req.method === 'POST' ? undefined : '/index.html') },
  '^/chat$': { target: api, bypass: (req: { method?: string }) => (req.method === 'POST' ? undefined : '/index.html') },
};

export default defineConfig({
  plugins: [react(), tailwindcss()],
  server: { port: Number(process.env.WEB_PORT ?? 5173), host: '127.0.0.1', strictPort: true, proxy },
  preview: { port: Number(process.env.WEB_PORT ?? 4173), host: '127.0.0.1', strictPort: true, proxy },
  build: { outDir: 'dist', sourcemap: true, manifest: true, chunkSizeWarningLimit: 450 },
  test: { include: ['src/**/*.test.ts', 'widget/src/**/*.test.ts'], environment: 'jsdom' },
});
