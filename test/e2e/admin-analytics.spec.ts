import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { expectProblem } from '../support/http-app.js';
import { type Harness, makeMember, type Member, startHarness } from './tenant-helpers.js';

/**
 * GET /api/v1/admin/analytics on a database holding exactly the fixtures below (each spec file
 * gets a fresh database): every number is known in advance.
 *
 *   tenants  staff (active, free), t1 (active, pro), t2 (suspended, free), t3 (deleted, enterprise)
 *   users    admin (today), two 2 days ago, one 40 days ago (outside 30 days)
 *   logins   t1: two today, one 45 days ago (outside); t2: one yesterday
 *   messages t1: three today, one 3 days ago (when the chat module's table exists)
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
  messagesPerDay: DayCount[];
  notes?: Record<string, string>;
}

let h: Harness;
let admin: Member;
let hasMessages: boolean;
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
  await h.owner.query(`update tenants set status = 'suspended' where id = $1`, [t2.id]);
  await h.owner.query(`update tenants set status = 'deleted', plan = 'enterprise' where id = $1`, [t3.id]);
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

  hasMessages = (await h.owner.query(`select to_regclass('messages') is not null as present`)).rows[0].present;
  if (hasMessages) {
    const conversation = randomUUID();
    await h.owner.query(`insert into conversations (tenant_id, id, channel) values ($1, $2, 'api')`, [t1.id, conversation]);
    for (const daysAgo of [0, 0, 0, 3]) {
      await h.owner.query(
        `insert into messages (tenant_id, conversation_id, role, content, created_at) values ($1, $2, 'user', 'hi', (${at(daysAgo)}) at time zone 'UTC')`,
        [t1.id, conversation],
      );
    }
  }

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
    expect(body.users).toEqual({ total: 4 });
  });

  it('gives one entry per UTC day of the last 30 days (default), oldest first, zeros included', async () => {
    const body = (await analytics()).json<Analytics>();

    expect(body.days).toBe(30);
    for (const series of [body.signupsPerDay, body.loginsPerDay]) {
      expect(series.map((d) => d.day)).toEqual(Array.from({ length: 30 }, (_, i) => day(29 - i)));
    }
  });

  it('counts signups per day from users.created_at, inside the window only', async () => {
    const body = (await analytics()).json<Analytics>();

    expect(nonZero(body.signupsPerDay)).toEqual({ [day(2)]: 2, [day(0)]: 1 });
  });

  it('counts logins per day from the auth.login audit events of every tenant', async () => {
    const body = (await analytics()).json<Analytics>();

    expect(nonZero(body.loginsPerDay)).toEqual({ [day(1)]: 1, [day(0)]: 2 });
  });

  it('counts messages per day, or says why it cannot', async () => {
    const body = (await analytics()).json<Analytics>();

    if (hasMessages) {
      expect(nonZero(body.messagesPerDay)).toEqual({ [day(3)]: 1, [day(0)]: 3 });
      expect(body.notes).toBeUndefined();
    } else {
      expect(body.messagesPerDay).toEqual([]);
      expect(body.notes).toEqual({ messagesPerDay: expect.any(String) });
    }
  });

  it('takes the window from ?days= (1 to 365)', async () => {
    const week = (await analytics('?days=7')).json<Analytics>();
    const long = (await analytics('?days=60')).json<Analytics>();

    expect(week.signupsPerDay.map((d) => d.day)).toEqual(Array.from({ length: 7 }, (_, i) => day(6 - i)));
    expect(nonZero(long.signupsPerDay)).toEqual({ [day(40)]: 1, [day(2)]: 2, [day(0)]: 1 });
    expect(nonZero(long.loginsPerDay)).toEqual({ [day(45)]: 1, [day(1)]: 1, [day(0)]: 2 });
    expectProblem(await analytics('?days=0'), 400, 'validation_failed');
    expectProblem(await analytics('?days=366'), 400, 'validation_failed');
  });
});
