#!/usr/bin/env node
/**
 * `npm run web:size`: the gzip size of the JavaScript a browser loads first (web/dist/index.html's
 * module script and its modulepreload links; the pages themselves load lazily), and the largest
 * lazy chunks. Fails (exit 1) above the budget (ADR 0017: 250 KB gzip). Run after `npm run build:web`.
 * Also the embeddable widget (web/dist/widget.js, loaded by tenants' own sites): at most 30 KB gzip.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET_KB = 250;
const WIDGET_BUDGET_KB = 30;
const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
const firstLoad = [...html.matchAll(/<(?:script[^>]*type="module"[^>]*src|link[^>]*rel="modulepreload"[^>]*href)="([^"]+\.js)"/g)].map((m) => m[1]);
const gz = (file) => gzipSync(readFileSync(path.join(dist, file.replace(/^\//, '')))).length;
const kb = (bytes) => (bytes / 1024).toFixed(1);

let total = 0;
console.log('First load (index.html):');
for (const file of firstLoad) {
  const size = gz(file);
  total += size;
  console.log(`  ${file.padEnd(48)} ${kb(size).padStart(7)} KB gzip`);
}
const css = [...html.matchAll(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g)].map((m) => m[1]);
const cssSize = css.reduce((sum, f) => sum + gz(f), 0);
console.log(`Entry JavaScript: ${kb(total)} KB gzip; CSS ${kb(cssSize)} KB gzip`);

// What the sign-in page adds (the first page most visitors see): its route chunks and their imports.
const manifest = JSON.parse(readFileSync(path.join(dist, '.vite', 'manifest.json'), 'utf8'));
const closure = (keys, seen = new Set()) => {
  for (const key of keys) {
    if (seen.has(key) || !manifest[key]) continue;
    seen.add(key);
    closure(manifest[key].imports ?? [], seen);
  }
  return seen;
};
const entryFiles = new Set([...closure(['index.html'])].map((k) => manifest[k].file));
const loginFiles = [...closure(['src/components/public-layout.tsx', 'src/features/auth/login-page.tsx'])]
  .map((k) => manifest[k].file)
  .filter((f) => !entryFiles.has(f));
const loginSize = loginFiles.reduce((sum, f) => sum + gz(f), 0);
console.log(`Sign-in page adds: ${kb(loginSize)} KB gzip (${loginFiles.length} chunks) -> first load ${kb(total + loginSize)} KB gzip (budget ${BUDGET_KB} KB)`);
total += loginSize;

const lazy = readdirSync(path.join(dist, 'assets'))
  .filter((f) => f.endsWith('.js') && !firstLoad.some((x) => x.endsWith(f)))
  .map((f) => ({ f, size: gz(`assets/${f}`) }))
  .sort((a, b) => b.size - a.size)
  .slice(0, 5);
console.log('Largest lazy chunks:');
for (const { f, size } of lazy) console.log(`  ${f.padEnd(48)} ${kb(size).padStart(7)} KB gzip`);
const widget = gz('widget.js');
console.log(`Widget (widget.js): ${kb(widget)} KB gzip (budget ${WIDGET_BUDGET_KB} KB)`);
let over = false;
if (total / 1024 > BUDGET_KB) {
  console.error(`over budget by ${kb(total - BUDGET_KB * 1024)} KB`);
  over = true;
}
if (widget / 1024 > WIDGET_BUDGET_KB) {
  console.error(`widget.js over budget by ${kb(widget - WIDGET_BUDGET_KB * 1024)} KB`);
  over = true;
}
if (over) process.exit(1);
