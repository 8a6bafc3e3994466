import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestApp, expectProblem, type TestApp } from '../support/http-app.js';

/**
 * The web app from the API's origin: its files, index.html for client-side routes (never for the
 * API's paths), cache headers, the security headers on every answer, Swagger UI's own policy, and
 * a plain page when the app is not built.
 */

const INDEX = '<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="root"></div></body></html>';
const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

let dist: string;
let t: TestApp;

beforeAll(async () => {
  dist = mkdtempSync(join(tmpdir(), 'tenantry-web-'));
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'index.html'), INDEX);
  writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log("app")');
  writeFileSync(join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  t = await createTestApp({ env: { WEB_DIST_DIR: dist } });
});

afterAll(async () => {
  await t?.close();
  rmSync(dist, { recursive: true, force: true });
});

describe('the built web app at /', () => {
  it('serves index.html at / and revalidates it on every load', async () => {
    const res = await t.inject({ method: 'GET', url: '/', headers: HTML });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toBe(INDEX);
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('serves hashed assets with a long, immutable cache', async () => {
    const res = await t.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('console.log("app")');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const icon = await t.inject({ method: 'GET', url: '/favicon.svg' });
    expect(icon.headers['cache-control']).toBe('no-cache');
  });

  it('answers client-side routes that ask for HTML with index.html (SPA fallback)', async () => {
    for (const url of ['/members', '/accept-invitation?token=abc', '/billing/return', '/chat-history']) {
      const res = await t.inject({ method: 'GET', url, headers: HTML });
      expect({ url, status: res.statusCode, body: res.body }).toEqual({ url, status: 200, body: INDEX });
    }
  });

  it('keeps the API, the probes and the widget paths: never index.html there', async () => {
    expectProblem(await t.inject({ method: 'GET', url: '/api/v1/nope', headers: HTML }), 404, 'not_found');
    expectProblem(await t.inject({ method: 'GET', url: '/api', headers: HTML }), 404, 'not_found');
    for (const url of ['/session', '/chat', '/widget.js', '/demo', '/health/nope']) {
      const res = await t.inject({ method: 'GET', url, headers: HTML });
      expect({ url, status: res.statusCode }).toEqual({ url, status: 404 });
    }
    const live = await t.inject({ method: 'GET', url: '/health/live', headers: HTML });
    expect(live.statusCode).toBe(200);
    expect(live.headers['content-type']).toMatch(/json/);
  });

  it('answers 404, not index.html, to a request that does not ask for HTML', async () => {
    const res = await t.inject({ method: 'GET', url: '/members', headers: { accept: 'application/json' } });
    expectProblem(res, 404, 'not_found');
    expect((await t.inject({ method: 'GET', url: '/assets/missing.js', headers: { accept: '*/*' } })).statusCode).toBe(404);
  });
});

describe('security headers', () => {
  it('sends a strict CSP, no framing, a referrer policy and nosniff with the app', async () => {
    const res = await t.inject({ method: 'GET', url: '/members', headers: HTML });
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('upgrade-insecure-requests'); // plain http outside production
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('sends them with API answers and errors too', async () => {
    const res = await t.inject({ method: 'GET', url: '/api/v1/me' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(String(res.headers['content-security-policy'])).toContain("frame-ancestors 'none'");
  });

  it('gives Swagger UI at /api/docs the inline script and style it needs, and only there', async () => {
    const page = await t.inject({ method: 'GET', url: '/api/docs', headers: HTML });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('swagger');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self' 'unsafe-inline'");
    expect(csp).toContain("frame-ancestors 'none'");
    const init = await t.inject({ method: 'GET', url: '/api/docs/swagger-ui-init.js' });
    expect(init.statusCode).toBe(200);
    const json = await t.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(json.statusCode).toBe(200);
    expect(String(json.headers['content-security-policy'])).not.toContain('unsafe-inline');
  });
});

describe('without a built web app', () => {
  it('starts, and / says the app is not built', async () => {
    const bare = await createTestApp({ env: { WEB_DIST_DIR: join(dist, 'missing') } });
    try {
      const res = await bare.inject({ method: 'GET', url: '/', headers: HTML });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('not built');
      expect((await bare.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    } finally {
      await bare.close();
    }
  });
});
