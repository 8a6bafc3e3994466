import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { LightMyRequestResponse } from 'fastify';
import { createTestApp, expectProblem, type TestApp } from '../support/http-app.js';

/**
 * The widget's script at /widget.js, loadable from any website, and the demo page at /demo/widget,
 * served outside production only, both from the built web app (WEB_DIST_DIR).
 */

const SCRIPT = '(()=>{window.TenantryWidget={version:1}})();\n';
const DEMO = '<!doctype html><html><head><script src="/demo/demo.js" defer></script></head><body><script src="/widget.js" data-tenant="acme" async></script></body></html>';

function makeDist(): string {
  const dist = mkdtempSync(join(tmpdir(), 'tenantry-widget-'));
  mkdirSync(join(dist, 'demo'));
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(dist, 'widget.js'), SCRIPT);
  writeFileSync(join(dist, 'demo', 'widget.html'), DEMO);
  writeFileSync(join(dist, 'demo', 'demo.js'), 'console.log("demo")');
  return dist;
}

let dist: string;
let t: TestApp;
beforeAll(async () => {
  dist = makeDist();
  t = await createTestApp({ env: { WEB_DIST_DIR: dist } });
});
afterAll(async () => {
  await t?.close();
  rmSync(dist, { recursive: true, force: true });
});

const get = (app: TestApp, url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers });

function expectWidgetScriptHeaders(res: LightMyRequestResponse): void {
  expect(res.headers).toMatchObject({
    'content-type': 'text/javascript; charset=utf-8',
    'cross-origin-resource-policy': 'cross-origin',
    'access-control-allow-origin': '*',
    'cache-control': 'public, max-age=300',
    'x-content-type-options': 'nosniff',
    etag: expect.stringMatching(/^"[\w-]{27}"$/),
    'last-modified': expect.stringMatching(/GMT$/),
  });
  expect(res.headers['set-cookie']).toBeUndefined();
}

describe('GET /widget.js', () => {
  it('serves the script for any page to load: JavaScript, CORP cross-origin, ACAO *, cached 5 minutes, no cookie', async () => {
    const res = await get(t, '/widget.js', { origin: 'https://shop.example' });

    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(SCRIPT);
    expectWidgetScriptHeaders(res);
  });

  it("keeps helmet's same-origin CORP everywhere else", async () => {
    expect((await get(t, '/', { accept: 'text/html' })).headers['cross-origin-resource-policy']).toBe('same-origin');
    expect((await get(t, '/health/live')).headers['cross-origin-resource-policy']).toBe('same-origin');
  });

  it('revalidates: 304 without a body for the current ETag or a Last-Modified not older than the file', async () => {
    const first = await get(t, '/widget.js');

    const byTag = await get(t, '/widget.js', { 'if-none-match': String(first.headers.etag) });
    const byDate = await get(t, '/widget.js', { 'if-modified-since': String(first.headers['last-modified']) });
    const stale = await get(t, '/widget.js', { 'if-none-match': '"something-else"' });

    expect([byTag.statusCode, byTag.body, byTag.headers.etag]).toEqual([304, '', first.headers.etag]);
    expect([byDate.statusCode, byDate.body]).toEqual([304, '']);
    expect([stale.statusCode, stale.body]).toEqual([200, SCRIPT]);
  });

  it('sends it gzipped to a browser that accepts gzip (Vary: Accept-Encoding)', async () => {
    const res = await t.inject({ method: 'GET', url: '/widget.js', headers: { 'accept-encoding': 'gzip, deflate, br' } });

    expect(res.headers['content-encoding']).toBe('gzip');
    expect(String(res.headers.vary)).toMatch(/Accept-Encoding/);
    expect(gunzipSync(res.rawPayload).toString()).toBe(SCRIPT);
  });

  it('answers HEAD with the same headers', async () => {
    const res = await t.inject({ method: 'HEAD', url: '/widget.js' });
    expect([res.statusCode, res.body]).toEqual([200, '']);
    expectWidgetScriptHeaders(res);
  });

  it('follows a rebuild without a restart (new content, new ETag), and is 404 when the file is gone', async () => {
    const before = await get(t, '/widget.js');
    const rebuilt = `${SCRIPT}/* v2 */\n`;
    writeFileSync(join(dist, 'widget.js'), rebuilt);
    utimesSync(join(dist, 'widget.js'), new Date(), new Date(Date.now() + 5000));

    const after = await get(t, '/widget.js', { 'if-none-match': String(before.headers.etag) });
    expect([after.statusCode, after.body]).toEqual([200, rebuilt]);
    expect(after.headers.etag).not.toBe(before.headers.etag);

    rmSync(join(dist, 'widget.js'));
    expectProblem(await get(t, '/widget.js'), 404, 'not_found');
    writeFileSync(join(dist, 'widget.js'), SCRIPT);
  });
});

describe('GET /demo/widget (outside production)', () => {
  it("serves the demo page with the app's strict CSP: the widget's script, styles and calls from this origin only", async () => {
    const res = await get(t, '/demo/widget');

    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(DEMO);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(res.headers['content-security-policy']);
    for (const directive of ["script-src 'self'", "style-src 'self'", "connect-src 'self'", "default-src 'self'", "frame-ancestors 'none'"]) expect(csp).toContain(directive);
    expect(csp).not.toContain('unsafe-inline');
  });

  it('serves the files beside it, and nothing outside the demo folder', async () => {
    const script = await get(t, '/demo/demo.js');
    expect([script.statusCode, script.body, script.headers['content-type']]).toEqual([200, 'console.log("demo")', 'text/javascript; charset=utf-8']);

    for (const url of ['/demo/..%2Findex.html', '/demo/%2E%2E%2Fwidget.js', '/demo/nope.html', '/demo/demo.exe', '/demo/.hidden.js']) {
      expect({ url, status: (await get(t, url)).statusCode }).toEqual({ url, status: 404 });
    }
  });
});

describe('in production', () => {
  let prodDist: string;
  let prod: TestApp;
  beforeAll(async () => {
    prodDist = makeDist();
    prod = await createTestApp({ env: { NODE_ENV: 'production', MAIL_TRANSPORT: 'file', WEB_DIST_DIR: prodDist } });
  });
  afterAll(async () => {
    await prod?.close();
    rmSync(prodDist, { recursive: true, force: true });
  });

  it('serves /widget.js, and no demo page at all (404, not even as a static file)', async () => {
    const script = await get(prod, '/widget.js');
    expect(script.statusCode).toBe(200);
    expectWidgetScriptHeaders(script);

    for (const url of ['/demo/widget', '/demo/widget.html', '/demo/demo.js']) {
      expect({ url, status: (await get(prod, url, { accept: 'text/html' })).statusCode }).toEqual({ url, status: 404 });
    }
  });
});
