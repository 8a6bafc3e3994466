import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { WidgetModule } from '../../src/modules/chat/widget/widget.module.js';
import { importTenantsFile } from '../../scripts/tenants-import.js';
import { createTestApp, type TestApp } from '../support/http-app.js';

/**
 * The seed demo's curl walkthrough, step by step, against Tenantry: the demo's tenants file is
 * imported into a fresh database with the import code (`npm run tenants:import`), then each
 * tenant's widget is asked the same thing and must answer exactly as the demo did.
 */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ imports: [WidgetModule] });
  await importTenantsFile(path.resolve('prisma/seed/tenants.jsonl'), t.config);
});
afterAll(async () => {
  await t?.close();
});

const post = (url: string, payload: Record<string, unknown>) =>
  t.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });

async function startSession(tenantId: string): Promise<{ session_id: string; tenant: Record<string, string> }> {
  const res = await post('/session', { tenant_id: tenantId });
  expect(res.statusCode).toBe(200);
  return res.json();
}

interface Flow {
  tenant: string;
  name: string;
  welcome: string;
  model: string;
  reply: string;
}

/** session -> chat "hello" -> chat "  hello \n" (trimmed); returns the session id for later steps. */
function curlFlow({ tenant, name, welcome, model, reply }: Flow): () => string {
  let sessionId = '';
  describe(`the curl flow for ${tenant}`, () => {
    it(`POST /session {"tenant_id": "${tenant}"} -> the session and the tenant's welcome`, async () => {
      const body = await startSession(tenant);
      expect(body).toEqual({ session_id: expect.any(String), tenant: { id: tenant, name, welcome } });
      sessionId = body.session_id;
    });

    it('POST /chat {"message": "hello"} -> the seed demo\'s exact reply', async () => {
      const res = await post('/chat', { tenant_id: tenant, session_id: sessionId, message: 'hello' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json()).toEqual({ tenant_id: tenant, session_id: sessionId, reply, model, mock: true });
    });

    it('the message is trimmed, as in the demo', async () => {
      const res = await post('/chat', { tenant_id: tenant, session_id: sessionId, message: '  hello \n' });
      expect(res.json()).toMatchObject({ reply });
    });
  });
  return () => sessionId;
}

curlFlow({
  tenant: 'acme',
  name: 'Acme Corp',
  welcome: 'Howdy from Acme!',
  model: 'mock-1',
  reply: "Howdy from Acme! [ACME MOCK] You said: 'hello'. Here's it reversed: 'olleh'",
});

const globexSession = curlFlow({
  tenant: 'globex',
  name: 'Globex Inc.',
  welcome: 'Welcome from Globex.',
  model: 'mock-2',
  reply: 'Welcome from Globex. [GLOBEX MOCK] Echo: HELLO',
});

describe("globex's limits.chat_per_10s = 4, right after its two chats above", () => {
  it('two more chats are answered, the fifth in the window is 429 with Retry-After', async () => {
    const send = () => post('/chat', { tenant_id: 'globex', session_id: globexSession(), message: 'again' });
    const [third, fourth, fifth] = [await send(), await send(), await send()];

    expect([third, fourth].map((r) => [r.statusCode, r.headers['ratelimit-limit'], r.headers['ratelimit-remaining']])).toEqual([
      [200, '4', '1'],
      [200, '4', '0'],
    ]);
    expect({ status: fifth.statusCode, body: fifth.json() }).toEqual({ status: 429, body: { detail: 'Rate limit exceeded' } });
    expect(Number(fifth.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });
});

curlFlow({
  tenant: 'initech',
  name: 'Initech',
  welcome: 'Initech says hi.',
  model: 'mock-3',
  reply: "Initech says hi. [INITECH MOCK] Got it. 'hello'. (pretend-smart summary).",
});

describe('the curl flow: what the demo refuses', () => {
  it('an unknown tenant: 404', async () => {
    const res = await post('/session', { tenant_id: 'umbrella' });
    expect({ status: res.statusCode, body: res.json() }).toEqual({ status: 404, body: { detail: 'Unknown tenant' } });
  });

  it('an unknown session: 404', async () => {
    const res = await post('/chat', { tenant_id: 'acme', session_id: 'no-such-session', message: 'hello' });
    expect({ status: res.statusCode, body: res.json() }).toEqual({ status: 404, body: { detail: 'Unknown session' } });
  });

  it("acme's session used with globex's id: 403 {\"detail\": \"Session does not belong to tenant\"}", async () => {
    const acme = await startSession('acme');
    const res = await post('/chat', { tenant_id: 'globex', session_id: acme.session_id, message: 'hello' });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ detail: 'Session does not belong to tenant' });
  });
});
