import { createCipheriv, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rotateSecrets } from '../../scripts/secrets-rotate.js';
import { SecretBox, SecretBoxError } from '../../src/modules/chat/assistant/secret-box.js';
import { AssistantService } from '../../src/modules/chat/assistant/assistant.service.js';
import { type AppConfig, loadConfig } from '../../src/platform/config/config.js';
import { TenantContext } from '../../src/platform/context/tenant-context.js';
import { PERMISSIONS } from '../../src/platform/security/permissions.js';
import { TEST_CHAT_ENCRYPTION_KEY, testEnv } from '../support/database.js';
import { createTestApp, type TestApp } from '../support/http-app.js';

/**
 * `npm run secrets:rotate`: every tenant's assistant API key sealed again under the keyring's
 * current key. The old key (CHAT_ENCRYPTION_KEY, id 'k0') sealed them, some in the format from
 * before key ids; the new keyring is CHAT_ENCRYPTION_KEYS=k1:<new> with the old key still there.
 */

const OLD = Buffer.from(TEST_CHAT_ENCRYPTION_KEY, 'base64');
const NEW = randomBytes(32);
const K1 = `k1:${NEW.toString('base64')}`;

let t: TestApp;
/** The configuration after the new key was deployed: k1 current, k0 (the old key) still there. */
let rotating: AppConfig;
/** tenant id → its plaintext API key. */
const plaintexts = new Map<string, string>();

/** A value of the format from before key ids, as the old SecretBox sealed them. */
function sealV1(key: Buffer, plaintext: string, context: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.of(1), iv, cipher.getAuthTag(), ciphertext]);
}

async function storeKey(tenantId: string, sealed: Uint8Array | null): Promise<void> {
  await t.owner.query(
    `insert into assistant_configs (tenant_id, provider, model, base_url, api_key_encrypted)
     values ($1, 'openai_compatible', 'gpt-test', 'https://api.example.com/v1', $2)`,
    [tenantId, sealed === null ? null : Buffer.from(sealed)],
  );
}

const stored = async (tenantId: string): Promise<Buffer | null> =>
  (await t.owner.query<{ k: Buffer | null }>('select api_key_encrypted as k from assistant_configs where tenant_id = $1', [tenantId])).rows[0]!.k;

const keyIdOf = (sealed: Buffer): string | 'v1' => (sealed[0] === 1 ? 'v1' : sealed.subarray(2, 2 + sealed[1]!).toString());

beforeAll(async () => {
  t = await createTestApp();
  rotating = loadConfig(testEnv(t.database, { CHAT_ENCRYPTION_KEYS: K1, CHAT_ENCRYPTION_KEY: TEST_CHAT_ENCRYPTION_KEY }));
  const oldBox = new SecretBox(OLD);
  for (let i = 0; i < 7; i++) {
    const tenant = await t.makeTenant();
    const plaintext = `sk-tenant-${i}-${randomBytes(6).toString('hex')}`;
    plaintexts.set(tenant.id, plaintext);
    await storeKey(tenant.id, i % 2 === 0 ? sealV1(OLD, plaintext, tenant.id) : oldBox.seal(plaintext, tenant.id));
  }
  await storeKey((await t.makeTenant()).id, null); // an assistant without a key: nothing to rotate
});
afterAll(async () => {
  await t?.close();
});

describe('secrets:rotate', () => {
  it('the running API (old key only) reads both old formats', async () => {
    const ctx = t.app.get(TenantContext);
    for (const [tenantId, plaintext] of [...plaintexts].slice(0, 2)) {
      const settings = await ctx.run({ tenantId, actor: 'system', roles: [], permissions: [...PERMISSIONS] }, () => t.app.get(AssistantService).replySettings());
      expect(settings.apiKey).toBe(plaintext);
    }
  });

  it('stopped after the first batch, has rotated that batch only; run again, goes on and rotates the rest, leaving the first untouched', async () => {
    const stop = new AbortController();
    const first = await rotateSecrets(rotating, { batchSize: 3, signal: stop.signal, log: (line) => line.includes('up to tenant') && stop.abort() });

    expect(first).toMatchObject({ keyId: 'k1', rotated: 3, failed: [], remaining: 4, stopped: true });
    const tenants = [...plaintexts.keys()].sort();
    const afterFirst = await Promise.all(tenants.map(stored));
    // The first batch is the first tenants by id.
    expect(afterFirst.slice(0, 3).map((s) => keyIdOf(s!))).toEqual(['k1', 'k1', 'k1']);
    expect(afterFirst.slice(3).map((s) => keyIdOf(s!))).not.toContain('k1');

    const second = await rotateSecrets(rotating, { batchSize: 3 });

    expect(second).toMatchObject({ rotated: 4, current: 0, failed: [], remaining: 0, stopped: false });
    const afterSecond = await Promise.all(tenants.map(stored));
    expect(afterSecond.map((s) => keyIdOf(s!))).toEqual(tenants.map(() => 'k1'));
    for (let i = 0; i < 3; i++) expect(afterSecond[i]!.equals(afterFirst[i]!)).toBe(true);
  });

  it('has sealed every secret under the new key alone: the old key can go', async () => {
    const newOnly = new SecretBox([{ id: 'k1', key: NEW }]);

    for (const [tenantId, plaintext] of plaintexts) expect(newOnly.open((await stored(tenantId))!, tenantId)).toBe(plaintext);
  });

  it('run again, does nothing (idempotent)', async () => {
    const before = await Promise.all([...plaintexts.keys()].map(stored));

    expect(await rotateSecrets(rotating)).toMatchObject({ rotated: 0, current: 0, failed: [], remaining: 0 });
    expect(await Promise.all([...plaintexts.keys()].map(stored))).toEqual(before);
  });

  it('reports a secret whose key was removed from the ring, by tenant and key id, writes nothing for it, and rotates the others', async () => {
    const lost = await t.makeTenant();
    const lostSealed = new SecretBox([{ id: 'k9', key: randomBytes(32) }]).seal('sk-lost', lost.id);
    await storeKey(lost.id, lostSealed);
    const fresh = await t.makeTenant();
    await storeKey(fresh.id, new SecretBox(OLD).seal('sk-fresh', fresh.id));

    const summary = await rotateSecrets(rotating);

    expect(summary).toMatchObject({ rotated: 1, remaining: 1 });
    expect(summary.failed).toEqual([{ tenantId: lost.id, error: expect.stringMatching(/sealed with key 'k9', which is not in the keyring \(k1, k0\)/) }]);
    expect((await stored(lost.id))!.equals(Buffer.from(lostSealed))).toBe(true);
    expect(keyIdOf((await stored(fresh.id))!)).toBe('k1');
    expect(() => new SecretBox(rotating.chatEncryptionKeys).open(lostSealed, lost.id)).toThrow(SecretBoxError);
  });

  it('online: a change committed while the rotation waits for the row is the one it seals, never the value it replaced', async () => {
    const tenant = await t.makeTenant();
    await storeKey(tenant.id, new SecretBox(OLD).seal('sk-before', tenant.id));
    // An administrator's change in flight (an API instance still on the old key): the row is locked until it commits.
    const admin = await t.owner.connect();
    try {
      await admin.query('begin');
      await admin.query('update assistant_configs set api_key_encrypted = $2 where tenant_id = $1', [tenant.id, Buffer.from(new SecretBox(OLD).seal('sk-after', tenant.id))]);

      const rotation = rotateSecrets(rotating);
      // Proceed only once the rotation is waiting for that row lock (nothing is timed).
      const waiting = async (): Promise<boolean> =>
        (await t.owner.query(`select 1 from pg_stat_activity where wait_event_type = 'Lock' and query like '%for update%' and datname = current_database()`)).rowCount! > 0;
      for (let i = 0; !(await waiting()); i++) {
        if (i > 600) throw new Error('the rotation never waited for the row');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await admin.query('commit');

      // (The tenant whose key was removed, above, is reported again: its secret is still not under k1.)
      const summary = await rotation;
      expect(summary.rotated).toBe(1);
      expect(summary.failed.map((f) => f.tenantId)).not.toContain(tenant.id);
    } finally {
      admin.release();
    }
    const sealed = (await stored(tenant.id))!;
    expect(keyIdOf(sealed)).toBe('k1');
    expect(new SecretBox([{ id: 'k1', key: NEW }]).open(sealed, tenant.id)).toBe('sk-after');
  });
});
