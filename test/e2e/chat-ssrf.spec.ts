import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { installFakeDns, type FakeDns } from '../support/fake-dns.js';
import { type FakeOpenAi, startFakeOpenAi } from '../support/fake-openai.js';
import { createTestApp, expectProblem, type TestApp, type TestMember, type TestTenant } from '../support/http-app.js';

/**
 * The SSRF guard, end to end (docs/adr/0011-outbound-requests.md): a tenant admin cannot point the
 * assistant at our own network, neither when saving the base URL (400 base_url_not_allowed naming
 * the field) nor by changing DNS afterwards (502 at call time, nothing sent). The fake model listens
 * on 127.0.0.1; this app opens only the host name `models.internal.test` (the operator's escape
 * hatch), never the address itself. DNS answers come from a table the test controls.
 */

let t: TestApp;
let fake: FakeOpenAi;
let dns: FakeDns;
let port: string;
beforeAll(async () => {
  fake = await startFakeOpenAi();
  port = new URL(fake.baseUrl).port;
  t = await createTestApp({ env: { PROVIDER_ALLOWED_PRIVATE_HOSTS: 'models.internal.test', PROVIDER_MAX_RETRIES: '2' } });
  dns = installFakeDns(t.app, {
    'api.models.example': ['104.18.32.47'],
    'models.internal.test': ['127.0.0.1'],
    'localhost': ['127.0.0.1', '::1'],
    'intranet.example': ['10.20.1.5'],
    'mixed.example': ['104.18.32.47', '192.168.7.7'],
    'metadata.example': ['169.254.169.254'],
  });
});
afterAll(async () => {
  await t?.close();
  await fake?.close();
});
beforeEach(() => {
  fake.requests.length = 0;
});

async function admin(): Promise<{ tenant: TestTenant; admin: TestMember }> {
  const tenant = await t.makeTenant();
  return { tenant, admin: await t.makeMember(tenant.id, 'admin') };
}

const configure = (who: TestMember, baseUrl: string) =>
  t.inject({ method: 'PATCH', url: '/api/v1/assistant', headers: who.auth, payload: { provider: 'openai_compatible', model: 'm', baseUrl, apiKey: 'sk-tenant-key' } });

async function ask(who: TestMember, content = 'hello?') {
  const id = (await t.inject({ method: 'POST', url: '/api/v1/conversations', headers: who.auth })).json<{ id: string }>().id;
  const res = await t.inject({ method: 'POST', url: `/api/v1/conversations/${id}/messages`, headers: who.auth, payload: { content } });
  const { rows } = await t.owner.query<{ role: string; status: string; error: string | null }>(
    'select role, status, error from messages where conversation_id = $1 order by created_at, id',
    [id],
  );
  return { res, rows };
}

const storedBaseUrl = async (tenantId: string) =>
  (await t.owner.query<{ base_url: string }>('select base_url from assistant_configs where tenant_id = $1', [tenantId])).rows[0]?.base_url;

describe('saving a base URL (PATCH /api/v1/assistant)', () => {
  it.each([
    ['the cloud metadata service', 'http://169.254.169.254/latest/meta-data/', '169.254.169.254 is a cloud metadata address'],
    ['the loopback address', 'http://127.0.0.1:6379/', '127.0.0.1 is a loopback address'],
    ['loopback, spelled in hex', 'http://0x7f.0.0.1:5432/', '127.0.0.1 is a loopback address'],
    ['IPv6 loopback', 'http://[::1]:11434/v1', '::1 is a loopback address'],
    ['IPv4-mapped IPv6 metadata', 'http://[::ffff:169.254.169.254]/', '::ffff:a9fe:a9fe is a cloud metadata address'],
    ['a private address', 'http://10.0.0.8:8000/v1', '10.0.0.8 is a private address'],
    ['a carrier-grade NAT address', 'http://100.64.0.1/v1', '100.64.0.1 is a carrier-grade NAT address'],
    ['0.0.0.0', 'http://0.0.0.0:3000/', '0.0.0.0 is an unspecified address'],
    ['a unique local IPv6 address', 'http://[fd00::1]/v1', 'fd00::1 is a private address'],
    ['localhost', 'http://localhost:11434/v1', 'localhost resolves to a loopback address'],
    ['a name that resolves to a private address', 'https://intranet.example/v1', 'intranet.example resolves to a private address'],
    ['a name with one private address among public ones', 'https://mixed.example/v1', 'mixed.example resolves to a private address'],
    ['a name that resolves to the metadata service', 'https://metadata.example/v1', 'metadata.example resolves to a cloud metadata address'],
  ])('refuses %s: 400 base_url_not_allowed naming baseUrl, nothing stored', async (_case, baseUrl, reason) => {
    const { tenant, admin: who } = await admin();

    const problem = expectProblem(await configure(who, baseUrl), 400, 'base_url_not_allowed');

    expect(problem.detail).toBe(`The base URL is not allowed: ${reason}`);
    expect(problem.errors).toEqual([{ field: 'baseUrl', message: reason }]);
    expect(JSON.stringify(problem)).not.toMatch(/10\.20\.1\.5|192\.168\.7\.7/); // the addresses names resolve to stay ours
    expect(await storedBaseUrl(tenant.id)).toBeUndefined();
  });

  it('accepts a public host, a host that does not resolve yet, and a host the operator allowed', async () => {
    for (const baseUrl of ['https://api.models.example/v1', 'https://not-yet.example/v1', `http://models.internal.test:${port}/v1`]) {
      const { tenant, admin: who } = await admin();
      expect((await configure(who, baseUrl)).statusCode).toBe(200);
      expect(await storedBaseUrl(tenant.id)).toBe(baseUrl);
    }
  });
});

describe('calling the provider', () => {
  it('reaches a private model through the escape hatch (a listed host name)', async () => {
    const { admin: who } = await admin();
    expect((await configure(who, `http://models.internal.test:${port}/v1`)).statusCode).toBe(200);

    const { res } = await ask(who);

    expect(res.statusCode).toBe(200);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.authorization).toBe('Bearer sk-tenant-key');
  });

  it('refuses at connect time a name that passed when saved and now resolves to 127.0.0.1 (DNS rebinding): 502, nothing sent, not retried', async () => {
    const { admin: who } = await admin();
    dns.table['rebind.example'] = ['104.18.32.47'];
    expect((await configure(who, `http://rebind.example:${port}/v1`)).statusCode).toBe(200);
    dns.table['rebind.example'] = ['127.0.0.1']; // the attacker's DNS now answers with our loopback, where the fake listens
    const connections = fake.connections;

    const { res, rows } = await ask(who);

    const problem = expectProblem(res, 502, 'provider_failed');
    expect(problem.detail).toBe('The model provider failed: the base URL is not allowed: rebind.example resolves to a loopback address');
    expect(fake.connections).toBe(connections);
    expect(fake.requests).toEqual([]);
    expect(rows).toEqual([
      { role: 'user', status: 'complete', error: null },
      { role: 'assistant', status: 'failed', error: 'the base URL is not allowed: rebind.example resolves to a loopback address' },
    ]);
    expect(dns.asked.filter((name) => name === 'rebind.example')).toHaveLength(2); // once when saved, once at the one attempt
  });

  it('refuses a base URL stored before the guard existed, on the metadata address, at call time', async () => {
    const { tenant, admin: who } = await admin();
    expect((await configure(who, 'https://api.models.example/v1')).statusCode).toBe(200);
    await t.owner.query("update assistant_configs set base_url = 'http://169.254.169.254/latest' where tenant_id = $1", [tenant.id]);

    const { res } = await ask(who);

    expect(expectProblem(res, 502, 'provider_failed').detail).toBe('The model provider failed: the base URL is not allowed: 169.254.169.254 is a cloud metadata address');
  });

  it('does not follow a redirect from the provider to elsewhere', async () => {
    const { admin: who } = await admin();
    expect((await configure(who, `http://models.internal.test:${port}/v1`)).statusCode).toBe(200);
    fake.enqueue({ kind: 'status', status: 302, location: 'http://169.254.169.254/latest/meta-data/' });

    const { res } = await ask(who);

    expect(expectProblem(res, 502, 'provider_failed').detail).toBe('The model provider failed: provider answered HTTP 302 (a redirect, not followed)');
    expect(fake.requests).toHaveLength(1);
  });
});
