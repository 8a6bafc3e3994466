import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

/**
 * widget.js, the script tenants paste into their own sites: one self-contained IIFE (no chunks, no
 * CSS file, no global but the TenantryWidget it defines) written into the app's web/dist, which the
 * API serves at /widget.js. Also copies the demo page (web/demo) to web/dist/demo.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const DEMO_FILES = ['widget.html', 'widget-demo.js', 'widget-demo.css'];

function demoPage(): Plugin {
  return {
    name: 'tenantry-widget-demo',
    generateBundle() {
      for (const file of DEMO_FILES) this.emitFile({ type: 'asset', fileName: `demo/${file}`, source: readFileSync(path.join(here, '..', 'demo', file)) });
    },
  };
}

export default defineConfig({
  root: here,
  publicDir: false,
  plugins: [demoPage()],
  build: {
    outDir: path.join(here, '..', 'dist'),
    emptyOutDir: false, // the app's build is there already
    copyPublicDir: false,
    sourcemap: false,
    // Class fields as they are (es2022: Chrome 72+, Firefox 69+, Safari 14.1+) rather than ~1 KB of helpers.
    target: 'es2022',
    lib: {
      entry: path.join(here, 'src', 'main.ts'),
      formats: ['iife'],
      name: 'TenantryWidgetBundle', // required by the format; the entry exports nothing, so no variable is emitted
      fileName: () => 'widget.js',
    },
  },
});
