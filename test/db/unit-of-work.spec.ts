import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { sqlText, statement } from '../../src/platform/db/statement.js';
import type { TenantTx } from '../../src/platform/db/tenant-db.js';
import { createDataApp, type DataApp, makeTenant, makeTenants } from '../support/data-app.js';

/**
 * db.transaction(fn) is the one unit of work: one interactive transaction with the tenant set,
 * which everything inside joins (nested calls, db.client, db.sql), and which a throw undoes
 * entirely. The tenant setting is transaction-local: it never outlives the unit of work on a
 * pooled connection. Outcomes are checked through the platform role, outside the transaction.
 */

const MISSING_TENANT = { code: 'tenant_context_missing' };


let t: DataApp;
beforeAll(async () => {
  t = await createDataApp();
});
afterAll(async () => {
  await t?.close();
});

let tenantId: string;
beforeEach(async () => {
  tenantId = await makeTenant(t.platform, { name: 'Original name', settings: false });
});

const inTenant = <T>(fn: () => Promise<T>): Promise<T> => t.ctx.run({ tenantId }, fn);
const settingsInTable = () => t.platform.client.tenantSettings.findUnique({ where: { tenantId } });
const nameInTable = async () => (await t.platform.client.tenant.findUniqueOrThrow({ where: { id: tenantId } })).name;
const tenantSetting = async (): Promise<string> => (await t.db.sql<{ tenant: string }>`select current_setting('app.tenant_id') as tenant`)[0]!.tenant;

class Boom extends Error {}

describe('a unit of work', () => {
  it('commits its writes and returns the callback’s value when the callback returns', async () => {
    const result = await inTenant(() =>
      t.db.transaction(async (tx) => {
        await tx.tenantSettings.create({ data: { tenantId, displayName: 'kept' } });
        await tx.tenant.update({ where: { id: tenantId }, data: { name: 'New name' } });
        return 'done';
      }),
    );

    expect(result).toBe('done');
    expect(await settingsInTable()).toMatchObject({ displayName: 'kept' });
    expect(await nameInTable()).toBe('New name');
  });

  it('leaves nothing behind when the callback throws: rows written before the throw are gone', async () => {
    const work = inTenant(() =>
      t.db.transaction(async (tx) => {
        await tx.tenantSettings.create({ data: { tenantId, displayName: 'draft' } });
        await tx.tenant.update({ where: { id: tenantId }, data: { name: 'New name' } });
        expect(await tx.tenantSettings.count()).toBe(1); // written, inside the transaction
        throw new Boom('fails after writing');
      }),
    );

    await expect(work).rejects.toBeInstanceOf(Boom);
    expect(await settingsInTable()).toBeNull();
    expect(await nameInTable()).toBe('Original name');
  });

  it('runs with the tenant in context set in PostgreSQL', async () => {
    expect(await inTenant(() => t.db.transaction(() => tenantSetting()))).toBe(tenantId);
  });
});

describe('a nested db.transaction', () => {
  it('joins the outer unit of work: same transaction, same tenant setting', async () => {
    const seen = await inTenant(() =>
      t.db.transaction(async (outer) => {
        const inner = await t.db.transaction(async (tx) => ({ tx, setting: await tenantSetting() }));
        return { sameTx: inner.tx === outer, setting: inner.setting };
      }),
    );

    expect(seen).toEqual({ sameTx: true, setting: tenantId });
  });

  it('is rolled back by a throw in the outer unit of work after the inner one returned', async () => {
    const work = inTenant(() =>
      t.db.transaction(async () => {
        await t.db.transaction(async (tx) => {
          await tx.tenantSettings.create({ data: { tenantId, displayName: 'written by the inner unit of work' } });
          await tx.tenant.update({ where: { id: tenantId }, data: { name: 'New name' } });
        });
        expect(await settingsInTable()).toBeNull(); // the inner one did not commit on its own
        throw new Boom('outer fails afterwards');
      }),
    );

    await expect(work).rejects.toBeInstanceOf(Boom);
    expect(await settingsInTable()).toBeNull();
    expect(await nameInTable()).toBe('Original name');
  });
});

describe('operations made through db.client and db.sql inside a unit of work', () => {
  // E.g. a service called from inside a unit of work, which knows nothing of `tx`.
  const writeWithoutTx = async (): Promise<void> => {
    await t.db.client.tenantSettings.create({ data: { tenantId, displayName: 'via db.client' } });
    await t.db.sql`update tenants set name = 'New name' where id = ${tenantId}::uuid returning id`;
  };

  it('join it: their writes are visible inside, not yet outside, and commit with it', async () => {
    await inTenant(() =>
      t.db.transaction(async (tx: TenantTx) => {
        await writeWithoutTx();
        expect(await tx.tenantSettings.findUnique({ where: { tenantId } })).toMatchObject({ displayName: 'via db.client' });
        expect(await settingsInTable()).toBeNull();
      }),
    );

    expect(await settingsInTable()).toMatchObject({ displayName: 'via db.client' });
    expect(await nameInTable()).toBe('New name');
  });

  it('join it: their writes roll back with it', async () => {
    const work = inTenant(() =>
      t.db.transaction(async () => {
        await writeWithoutTx();
        throw new Boom('fails after writing');
      }),
    );

    await expect(work).rejects.toBeInstanceOf(Boom);
    expect(await settingsInTable()).toBeNull();
    expect(await nameInTable()).toBe('Original name');
  });
});

describe('a unit of work without a tenant', () => {
  it('throws tenant_context_missing and never runs the callback, outside any context or in one without a tenant', async () => {
    let ran = false;
    const callback = async (): Promise<void> => {
      ran = true;
    };

    await expect(t.db.transaction(callback)).rejects.toMatchObject(MISSING_TENANT);
    await expect(t.ctx.run({ userId: 'anonymous' }, () => t.db.transaction(callback))).rejects.toMatchObject(MISSING_TENANT);
    expect(ran).toBe(false);
  });
});

describe('a tenantless unit of work (TenantContext.runWithoutTenant)', () => {
  let userId: string;
  beforeEach(async () => {
    userId = (await t.platform.client.user.create({ data: { email: `${randomUUID()}@example.test`, name: 'U' }, select: { id: true } })).id;
  });
  const asUser = <T>(fn: () => Promise<T>): Promise<T> => t.ctx.runWithoutTenant({ userId }, fn);
  const settings = async () =>
    (await t.db.sql<{ tenant: string; user: string }>`
      select current_setting('app.tenant_id') as tenant, current_setting('app.user_id') as user`)[0];
  const resetsInTable = async (): Promise<number> => t.platform.client.passwordReset.count({ where: { userId } });
  const writeReset = () =>
    t.db.sql`insert into password_resets (user_id, token_hash, expires_at)
             values (${userId}::uuid, uuid_send(gen_random_uuid()), now() + interval '1 hour') returning id`;

  it('runs as the user with no tenant set, standalone and in a unit of work', async () => {
    expect(await asUser(() => settings())).toEqual({ tenant: '', user: userId });
    expect(await asUser(() => t.db.transaction(() => settings()))).toEqual({ tenant: '', user: userId });
  });

  it('runs anonymously with neither set when no user is given', async () => {
    expect(await t.ctx.runWithoutTenant({}, () => settings())).toEqual({ tenant: '', user: '' });
    expect(await t.ctx.runWithoutTenant({}, () => t.db.transaction(() => settings()))).toEqual({ tenant: '', user: '' });
  });

  it('commits the user’s writes to user-owned tables, and a throw rolls all of them back', async () => {
    await asUser(() => t.db.transaction(async () => writeReset()));
    expect(await resetsInTable()).toBe(1);

    const failed = asUser(() =>
      t.db.transaction(async () => {
        await writeReset();
        await t.db.transaction(async () => writeReset()); // nested: joins
        throw new Boom('fails after writing');
      }),
    );
    await expect(failed).rejects.toBeInstanceOf(Boom);
    expect(await resetsInTable()).toBe(1);
  });

  it('refuses a tenant id, and a user id that is not a uuid, before running anything', () => {
    let ran = false;
    const fn = (): void => {
      ran = true;
    };
    expect(() => t.ctx.runWithoutTenant({ tenantId } as never, fn)).toThrow(TypeError);
    expect(() => t.ctx.runWithoutTenant({ userId: 'anonymous' }, fn)).toThrow(TypeError);
    expect(ran).toBe(false);
  });

  it('is a deliberate choice: a copy of its state in a plain run, without a tenant, is refused again', async () => {
    const copied = asUser(() => t.ctx.run({ ...t.ctx.current() }, () => t.db.transaction(async () => 'ran')));
    await expect(copied).rejects.toMatchObject(MISSING_TENANT);
  });

  it('ends where a tenant context begins: run with a tenant inside it binds that tenant', async () => {
    const inner = await asUser(() => t.ctx.run({ tenantId, userId }, () => t.db.transaction(() => settings())));
    expect(inner).toEqual({ tenant: tenantId, user: userId });
  });
});

describe('the transaction-local tenant setting', () => {
  /**
   * A connection's app.tenant_id outside any transaction, as null when unset: PostgreSQL reads it
   * as null before any transaction set it, and as '' after one did (and ended).
   */
  const settingOf = async (query: (text: string) => Promise<{ rows: Array<{ tenant: string | null; pid: number }> }>) => {
    const { tenant, pid } = (await query("select current_setting('app.tenant_id', true) as tenant, pg_backend_pid() as pid")).rows[0]!;
    return { tenant: tenant || null, pid };
  };

  describe('on a pool of one connection', () => {
    let single: DataApp;
    beforeAll(async () => {
      single = await createDataApp({ env: { DB_POOL_MAX: '1' } });
    });
    afterAll(async () => {
      await single?.close();
    });

    const outside = () => settingOf((text) => single.db.pool.query(text));

    it('does not outlive a unit of work, a failed one, or a standalone operation', async () => {
      const { pid } = await outside();
      const tenants = await makeTenants(single.platform, 3);

      for (let round = 0; round < 3; round++) {
        for (const id of tenants) {
          const inside = await single.ctx.run({ tenantId: id }, () =>
            single.db.transaction(async () => (await single.db.sql<{ tenant: string }>`select current_setting('app.tenant_id') as tenant`)[0]!.tenant),
          );
          expect(inside).toBe(id);
          expect(await outside()).toEqual({ tenant: null, pid });

          const failed = single.ctx.run({ tenantId: id }, () =>
            single.db.transaction(async (tx) => {
              await tx.tenantSettings.findMany();
              throw new Boom('rolled back');
            }),
          );
          await expect(failed).rejects.toBeInstanceOf(Boom);
          expect(await outside()).toEqual({ tenant: null, pid });

          await single.ctx.run({ tenantId: id }, () => single.db.client.tenantSettings.findMany());
          expect(await outside()).toEqual({ tenant: null, pid });
        }
      }
    });

    // Nothing in the code sets a session-level value; this proves a tenantless context binds its
    // own ('' and the user, or '' and '') rather than trusting that nothing ever will.
    it('a tenantless context never inherits a tenant or user left on the connection at session level', async () => {
      const leftover = await makeTenant(single.platform);
      const userId = randomUUID();
      await single.db.pool.query(`select set_config('app.tenant_id', '${leftover}', false), set_config('app.user_id', '${userId}', false)`);
      try {
        expect(await outside()).toMatchObject({ tenant: leftover }); // the control: the leftover is there
        const seen = () => single.db.sql<{ tenant: string; user: string; n: number }>`
          select current_setting('app.tenant_id') as tenant, current_setting('app.user_id') as user,
                 (select count(*)::int from tenant_settings) as n`;
        expect(await single.ctx.runWithoutTenant({}, seen)).toEqual([{ tenant: '', user: '', n: 0 }]);
        expect(await single.ctx.runWithoutTenant({}, () => single.db.transaction(seen))).toEqual([{ tenant: '', user: '', n: 0 }]);
      } finally {
        await single.db.pool.query('reset app.tenant_id; reset app.user_id');
      }
    });
  });

  it('is unset on every connection of a pool after concurrent units of work', async () => {
    const tenants = await makeTenants(t.platform, 6);
    await Promise.all(
      tenants.map((id) =>
        t.ctx.run({ tenantId: id }, () =>
          t.db.transaction(async (tx) => {
            await tx.tenantSettings.findMany();
            await new Promise((resolve) => setTimeout(resolve, 20)); // keep several connections busy at once
          }),
        ),
      ),
    );
    expect(t.db.pool.totalCount).toBeGreaterThan(1);

    const clients = await Promise.all(Array.from({ length: t.db.pool.totalCount }, () => t.db.pool.connect()));
    try {
      const settings = await Promise.all(clients.map((client) => settingOf((text) => client.query(text))));
      expect(new Set(settings.map((s) => s.pid)).size).toBe(clients.length);
      expect(settings.map((s) => s.tenant)).toEqual(clients.map(() => null));
    } finally {
      for (const client of clients) client.release();
    }
  });
});

describe('db.batch: statements in one round trip, all or nothing', () => {
  const rename = (name: string) => statement(sqlText`update tenants set name = ${name}::text where id = ${tenantId}::uuid returning name`, (rows) => rows.map((r) => r.name));
  const settingOf = () => statement(sqlText`select current_setting('app.tenant_id') as tenant`, ([r]) => r!.tenant as string);
  const visibleTenants = () => statement(sqlText`select count(*) as n from tenant_settings`, ([r]) => Number(r!.n));

  it('runs the statements in order with the tenant set, and reads each one’s rows', async () => {
    const [renamed, setting] = await inTenant(() => t.db.batch(rename('Batched'), settingOf()));

    expect(renamed).toEqual(['Batched']);
    expect(setting).toBe(tenantId);
    expect(await nameInTable()).toBe('Batched');
  });

  it('leaves nothing behind when a later statement fails: the earlier writes are rolled back', async () => {
    const failing = statement(sqlText`select 1 / 0 as boom`, () => undefined);

    await expect(inTenant(() => t.db.batch(rename('Written, then undone'), failing))).rejects.toMatchObject({ code: '22012' });

    expect(await nameInTable()).toBe('Original name');
    expect(await inTenant(() => tenantSetting())).toBe(tenantId); // the connection is usable again, bound afresh
  });

  it('parses a statement once per connection, and recovers when a batch fails before its later statements were parsed', async () => {
    const failing = statement(sqlText`select 1 / ${0}::int as boom`, () => undefined);
    for (let round = 0; round < 3; round++) {
      // A text no connection has parsed yet, sent after a statement that fails: PostgreSQL skips its Parse.
      const fresh = statement(sqlText`select current_setting('app.tenant_id') as tenant, ${round}::int as round`, ([r]) => r!.tenant as string);
      const failed = await Promise.allSettled(Array.from({ length: 12 }, () => inTenant(() => t.db.batch(failing, fresh))));
      expect(failed.map((o) => (o.status === 'rejected' ? (o.reason as { code?: string }).code : 'fulfilled'))).toEqual(Array(12).fill('22012'));
      // Then the same text on every connection of the pool: it runs (parsed again where it never was).
      const settings = await Promise.all(Array.from({ length: 12 }, () => inTenant(() => t.db.batch(fresh, rename(`Round ${round}`)))));
      expect(settings.map(([setting]) => setting)).toEqual(Array(12).fill(tenantId));
    }
  });

  it('is kept in its tenant by RLS: another tenant’s rows are neither seen nor written', async () => {
    const other = await makeTenant(t.platform, { name: 'Other' });
    await inTenant(() => t.db.transaction((tx) => tx.tenantSettings.create({ data: { tenantId, displayName: 'mine' } })));
    const renameOther = statement(sqlText`update tenants set name = 'taken' where id = ${other}::uuid returning id`, (rows) => rows.length);

    const [seen, renamed] = await inTenant(() => t.db.batch(visibleTenants(), renameOther));

    expect(seen).toBe(1);
    expect(renamed).toBe(0);
    expect((await t.platform.client.tenant.findUniqueOrThrow({ where: { id: other } })).name).toBe('Other');
  });

  it('joins the unit of work in progress (its writes commit or roll back with it)', async () => {
    const work = inTenant(() =>
      t.db.transaction(async () => {
        await t.db.batch(rename('Inside the unit of work'));
        throw new Boom('after the batch');
      }),
    );

    await expect(work).rejects.toBeInstanceOf(Boom);
    expect(await nameInTable()).toBe('Original name');
  });

  it('refuses to run without a tenant or user in context', async () => {
    await expect(t.db.batch(settingOf())).rejects.toMatchObject(MISSING_TENANT);
  });

  it('keeps concurrent batches of different tenants apart on a shared pool', async () => {
    const tenants = await makeTenants(t.platform, 6);
    const settings = await Promise.all(
      Array.from({ length: 60 }, (_, i) => tenants[i % tenants.length]!).map((id) => t.ctx.run({ tenantId: id }, async () => [id, (await t.db.batch(settingOf()))[0]])),
    );

    for (const [expected, actual] of settings) expect(actual).toBe(expected);
  });
});
