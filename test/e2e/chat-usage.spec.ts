import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ChatModule } from '../../src/modules/chat/chat.module.js';
import { FAKE_PROVIDER_ENV, type FakeOpenAi, startFakeOpenAi } from '../support/fake-openai.js';
import { createTestApp, type TestApp, type TestMember } from '../support/http-app.js';

/**
 * The chat service meters through the usage seam: each reply counts one message and its tokens in
 * the month's counters and the day's history; a failed reply releases its reservation.
 */

let t: TestApp;
let fake: FakeOpenAi;
beforeAll(async () => {
  fake = await startFakeOpenAi();
  t = await createTestApp({ imports: [ChatModule], env: { ...FAKE_PROVIDER_ENV, PROVIDER_MAX_RETRIES: '0' } });
});
afterAll(async () => {
  await t?.close();
  await fake?.close();
});

const month = () => `${new Date().toISOString().slice(0, 7)}-01`;
const day = () => new Date().toISOString().slice(0, 10);

async function counters(tenantId: string) {
  const { rows } = await t.owner.query<{ metric: string; period: string; used: string; reserved: string }>(
    // api_calls left out: ApiCallMeter writes them asynchronously (rate-limit.spec.ts asserts them).
    "select metric, to_char(period_start, 'YYYY-MM-DD') as period, used, reserved from usage_counters where tenant_id = $1 and metric <> 'api_calls' order by metric",
    [tenantId],
  );
  return rows.map((r) => ({ metric: r.metric, period: r.period, used: Number(r.used), reserved: Number(r.reserved) }));
}
async function daily(tenantId: string) {
  const { rows } = await t.owner.query<{ metric: string; day: string; amount: string }>(
    "select metric, to_char(day, 'YYYY-MM-DD') as day, amount from usage_daily where tenant_id = $1 and metric <> 'api_calls' order by metric",
    [tenantId],
  );
  return rows.map((r) => ({ metric: r.metric, day: r.day, amount: Number(r.amount) }));
}

async function setup(payload?: object): Promise<{ tenantId: string; admin: TestMember; conversation: string }> {
  const tenant = await t.makeTenant();
  const admin = await t.makeMember(tenant.id, 'admin');
  if (payload) expect((await t.inject({ method: 'PATCH', url: '/api/v1/assistant', headers: admin.auth, payload })).statusCode).toBe(200);
  const conversation = (await t.inject({ method: 'POST', url: '/api/v1/conversations', headers: admin.auth })).json<{ id: string }>().id;
  return { tenantId: tenant.id, admin, conversation };
}

const post = (admin: TestMember, conversation: string, content: string) =>
  t.inject({ method: 'POST', url: `/api/v1/conversations/${conversation}/messages`, headers: admin.auth, payload: { content } });

describe('usage metering of replies', () => {
  it("counts each reply's message and tokens in the month's counters and the day's history; nothing stays reserved", async () => {
    const { tenantId, admin, conversation } = await setup();

    const first = (await post(admin, conversation, 'hello')).json<{ usage: { promptTokens: number; completionTokens: number } }>();
    const second = (await post(admin, conversation, 'and again')).json<{ usage: { promptTokens: number; completionTokens: number } }>();

    const tokens = [first, second].reduce((sum, r) => sum + r.usage.promptTokens + r.usage.completionTokens, 0);
    expect(tokens).toBeGreaterThan(0);
    expect(await counters(tenantId)).toEqual([
      { metric: 'messages', period: month(), used: 2, reserved: 0 },
      { metric: 'tokens', period: month(), used: tokens, reserved: 0 },
    ]);
    expect(await daily(tenantId)).toEqual([
      { metric: 'messages', day: day(), amount: 2 },
      { metric: 'tokens', day: day(), amount: tokens },
    ]);
    const { rows } = await t.owner.query<{ sum: string }>(
      "select sum(prompt_tokens + completion_tokens) from messages where tenant_id = $1 and role = 'assistant'",
      [tenantId],
    );
    expect(Number(rows[0]!.sum)).toBe(tokens);
  });

  it('releases the reservation of a failed reply, and meters the next successful one normally', async () => {
    const { tenantId, admin, conversation } = await setup({ provider: 'openai_compatible', model: 'm', baseUrl: fake.baseUrl });
    fake.enqueue({ kind: 'status', status: 503 });

    expect((await post(admin, conversation, 'fails')).statusCode).toBe(502);
    expect(await counters(tenantId)).toEqual([
      { metric: 'messages', period: month(), used: 0, reserved: 0 },
      { metric: 'tokens', period: month(), used: 0, reserved: 0 },
    ]);
    expect(await daily(tenantId)).toEqual([]);

    fake.enqueue({ kind: 'ok', usage: { prompt_tokens: 12, completion_tokens: 8 } });
    expect((await post(admin, conversation, 'works')).statusCode).toBe(200);
    expect(await counters(tenantId)).toEqual([
      { metric: 'messages', period: month(), used: 1, reserved: 0 },
      { metric: 'tokens', period: month(), used: 20, reserved: 0 },
    ]);
  });

  it('keeps counting correctly under concurrent replies in one tenant', async () => {
    const { tenantId, admin, conversation } = await setup();

    const replies = await Promise.all(Array.from({ length: 8 }, (_, i) => post(admin, conversation, `message ${i}`)));

    expect(replies.map((r) => r.statusCode)).toEqual(Array(8).fill(200));
    const tokens = replies.map((r) => r.json<{ usage: { promptTokens: number; completionTokens: number } }>().usage).reduce((s, u) => s + u.promptTokens + u.completionTokens, 0);
    expect(await counters(tenantId)).toEqual([
      { metric: 'messages', period: month(), used: 8, reserved: 0 },
      { metric: 'tokens', period: month(), used: tokens, reserved: 0 },
    ]);
  });
});
