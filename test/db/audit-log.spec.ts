import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { AuditLog, chainHash, type ChainedFields } from '../../src/platform/audit/audit-log.js';
import type { ContextState } from '../../src/platform/context/tenant-context.js';
import { TenantContextMissingError } from '../../src/platform/context/tenant-context.js';
import { createDataApp, type DataApp, makeTenant } from '../support/data-app.js';

/**
 * The audit log at the database level: append-only for the tenant role, one hash chain per tenant
 * that never forks under concurrency, written in the unit of work of the change it describes, and
 * a verification that notices what the owner connection (a superuser) did behind its back.
 */

let d: DataApp;
let audit: AuditLog;
let owner: pg.Pool;

interface Row {
  seq: string;
  id: string;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  user_agent: string | null;
  data: unknown;
  created_at: Date;
  prev_hash: Buffer;
  hash: Buffer;
}

beforeAll(async () => {
  d = await createDataApp();
  audit = new AuditLog(d.db, d.ctx);
  owner = new pg.Pool({ connectionString: d.database.ownerUrl, max: 2 });
  owner.on('error', () => undefined);
});

afterAll(async () => {
  await owner?.end();
  await d?.close();
});

const inTenant = <T>(tenantId: string, fn: () => Promise<T>, state: Partial<ContextState> = {}): Promise<T> =>
  d.ctx.run({ tenantId, actor: 'system', ...state }, fn);

async function rowsOf(tenantId: string): Promise<Row[]> {
  const { rows } = await owner.query('select * from audit_events where tenant_id = $1 order by seq', [tenantId]);
  return rows as Row[];
}

const fieldsOf = (tenantId: string, row: Row): ChainedFields => ({
  tenantId,
  seq: BigInt(row.seq),
  id: row.id,
  actorType: row.actor_type,
  actorId: row.actor_id,
  action: row.action,
  targetType: row.target_type,
  targetId: row.target_id,
  ip: row.ip,
  userAgent: row.user_agent,
  data: row.data,
  createdAt: row.created_at,
});

async function tenantWithEvents(n: number): Promise<string> {
  const tenantId = await makeTenant(d.platform);
  for (let i = 1; i <= n; i++) await inTenant(tenantId, () => audit.record({ action: 'tenant.settings_updated', data: { i } }));
  return tenantId;
}

describe('AuditLog.record', () => {
  it('chains each event to the previous one of its tenant, from 32 zero bytes', async () => {
    const tenantId = await makeTenant(d.platform);

    for (const action of ['member.role_changed', 'member.removed', 'invitation.created']) {
      await inTenant(tenantId, () => audit.record({ action, data: { z: 1, a: { y: [2, { c: 3, b: 4 }], x: null } } }));
    }

    const rows = await rowsOf(tenantId);
    expect(rows.map((r) => r.seq)).toEqual(['1', '2', '3']);
    expect(rows[0]!.prev_hash.equals(Buffer.alloc(32))).toBe(true);
    rows.forEach((row, i) => {
      if (i > 0) expect(row.prev_hash.equals(rows[i - 1]!.hash)).toBe(true);
      expect(row.hash.equals(Buffer.from(chainHash(row.prev_hash, fieldsOf(tenantId, row))))).toBe(true);
    });
  });

  it('takes the actor, IP and user agent from the context', async () => {
    const tenantId = await makeTenant(d.platform);
    const [userId, apiKeyId] = [randomUUID(), randomUUID()];

    await inTenant(tenantId, () => audit.record({ action: 'member.removed', targetType: 'user', targetId: 'u-1' }), {
      actor: 'user',
      userId,
      ip: '203.0.113.7',
      userAgent: 'curl/8',
    });
    await inTenant(tenantId, () => audit.record({ action: 'api_key.revoked' }), { actor: 'api_key', apiKeyId, userId });
    await inTenant(tenantId, () => audit.record({ action: 'tenant.suspended' }), { actor: undefined });

    expect((await rowsOf(tenantId)).map((r) => [r.actor_type, r.actor_id, r.target_type, r.target_id, r.ip, r.user_agent])).toEqual([
      ['user', userId, 'user', 'u-1', '203.0.113.7', 'curl/8'],
      ['api_key', apiKeyId, null, null, null, null],
      ['system', null, null, null, null, null],
    ]);
  });

  it('is written if and only if the unit of work it joins commits', async () => {
    const tenantId = await makeTenant(d.platform);

    const failed = inTenant(tenantId, () =>
      d.db.transaction(async () => {
        await audit.record({ action: 'member.removed' });
        throw new Error('the change failed');
      }),
    );

    await expect(failed).rejects.toThrow('the change failed');
    expect(await rowsOf(tenantId)).toEqual([]);
  });

  it("records in another tenant's log when told to (platform admin actions)", async () => {
    const [acting, affected] = [await makeTenant(d.platform), await makeTenant(d.platform)];

    await inTenant(acting, () => audit.record({ action: 'admin.tenant_suspended' }, { tenantId: affected }), { actor: 'platform_admin', userId: randomUUID() });

    expect(await rowsOf(acting)).toEqual([]);
    expect((await rowsOf(affected)).map((r) => [r.seq, r.action, r.actor_type])).toEqual([['1', 'admin.tenant_suspended', 'platform_admin']]);
  });

  it('needs a tenant', async () => {
    await expect(d.ctx.run({}, () => audit.record({ action: 'x.y' }))).rejects.toBeInstanceOf(TenantContextMissingError);
  });

  it('keeps one chain under 20 concurrent writers: seqs 1..20, no gap, no fork', async () => {
    const tenantId = await makeTenant(d.platform);

    await Promise.all(Array.from({ length: 20 }, (_, i) => inTenant(tenantId, () => audit.record({ action: 'chat.message', data: { i } }))));

    const rows = await rowsOf(tenantId);
    expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(new Set(rows.map((r) => r.prev_hash.toString('hex'))).size).toBe(20);
    expect(new Set(rows.map((r) => (r.data as { i: number }).i)).size).toBe(20);
    expect(await inTenant(tenantId, () => audit.verify())).toMatchObject({ ok: true, checked: 20 });
  });

  it('keeps tenants apart under concurrency: each gets its own 1..10', async () => {
    const tenants = [await makeTenant(d.platform), await makeTenant(d.platform)];

    await Promise.all(Array.from({ length: 20 }, (_, i) => inTenant(tenants[i % 2]!, () => audit.record({ action: 'chat.message' }))));

    for (const tenantId of tenants) {
      expect((await rowsOf(tenantId)).map((r) => Number(r.seq))).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
      expect(await inTenant(tenantId, () => audit.verify())).toMatchObject({ ok: true, checked: 10 });
    }
  });
});

describe('the tenant role and audit_events', () => {
  let tenantId: string;

  beforeAll(async () => {
    tenantId = await tenantWithEvents(2);
  });

  it.each([
    ['UPDATE', () => d.db.sql`update audit_events set action = 'tampered'`],
    ['DELETE', () => d.db.sql`delete from audit_events`],
  ])('cannot %s, even its own tenant\'s events (permission denied)', async (_, statement) => {
    await expect(inTenant(tenantId, statement)).rejects.toThrow(/permission denied for table audit_events/);

    expect((await rowsOf(tenantId)).map((r) => r.action)).toEqual(['tenant.settings_updated', 'tenant.settings_updated']);
  });

  it('cannot change events through the model either', async () => {
    await expect(inTenant(tenantId, () => d.db.client.auditEvent.updateMany({ where: { tenantId }, data: { action: 'tampered' } }))).rejects.toThrow(
      /permission denied/,
    );
    await expect(inTenant(tenantId, () => d.db.client.auditEvent.deleteMany({ where: { tenantId } }))).rejects.toThrow(/permission denied/);
    expect(await inTenant(tenantId, () => audit.verify())).toMatchObject({ ok: true, checked: 2 });
  });
});

describe('AuditLog.verify', () => {
  it('confirms an intact chain and gives its head', async () => {
    const tenantId = await tenantWithEvents(3);
    const rows = await rowsOf(tenantId);

    expect(await inTenant(tenantId, () => audit.verify())).toEqual({ ok: true, checked: 3, head: { seq: '3', hash: rows[2]!.hash.toString('hex') } });
  });

  it('verifies across its 500-event pages', async () => {
    const tenantId = await makeTenant(d.platform);
    // Written through the owner connection in one statement (records one by one would be slow): a
    // correct chain of 1,001 events, so verify reads three pages.
    let prev: Uint8Array = new Uint8Array(32);
    const values: unknown[][] = [];
    const createdAt = new Date();
    for (let seq = 1; seq <= 1001; seq++) {
      const event: ChainedFields = {
        tenantId,
        seq: BigInt(seq),
        id: randomUUID(),
        actorType: 'system',
        actorId: null,
        action: 'chat.message',
        targetType: null,
        targetId: null,
        ip: null,
        userAgent: null,
        data: { seq },
        createdAt,
      };
      const hash = chainHash(prev, event);
      values.push([seq, event.id, JSON.stringify(event.data), Buffer.from(prev), Buffer.from(hash)]);
      prev = hash;
    }
    await owner.query(
      `insert into audit_events (tenant_id, seq, id, actor_type, action, data, created_at, prev_hash, hash)
       select $1, v.seq, v.id, 'system', 'chat.message', v.data, $2, v.prev_hash, v.hash
         from unnest($3::bigint[], $4::uuid[], $5::jsonb[], $6::bytea[], $7::bytea[]) as v(seq, id, data, prev_hash, hash)`,
      [tenantId, createdAt, ...[0, 1, 2, 3, 4].map((k) => values.map((v) => v[k]))],
    );

    expect(await inTenant(tenantId, () => audit.verify())).toMatchObject({ ok: true, checked: 1001 });

    await owner.query(`update audit_events set data = '{"seq": 0}' where tenant_id = $1 and seq = 777`, [tenantId]);
    expect(await inTenant(tenantId, () => audit.verify())).toEqual({ ok: false, checked: 776, brokenAtSeq: '777' });
  });

  it.each([
    ['an edited field', `update audit_events set ip = '198.51.100.1' where tenant_id = $1 and seq = 2`, '2'],
    ['edited data', `update audit_events set data = '{"i": 42}' where tenant_id = $1 and seq = 3`, '3'],
    ['a moved timestamp', `update audit_events set created_at = created_at - interval '1 hour' where tenant_id = $1 and seq = 2`, '2'],
    ['a deleted event', 'delete from audit_events where tenant_id = $1 and seq = 2', '3'],
    ['a deleted first event', 'delete from audit_events where tenant_id = $1 and seq = 1', '2'],
    ['a replaced hash', `update audit_events set hash = sha256(hash) where tenant_id = $1 and seq = 4`, '4'],
    ['renumbered events', 'update audit_events set seq = seq + 10 where tenant_id = $1 and seq >= 3', '13'],
  ])('notices %s (through the owner connection)', async (_, sql, brokenAtSeq) => {
    const tenantId = await tenantWithEvents(4);

    await owner.query(sql, [tenantId]);

    expect(await inTenant(tenantId, () => audit.verify())).toMatchObject({ ok: false, brokenAtSeq });
  });

  it('cannot see a cut-off tail by itself, but the head it reported changes', async () => {
    const tenantId = await tenantWithEvents(3);
    const before = await inTenant(tenantId, () => audit.verify());

    await owner.query('delete from audit_events where tenant_id = $1 and seq = 3', [tenantId]);
    const after = await inTenant(tenantId, () => audit.verify());

    expect(after).toMatchObject({ ok: true, checked: 2 });
    expect(after.head).not.toEqual(before.head);
  });

  it('needs a tenant', async () => {
    await expect(d.ctx.run({}, () => audit.verify())).rejects.toBeInstanceOf(TenantContextMissingError);
  });
});
