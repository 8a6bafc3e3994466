import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { LightMyRequestResponse } from 'fastify';
import { ResilientPool } from '../../src/platform/db/resilient-pool.js';
import { TenantDb } from '../../src/platform/db/tenant-db.js';
import { withAdminClient } from '../support/database.js';
import { createTestApp, type TestApp, type TestMember } from '../support/http-app.js';

/**
 * The API against real PostgreSQL faults: its connections terminated under concurrent load
 * (pg_terminate_backend, what a restart or failover does to them), a table locked past the
 * statement timeout. The process must survive, answer 503 problem+json (never 500), lose no
 * acknowledged write, and serve again at once, without a restart.
 */

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** Terminates every connection of the application (tenant and platform pools) to the test database. */
function terminateAppConnections(database: string): Promise<number> {
  return withAdminClient(async (admin) => {
    const { rowCount } = await admin.query(
      `select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and application_name like 'tenantry-%' and application_name <> 'tenantry-test-owner'`,
      [database],
    );
    return rowCount ?? 0;
  });
}

function expectTransient(res: LightMyRequestResponse): void {
  expect({ status: res.statusCode, type: res.headers['content-type'] }).toEqual({ status: 503, type: 'application/problem+json; charset=utf-8' });
  const body = res.json<{ code: string; requestId?: string }>();
  expect(['database_unavailable', 'database_timeout']).toContain(body.code);
  expect(body.requestId).toEqual(expect.any(String));
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
}

describe('connections terminated under load', () => {
  it('never crash the process nor answer 500; every acknowledged write is stored; the next request succeeds', async () => {
    t = await createTestApp({ env: { DB_POOL_MAX: '4' } });
    const app = t;
    // One tenant per client: each stays below its tenant's rate limit (60 a minute).
    const member = async (): Promise<TestMember> => app.makeMember((await app.makeTenant()).id, 'member');
    const members = await Promise.all(Array.from({ length: 8 }, member));
    const created: string[] = [];
    const refused: LightMyRequestResponse[] = [];
    let stop = false;

    const client = async (member: TestMember): Promise<void> => {
      for (let i = 0; i < 50 && !stop; i++) {
        const res =
          i % 2 === 0
            ? await app.inject({ method: 'POST', url: '/api/v1/conversations', headers: member.auth })
            : await app.inject({ method: 'GET', url: '/api/v1/conversations?limit=5', headers: member.auth });
        if (res.statusCode === 201) created.push(res.json<{ id: string }>().id);
        else if (res.statusCode !== 200) refused.push(res);
      }
    };
    const load = Promise.all(members.map(client));
    let terminated = 0;
    for (let round = 0; round < 8; round++) {
      await sleep(40);
      terminated += await terminateAppConnections(app.database.name);
    }
    stop = true;
    await load;

    expect(terminated).toBeGreaterThan(0);
    expect(created.length).toBeGreaterThan(0);
    for (const res of refused) expectTransient(res);
    const { rows } = await app.owner.query<{ id: string }>('select id from conversations where id = any($1::uuid[])', [created]);
    expect(rows.length).toBe(created.length);
    // Recovery without a restart: the very next requests are served (broken connections were discarded).
    const fresh = await member();
    for (let i = 0; i < 8; i++) expect((await app.inject({ method: 'POST', url: '/api/v1/conversations', headers: fresh.auth })).statusCode).toBe(201);
  });

  it('destroys a checked-out client whose connection died, even when it is released as healthy', async () => {
    t = await createTestApp();
    const pool = t.app.get(TenantDb).pool;
    const client = await pool.connect();
    const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
    await withAdminClient((admin) => admin.query('select pg_terminate_backend($1)', [rows[0]!.pid]));
    await sleep(200); // the 'error' event arrives on the checked-out client: it must not crash the process
    const before = pool.totalCount;
    client.release(); // as Prisma's adapter does after a failed transaction
    expect(pool.totalCount).toBe(before - 1);
    const again = await pool.connect();
    try {
      expect((await again.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid).not.toBe(rows[0]!.pid);
    } finally {
      again.release();
    }
  });

  it('keeps a plain pool of ResilientClients alive when a checked-out connection dies', async () => {
    t = await createTestApp();
    const pool = new ResilientPool({ connectionString: t.database.ownerUrl, max: 2, application_name: 'tenantry-resilient-test' });
    pool.on('error', () => undefined);
    try {
      const client = await pool.connect();
      await withAdminClient((admin) => admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'tenantry-resilient-test'`));
      await expect(client.query('select 1')).rejects.toThrow();
      client.release();
      expect((await pool.query<{ one: number }>('select 1 as one')).rows[0]!.one).toBe(1);
    } finally {
      await pool.end();
    }
  });
});

describe('a table locked past the statement timeout', () => {
  it('answers 503 database_timeout with Retry-After on the API, and the widget its {"detail"} form', async () => {
    t = await createTestApp({ env: { DB_STATEMENT_TIMEOUT_MS: '300' } });
    const tenant = await t.makeTenant();
    const member = await t.makeMember(tenant.id, 'member');
    const locker = await t.owner.connect();
    try {
      await locker.query('begin');
      await locker.query('lock table conversations, tenants in access exclusive mode');
      const api = await t.inject({ method: 'POST', url: '/api/v1/conversations', headers: member.auth });
      expectTransient(api);
      expect(api.json<{ code: string }>().code).toBe('database_timeout');

      const widget = await t.inject({ method: 'POST', url: '/session', payload: { tenant_id: tenant.slug } });
      expect({ status: widget.statusCode, type: widget.headers['content-type'] }).toEqual({ status: 503, type: 'application/json; charset=utf-8' });
      expect(widget.json()).toEqual({ detail: expect.any(String) });
      expect(widget.headers['retry-after']).toBe('2');
    } finally {
      await locker.query('rollback');
      locker.release();
    }
    expect((await t.inject({ method: 'POST', url: '/api/v1/conversations', headers: member.auth })).statusCode).toBe(201);
  });
});
