import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SecretBox } from '../../src/modules/chat/assistant/secret-box.js';
import { ChatModule } from '../../src/modules/chat/chat.module.js';
import { TEST_CHAT_ENCRYPTION_KEY } from '../support/database.js';
import { installFakeDns } from '../support/fake-dns.js';
import { createTestApp, expectProblem, type TestApp, type TestMember, type TestTenant } from '../support/http-app.js';

/**
 * A tenant's assistant configuration and its versioned system prompt: members read it, only admins
 * and owners change it, every change is validated and audited, and the provider API key is sealed
 * at rest and never leaves the server.
 */

const API_KEY = 'sk-live-SECRET-4f2a9c71b3';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ imports: [ChatModule] });
  // Saving a base URL resolves its host (the SSRF guard): public addresses here, never real DNS.
  installFakeDns(t.app, Object.fromEntries(['api.openai.com', 'models.example.com', 'one.example.com', 'two.example.com', 'three.example.com'].map((name) => [name, ['104.18.32.47']])));
});
afterAll(async () => {
  await t?.close();
});

async function tenantWithTeam(): Promise<{ tenant: TestTenant; owner: TestMember; admin: TestMember; member: TestMember }> {
  const tenant = await t.makeTenant({ name: 'Acme Corp' });
  return {
    tenant,
    owner: await t.makeMember(tenant.id, 'owner'),
    admin: await t.makeMember(tenant.id, 'admin'),
    member: await t.makeMember(tenant.id, 'member'),
  };
}

const getAssistant = (who: TestMember) => t.inject({ method: 'GET', url: '/api/v1/assistant', headers: who.auth });
const patch = (who: TestMember, payload: unknown) => t.inject({ method: 'PATCH', url: '/api/v1/assistant', headers: who.auth, payload: payload as object });
const createPrompt = (who: TestMember, template: unknown) =>
  t.inject({ method: 'POST', url: '/api/v1/assistant/prompts', headers: who.auth, payload: { template } as object });
const publish = (who: TestMember, version: number | string) => t.inject({ method: 'POST', url: `/api/v1/assistant/prompts/${version}/publish`, headers: who.auth });

const auditOf = async (tenantId: string) =>
  (await t.owner.query<{ action: string; data: unknown }>("select action, data from audit_events where tenant_id = $1 and action like 'assistant.%' order by seq", [tenantId])).rows;
const storedRow = async (tenantId: string) =>
  (await t.owner.query<{ model: string; api_key_encrypted: Buffer | null; base_url: string | null }>('select model, api_key_encrypted, base_url from assistant_configs where tenant_id = $1', [tenantId])).rows[0];

const DEFAULTS = {
  provider: 'builtin',
  model: 'mock-1',
  welcomeMessage: 'Hello! How can I help?',
  temperature: 0.7,
  maxTokens: 512,
  baseUrl: null,
  hasApiKey: false,
  widgetEnabled: false,
  autoTitles: false,
  allowedOrigins: [],
  activePromptVersion: null,
  updatedAt: null,
};

describe('GET /api/v1/assistant', () => {
  it('gives a tenant that never configured it the defaults, to any member', async () => {
    const { member } = await tenantWithTeam();

    const res = await getAssistant(member);

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(DEFAULTS);
  });
});

describe('PATCH /api/v1/assistant', () => {
  it('lets an admin change fields (creating the configuration), leaves the others, and audits the field names', async () => {
    const { tenant, admin, member } = await tenantWithTeam();

    const res = await patch(admin, { model: 'mock-2', welcomeMessage: '  Welcome from Globex.  ', temperature: 0.25, widgetEnabled: true });

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ...DEFAULTS, model: 'mock-2', welcomeMessage: 'Welcome from Globex.', temperature: 0.25, widgetEnabled: true, updatedAt: expect.any(String) });
    expect((await getAssistant(member)).json()).toEqual(res.json());
    expect(await auditOf(tenant.id)).toEqual([{ action: 'assistant.updated', data: { changed: ['model', 'temperature', 'welcomeMessage', 'widgetEnabled'] } }]);
  });

  it('lets an owner change it too, and records nothing when nothing changes', async () => {
    const { tenant, owner } = await tenantWithTeam();

    expect((await patch(owner, { maxTokens: 1024 })).json()).toMatchObject({ maxTokens: 1024 });
    expect((await patch(owner, { maxTokens: 1024 })).statusCode).toBe(200);

    expect(await auditOf(tenant.id)).toEqual([{ action: 'assistant.updated', data: { changed: ['maxTokens'] } }]);
  });

  it.each(['member', 'billing'] as const)('refuses a %s with 403, and changes nothing', async (role) => {
    const { tenant } = await tenantWithTeam();
    const someone = await t.makeMember(tenant.id, role);

    expectProblem(await patch(someone, { model: 'mock-3' }), 403, 'forbidden');

    expect(await storedRow(tenant.id)).toBeUndefined();
    expect(await auditOf(tenant.id)).toEqual([]);
  });

  it.each<[string, unknown, string[]]>([
    ['a model that is not built in, for the builtin provider', { model: 'gpt-4o' }, ['model']],
    ['the openai_compatible provider without a base URL', { provider: 'openai_compatible', model: 'llama3.1' }, ['baseUrl']],
    ['a temperature above 2', { temperature: 2.5 }, ['temperature']],
    ['a negative temperature', { temperature: -0.1 }, ['temperature']],
    ['maxTokens of 0', { maxTokens: 0 }, ['maxTokens']],
    ['maxTokens above 32768', { maxTokens: 32769 }, ['maxTokens']],
    ['a fractional maxTokens', { maxTokens: 1.5 }, ['maxTokens']],
    ['an empty welcome message', { welcomeMessage: '   ' }, ['welcomeMessage']],
    ['an unknown provider', { provider: 'anthropic' }, ['provider']],
    ['a base URL that is not http(s)', { baseUrl: 'ftp://models.example.com/v1' }, ['baseUrl']],
    ['a base URL carrying credentials', { baseUrl: 'https://user:pw@models.example.com/v1' }, ['baseUrl']],
    ['an empty API key', { apiKey: '' }, ['apiKey']],
    ['a field that does not exist', { apiKeyEncrypted: 'x' }, ['(root)']],
    ['several bad fields at once', { temperature: 9, maxTokens: -1 }, ['temperature', 'maxTokens']],
  ])('refuses %s with 400 naming the field(s), and changes nothing', async (_case, body, fields) => {
    const { tenant, admin } = await tenantWithTeam();

    const problem = expectProblem(await patch(admin, body), 400, 'validation_failed');

    expect([...new Set((problem.errors as Array<{ field: string }>).map((e) => e.field))].sort()).toEqual([...fields].sort());
    expect(await storedRow(tenant.id)).toBeUndefined();
  });

  it('refuses an empty body', async () => {
    const { admin } = await tenantWithTeam();

    expectProblem(await patch(admin, {}), 400, 'validation_failed');
  });

  it('checks the rules on the merged configuration: switching back to builtin needs a built-in model', async () => {
    const { admin } = await tenantWithTeam();
    expect((await patch(admin, { provider: 'openai_compatible', model: 'llama3.1', baseUrl: 'http://models.example.com:11434/v1' })).statusCode).toBe(200);

    const problem = expectProblem(await patch(admin, { provider: 'builtin' }), 400, 'validation_failed');
    expect(problem.errors).toEqual([{ field: 'model', message: expect.stringContaining("the current model is 'llama3.1'") }]);

    expect((await patch(admin, { provider: 'builtin', model: 'mock-3' })).json()).toMatchObject({ provider: 'builtin', model: 'mock-3' });
  });
});

describe("the widget's allowed origins", () => {
  const storedOrigins = async (tenantId: string) =>
    (await t.owner.query<{ allowed_origins: string[] }>('select allowed_origins from assistant_configs where tenant_id = $1', [tenantId])).rows[0]?.allowed_origins;

  it('stores them normalised as browsers send Origin (lowercase, default port dropped, no trailing slash), duplicates dropped, order kept; audited with the list', async () => {
    const { tenant, admin } = await tenantWithTeam();

    const res = await patch(admin, {
      allowedOrigins: ['https://Shop.Example.com/', 'http://127.0.0.1:8080', 'https://shop.example.com:443', ' https://bücher.example ', 'http://localhost:80'],
    });

    const expected = ['https://shop.example.com', 'http://127.0.0.1:8080', 'https://xn--bcher-kva.example', 'http://localhost'];
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ allowedOrigins: expected });
    expect((await getAssistant(admin)).json()).toMatchObject({ allowedOrigins: expected });
    expect(await storedOrigins(tenant.id)).toEqual(expected);
    expect(await auditOf(tenant.id)).toEqual([{ action: 'assistant.updated', data: { changed: ['allowedOrigins'], allowedOrigins: expected } }]);
  });

  it('replaces the list (an empty list empties it); the same list again is no change and is not audited', async () => {
    const { tenant, admin } = await tenantWithTeam();
    await patch(admin, { allowedOrigins: ['https://a.example', 'https://b.example'] });

    expect((await patch(admin, { allowedOrigins: ['https://A.example/', 'https://b.example'] })).statusCode).toBe(200);
    expect((await patch(admin, { allowedOrigins: ['https://b.example'] })).json()).toMatchObject({ allowedOrigins: ['https://b.example'] });
    expect((await patch(admin, { allowedOrigins: [] })).json()).toMatchObject({ allowedOrigins: [] });

    expect(await storedOrigins(tenant.id)).toEqual([]);
    expect((await auditOf(tenant.id)).map((e) => e.data)).toEqual([
      { changed: ['allowedOrigins'], allowedOrigins: ['https://a.example', 'https://b.example'] },
      { changed: ['allowedOrigins'], allowedOrigins: ['https://b.example'] },
      { changed: ['allowedOrigins'], allowedOrigins: [] },
    ]);
  });

  it.each<[string, unknown, string[]]>([
    ['a path', ['https://shop.example.com/widget'], ['allowedOrigins.0']],
    ['a query or a fragment', ['https://shop.example.com?x=1', 'https://shop.example.com#top'], ['allowedOrigins.0', 'allowedOrigins.1']],
    ['credentials', ['https://user:pw@shop.example.com'], ['allowedOrigins.0']],
    ['another scheme', ['ftp://shop.example.com', 'chrome-extension://abcdef'], ['allowedOrigins.0', 'allowedOrigins.1']],
    ['a wildcard', ['https://*.example.com'], ['allowedOrigins.0']],
    ['no scheme, or not a URL at all', ['shop.example.com', 'null', ''], ['allowedOrigins.0', 'allowedOrigins.1', 'allowedOrigins.2']],
    ['a good one beside a bad one (nothing is saved)', ['https://ok.example', 'https://bad.example/path'], ['allowedOrigins.1']],
    ['more than 50', Array.from({ length: 51 }, (_, i) => `https://site${i}.example`), ['allowedOrigins']],
    ['a string instead of a list', 'https://shop.example.com', ['allowedOrigins']],
    ['an origin of 301 characters', [`https://${'a'.repeat(285)}.example`], ['allowedOrigins.0']],
  ])('refuses %s with 400 validation_failed naming each bad entry, and saves nothing', async (_case, allowedOrigins, fields) => {
    const { tenant, admin } = await tenantWithTeam();

    const problem = expectProblem(await patch(admin, { allowedOrigins }), 400, 'validation_failed');

    expect((problem.errors as Array<{ field: string }>).map((e) => e.field)).toEqual(fields);
    expect(await storedOrigins(tenant.id)).toBeUndefined();
    expect(await auditOf(tenant.id)).toEqual([]);
  });

  it('accepts 50, and is changed by admins only (403 for members)', async () => {
    const { admin, member } = await tenantWithTeam();
    const fifty = Array.from({ length: 50 }, (_, i) => `https://site${i}.example`);

    expect((await patch(admin, { allowedOrigins: fifty })).json()).toMatchObject({ allowedOrigins: fifty });
    expectProblem(await patch(member, { allowedOrigins: [] }), 403, 'forbidden');
    expect((await getAssistant(member)).json()).toMatchObject({ allowedOrigins: fifty });
  });
});

describe('the provider API key', () => {
  it('is never returned nor audited, and is stored sealed with CHAT_ENCRYPTION_KEY (AES-256-GCM, bound to the tenant)', async () => {
    const { tenant, admin, member } = await tenantWithTeam();

    const res = await patch(admin, { provider: 'openai_compatible', model: 'gpt-4o-mini', baseUrl: 'https://api.openai.com/v1', apiKey: API_KEY });

    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ provider: 'openai_compatible', baseUrl: 'https://api.openai.com/v1', hasApiKey: true });
    expect(res.body).not.toContain(API_KEY);
    expect(res.body).not.toMatch(/apiKey"/);
    expect((await getAssistant(member)).body).not.toContain(API_KEY);
    const audit = await auditOf(tenant.id);
    expect(audit).toEqual([{ action: 'assistant.updated', data: { changed: ['apiKey', 'baseUrl', 'model', 'provider'] } }]);
    expect(JSON.stringify(audit)).not.toContain('SECRET');

    const sealed = (await storedRow(tenant.id))!.api_key_encrypted!;
    expect(sealed.toString('latin1')).not.toContain('SECRET');
    expect(sealed.toString('base64')).not.toContain(Buffer.from(API_KEY).toString('base64').slice(0, 12));
    const box = SecretBox.fromBase64(TEST_CHAT_ENCRYPTION_KEY);
    expect(box.open(sealed, tenant.id)).toBe(API_KEY);
    expect(() => box.open(sealed, admin.id)).toThrow();
  });

  it('is removed with null', async () => {
    const { tenant, admin } = await tenantWithTeam();
    await patch(admin, { apiKey: API_KEY });

    expect((await patch(admin, { apiKey: null })).json()).toMatchObject({ hasApiKey: false });
    expect((await storedRow(tenant.id))!.api_key_encrypted).toBeNull();
  });

  it('is dropped when the base URL changes without a new key (never sent to another endpoint)', async () => {
    const { tenant, admin } = await tenantWithTeam();
    await patch(admin, { provider: 'openai_compatible', model: 'm', baseUrl: 'https://one.example.com/v1', apiKey: API_KEY });

    const moved = await patch(admin, { baseUrl: 'https://two.example.com/v1' });

    expect(moved.json()).toMatchObject({ baseUrl: 'https://two.example.com/v1', hasApiKey: false });
    expect((await auditOf(tenant.id)).at(-1)).toEqual({ action: 'assistant.updated', data: { changed: ['apiKey', 'baseUrl'] } });
    const both = await patch(admin, { baseUrl: 'https://three.example.com/v1', apiKey: 'sk-new' });
    expect(both.json()).toMatchObject({ hasApiKey: true });
  });
});

describe('prompt templates', () => {
  it('creates immutable versions 1, 2, 3 and lists them newest first with the active one marked', async () => {
    const { tenant, admin } = await tenantWithTeam();

    const v1 = await createPrompt(admin, 'You help {{tenant_name}} customers.');
    await createPrompt(admin, 'Be brief. Today is {{date}}.');
    await createPrompt(admin, 'Third');
    await publish(admin, 2);

    expect(v1.statusCode).toBe(201);
    expect(v1.json()).toEqual({ version: 1, template: 'You help {{tenant_name}} customers.', createdBy: admin.id, createdAt: expect.any(String), active: false });
    const list = await t.inject({ method: 'GET', url: '/api/v1/assistant/prompts?limit=2', headers: admin.auth });
    const page = list.json<{ data: Array<{ version: number; active: boolean }>; nextCursor: string }>();
    expect(page.data.map((p) => [p.version, p.active])).toEqual([
      [3, false],
      [2, true],
    ]);
    const rest = await t.inject({ method: 'GET', url: `/api/v1/assistant/prompts?limit=2&cursor=${page.nextCursor}`, headers: admin.auth });
    expect(rest.json<{ data: Array<{ version: number }>; nextCursor: null }>()).toEqual({ data: [expect.objectContaining({ version: 1, active: false })], nextCursor: null });
    expect((await auditOf(tenant.id)).map((e) => [e.action, e.data])).toEqual([
      ['assistant.prompt_created', { version: 1 }],
      ['assistant.prompt_created', { version: 2 }],
      ['assistant.prompt_created', { version: 3 }],
      ['assistant.prompt_published', { version: 2, previousVersion: null }],
    ]);
  });

  it('numbers concurrent creations without gaps or collisions', async () => {
    const { admin } = await tenantWithTeam();

    const created = await Promise.all(Array.from({ length: 6 }, (_, i) => createPrompt(admin, `Version ${i}`)));

    expect(created.map((r) => r.statusCode)).toEqual(Array(6).fill(201));
    expect(created.map((r) => r.json<{ version: number }>().version).sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('publishes a version (making it active) and rolls back by publishing an older one', async () => {
    const { tenant, admin, member } = await tenantWithTeam();
    await createPrompt(admin, 'first');
    await createPrompt(admin, 'second');

    expect((await publish(admin, 2)).json()).toMatchObject({ activePromptVersion: 2 });
    expect((await publish(admin, 1)).json()).toMatchObject({ activePromptVersion: 1 });

    expect((await getAssistant(member)).json()).toMatchObject({ activePromptVersion: 1 });
    expect((await auditOf(tenant.id)).filter((e) => e.action === 'assistant.prompt_published').map((e) => e.data)).toEqual([
      { version: 2, previousVersion: null },
      { version: 1, previousVersion: 2 },
    ]);
  });

  it('refuses unknown placeholders with 400 naming the template field', async () => {
    const { tenant, admin } = await tenantWithTeam();

    const problem = expectProblem(await createPrompt(admin, 'Hi {{customer_name}}, from {{tenant_name}}'), 400, 'validation_failed');

    expect(problem.errors).toEqual([{ field: 'template', message: expect.stringContaining('{{customer_name}}') }]);
    expect((await t.owner.query('select 1 from prompt_templates where tenant_id = $1', [tenant.id])).rowCount).toBe(0);
  });

  it('refuses an empty template', async () => {
    const { admin } = await tenantWithTeam();

    const problem = expectProblem(await createPrompt(admin, '  '), 400, 'validation_failed');
    expect(problem.errors).toEqual([expect.objectContaining({ field: 'template' })]);
  });

  it('answers 404 prompt_not_found for a version that does not exist (or is another tenant’s)', async () => {
    const { admin } = await tenantWithTeam();
    const other = await tenantWithTeam();
    await createPrompt(other.admin, 'theirs');

    expectProblem(await publish(admin, 1), 404, 'prompt_not_found');
    expectProblem(await publish(admin, 'one'), 400, 'validation_failed');
  });

  it('lets only admins and owners list, create or publish (403 for members)', async () => {
    const { tenant, admin, member } = await tenantWithTeam();
    await createPrompt(admin, 'v1');

    expectProblem(await createPrompt(member, 'mine'), 403, 'forbidden');
    expectProblem(await publish(member, 1), 403, 'forbidden');
    expectProblem(await t.inject({ method: 'GET', url: '/api/v1/assistant/prompts', headers: member.auth }), 403, 'forbidden');

    expect((await t.owner.query('select version from prompt_templates where tenant_id = $1', [tenant.id])).rows).toEqual([{ version: 1 }]);
    expect((await getAssistant(member)).json()).toMatchObject({ activePromptVersion: null });
  });
});
