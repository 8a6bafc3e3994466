/**
 * The floor: the widget's POST /chat contract written as plainly as possible on bare Fastify and
 * pg, with no framework. The same writes under the same RLS (the tenant-facing role, the tenant set
 * with set_config in the transaction), the same per-tenant limit in Redis (a sliding window in one
 * Lua script), the same answer. What it leaves out, being a floor: every check of configuration
 * that can change (the slug's tenant, its limit, welcome and model are read once and kept forever),
 * the usage reservation (the built-in model answers before the transaction commits), audit,
 * logging and errors beyond 404/429.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import pg from 'pg';
import { builtinReply, type BuiltinModel } from '../src/modules/chat/providers/builtin-provider.js';
import { WidgetSessionIds } from '../src/modules/chat/widget/session-id.js';
import type { AppConfig } from '../src/platform/config/config.js';

const LIMIT_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`;

interface FloorTenant {
  id: string;
  limit: number;
  welcome: string;
  model: BuiltinModel;
}


export async function startFloor(port: number): Promise<() => Promise<void>> {
  const pool = new pg.Pool({ connectionString: process.env.APP_DATABASE_URL, max: Number(process.env.DB_POOL_MAX ?? 10) });
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  // The same session ids as Tenantry's (a UUID whose MAC binds it to its tenant), checked the same way.
  const sessionIds = new WidgetSessionIds({ env: { JWT_SECRET: process.env.JWT_SECRET ?? '' } } as AppConfig);
  const tenants = new Map<string, FloorTenant>();
  const app = Fastify();

  async function tenantOf(slug: string): Promise<FloorTenant | undefined> {
    const known = tenants.get(slug);
    if (known) return known;
    const { rows } = await pool.query(
      `select id, coalesce((limit_overrides->>'chat_per_10s')::int, 10) as "limit" from tenants where slug = $1 and status = 'active'`,
      [slug],
    );
    const tenant = rows[0] as { id: string; limit: number } | undefined;
    if (!tenant) return undefined;
    const client = await pool.connect();
    try {
      await client.query(`BEGIN; SELECT set_config('app.tenant_id', '${tenant.id}', true)`);
      const config = await client.query('select welcome_message as welcome, model from assistant_configs where tenant_id = $1 and widget_enabled', [tenant.id]);
      await client.query('COMMIT');
      if (!config.rows[0]) return undefined;
      const floorTenant = { ...tenant, ...(config.rows[0] as { welcome: string; model: BuiltinModel }) };
      tenants.set(slug, floorTenant);
      return floorTenant;
    } finally {
      client.release();
    }
  }

  app.post('/chat', async (request, reply) => {
    const body = request.body as { tenant_id: string; session_id: string; message: string };
    const message = body.message.trim();
    const tenant = await tenantOf(body.tenant_id);
    if (!tenant || sessionIds.check(body.session_id, tenant.id) !== 'ours') return reply.code(404).send({ detail: 'Unknown session' });
    const conversationId = body.session_id;
    const allowed = await redis.eval(LIMIT_LUA, 1, `floor:widget-chat:${tenant.id}`, tenant.limit, 10_000, randomBytes(8).toString('hex'));
    if (allowed !== 1) return reply.code(429).send({ detail: 'Rate limit exceeded' });

    const answer = builtinReply(tenant.model, tenant.welcome, message);
    const tokens = Math.ceil(message.length / 4) + Math.ceil(answer.length / 4);
    const client = await pool.connect();
    try {
      await client.query(`BEGIN; SELECT set_config('app.tenant_id', '${tenant.id}', true)`);
      const now = new Date();
      const { rows } = await client.query(
        `with conv as (
           update conversations set updated_at = $3, title = coalesce(title, $4)
            where tenant_id = $1 and id = $2 and channel = 'widget' returning id
         ), msgs as (
           insert into messages (tenant_id, conversation_id, id, role, content, status, model, prompt_tokens, completion_tokens, created_at)
           select $1, conv.id, m.id, m.role, m.content, 'complete', m.model, m.pt, m.ct, m.at
             from conv, (values ($5::uuid, 'user', $4, null, $7::int, 0, $3::timestamptz),
                                ($6::uuid, 'assistant', $8, $9, 0, $7::int, $3::timestamptz + interval '1 millisecond')) as m(id, role, content, model, pt, ct, at)
         ), counted as (
           insert into usage_counters as c (tenant_id, metric, period_start, used)
           select $1, x.metric, date_trunc('month', $3::timestamptz)::date, x.amount from conv,
                  (values ('messages', 1::bigint), ('tokens', $7::bigint)) as x(metric, amount)
           order by x.metric
           on conflict (tenant_id, metric, period_start) do update set used = c.used + excluded.used, updated_at = now()
         ), daily as (
           insert into usage_daily as d (tenant_id, metric, day, amount)
           select $1, x.metric, $3::date, x.amount from conv, (values ('messages', 1::bigint), ('tokens', $7::bigint)) as x(metric, amount)
           order by x.metric
           on conflict (tenant_id, metric, day) do update set amount = d.amount + excluded.amount
         )
         select id from conv`,
        [tenant.id, conversationId, now, message, randomUUID(), randomUUID(), tokens, answer, tenant.model],
      );
      await client.query(rows.length === 1 ? 'COMMIT' : 'ROLLBACK');
      if (rows.length !== 1) return reply.code(404).send({ detail: 'Unknown session' });
    } finally {
      client.release();
    }
    return { tenant_id: body.tenant_id, session_id: body.session_id, reply: answer, model: tenant.model, mock: true };
  });

  await app.listen({ host: '127.0.0.1', port });
  return async () => {
    await app.close();
    await pool.end();
    redis.disconnect();
  };
}
