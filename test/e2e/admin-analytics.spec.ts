import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { expectProblem } from '../support/http-app.js';
import { type Harness, makeMember, type Member, startHarness } from './tenant-helpers.js';

/**
 * GET /api/v1/admin/analytics on a database holding exactly the fixtures below (each spec file
 * gets a fresh database): every number is known in advance.
 *
 *   tenants  staff (active, free), t1 (active, pro), t2 (suspended, free), t3 (deleted, enterprise);
 *            all made today but t2, made 5 days ago, and t3, 50 days ago
 *   users    admin and t1's owner (today), two 2 days ago, one 40 days ago (outside 30 days)
 *   logins   t1: two today, one 45 days ago (outside); t2: one yesterday
 *   messages t1: three today, one 3 days ago, one 31 days ago (just outside 30 days)
 *   other    t1: an audit event that is not a sign-in, today (never counted)
 */

interface DayCount {
  day: string;
  count: number;
}

interface Analytics {
  days: number;
  tenants: { total: number; byStatus: Record<string, number>; byPlan: Record<string, number> };
  users: { total: number };
  signupsPerDay: DayCount[];
  loginsPerDay: DayCount[];
  newTenantsPerDay: DayCount[];
  messagesPerDay: DayCount[];
}

let h: Harness;
let admin: Member;
let tenantMember: Member;
/** UTC dates, YYYY-MM-DD: today, and n days ago. */
let day: (daysAgo: number) => string;

/** A timestamp `daysAgo` UTC days back, at 00:30 UTC (never in another day, whatever the time now). */
const at = (daysAgo: number) => `date_trunc('day', now() at time zone 'UTC') - interval '${daysAgo} days' + interval '30 minutes'`;

async function login(tenantId: string, seq: number, daysAgo: number): Promise<void> {
  await h.owner.query(
    `insert into audit_events (tenant_id, seq, actor_type, action, created_at, prev_hash, hash)
     values ($1, $2, 'user', 'auth.login', (${at(daysAgo)}) at time zone 'UTC', '\\x00', '\\x00')`,
    [tenantId, seq],
  );
}

beforeAll(async () => {
  h = await startHarness();
  const staff = await h.t.makeTenant();
  admin = await makeMember(h.owner, staff.id, 'member', { platformAdmin: true });
  const [t1, t2, t3] = [await h.t.makeTenant(), await h.t.makeTenant(), await h.t.makeTenant()];
  await h.owner.query(`update tenants set plan = 'pro' where id = $1`, [t1.id]);
  await h.owner.query(`update tenants set status = 'suspended', created_at = (${at(5)}) at time zone 'UTC' where id = $1`, [t2.id]);
  await h.owner.query(`update tenants set status = 'deleted', plan = 'enterprise', created_at = (${at(50)}) at time zone 'UTC' where id = $1`, [t3.id]);
  for (const daysAgo of [2, 2, 40]) {
    await h.owner.query(`insert into users (id, email, name, created_at) values ($1, $2, 'U', (${at(daysAgo)}) at time zone 'UTC')`, [
      randomUUID(),
      `${randomUUID()}@example.test`,
    ]);
  }
  await login(t1.id, 1, 0);
  await login(t1.id, 2, 0);
  await login(t1.id, 3, 45);
  await login(t2.id, 1, 1);
  await h.owner.query(
    `insert into audit_events (tenant_id, seq, actor_type, action, created_at, prev_hash, hash) values ($1, 4, 'user', 'member.invited', now(), '\\x00', '\\x00')`,
    [t1.id],
  );

  const conversation = randomUUID();
  await h.owner.query(`insert into conversations (tenant_id, id, channel) values ($1, $2, 'api')`, [t1.id, conversation]);
  for (const [daysAgo, role] of [[0, 'user'], [0, 'assistant'], [0, 'user'], [3, 'user'], [31, 'user']] as const) {
    await h.owner.query(
      `insert into messages (tenant_id, conversation_id, role, content, created_at) values ($1, $2, $3, 'hi', (${at(daysAgo)}) at time zone 'UTC')`,
      [t1.id, conversation, role],
    );
  }
  tenantMember = await makeMember(h.owner, t1.id, 'owner');

  const { rows } = await h.owner.query<{ d: string }>(
    `select to_char((now() at time zone 'UTC')::date - n, 'YYYY-MM-DD') as d from generate_series(0, 400) n order by n`,
  );
  day = (daysAgo) => rows[daysAgo]!.d;
});

afterAll(async () => {
  await h?.close();
});

const analytics = (query = '') => h.t.inject({ method: 'GET', url: `/api/v1/admin/analytics${query}`, headers: admin.auth });

/** The non-zero days of a series, as { day: count }. */
const nonZero = (series: DayCount[]): Record<string, number> => Object.fromEntries(series.filter((d) => d.count > 0).map((d) => [d.day, d.count]));

describe('GET /api/v1/admin/analytics', () => {
  it('counts tenants by status and by plan, and users', async () => {
    const res = await analytics();

    expect(res.statusCode).toBe(200);
    const body = res.json<Analytics>();
    expect(body.tenants).toEqual({
      total: 4,
      byStatus: { active: 2, suspended: 1, deleted: 1 },
      byPlan: { enterprise: 1, free: 2, pro: 1 },
    });
    expect(body.users).toEqual({ total: 5 });
  });

  it('gives one entry per UTC day of the last 30 days (default), oldest first, zeros included', async () => {
    const body = (await analytics()).json<Analytics>();

    expect(body.days).toBe(30);
    for (const series of [body.signupsPerDay, body.newTenantsPerDay, body.loginsPerDay, body.messagesPerDay]) {
      expect(series.map((d) => d.day)).toEqual(Array.from({ length: 30 }, (_, i) => day(29 - i)));
    }
  });

  it('counts signups per day from users.created_at, inside the window only', async () => {
    const body = (await analytics()).json<Analytics>();

    expect(nonZero(body.signupsPerDay)).toEqual({ [day(2)]: 2, [day(0)]: 2 });
  });

  it('counts logins per day from the auth.login audit events of every tenant', async () => {
    const body = (await analytics()).json<Analytics>();

    expect(nonZero(body.loginsPerDay)).toEqual({ [day(1)]: 1, [day(0)]: 2 });
  });

  it('counts the messages of every tenant per day, the users’ and the assistant’s', async () => {
    const body = (await analytics()).json<Analytics>();

    expect(nonZero(body.messagesPerDay)).toEqual({ [day(3)]: 1, [day(0)]: 3 });
  });

  it('counts new tenants per day from tenants.created_at', async () => {
    const body = (await analytics()).json<Analytics>();

    expect(nonZero(body.newTenantsPerDay)).toEqual({ [day(5)]: 1, [day(0)]: 2 });
  });

  it('offers 7, 30 and 90 days in the console: each a full, zero-filled window ending today', async () => {
    for (const days of [7, 30, 90]) {
      const body = (await analytics(`?days=${days}`)).json<Analytics>();

      expect(body.days).toBe(days);
      expect(body.loginsPerDay.map((d) => d.day)).toEqual(Array.from({ length: days }, (_, i) => day(days - 1 - i)));
      expect(body.loginsPerDay.filter((d) => d.count === 0)).toHaveLength(days - Object.keys(nonZero(body.loginsPerDay)).length);
    }
    const quarter = (await analytics('?days=90')).json<Analytics>();
    expect(nonZero(quarter.newTenantsPerDay)).toEqual({ [day(50)]: 1, [day(5)]: 1, [day(0)]: 2 });
    expect(nonZero(quarter.messagesPerDay)).toEqual({ [day(31)]: 1, [day(3)]: 1, [day(0)]: 3 });
  });

  it('is for platform admins only: a tenant owner is refused', async () => {
    expectProblem(await h.t.inject({ method: 'GET', url: '/api/v1/admin/analytics', headers: tenantMember.auth }), 403, 'platform_admin_required');
  });

  it('takes the window from ?days= (1 to 365)', async () => {
    const week = (await analytics('?days=7')).json<Analytics>();
    const long = (await analytics('?days=60')).json<Analytics>();

    expect(week.signupsPerDay.map((d) => d.day)).toEqual(Array.from({ length: 7 }, (_, i) => day(6 - i)));
    expect(nonZero(long.signupsPerDay)).toEqual({ [day(40)]: 1, [day(2)]: 2, [day(0)]: 2 });
    expect(nonZero(long.loginsPerDay)).toEqual({ [day(45)]: 1, [day(1)]: 1, [day(0)]: 2 });
    expectProblem(await analytics('?days=0'), 400, 'validation_failed');
    expectProblem(await analytics('?days=366'), 400, 'validation_failed');
  });
});
