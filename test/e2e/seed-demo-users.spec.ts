import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { seedDemoUsers } from '../../scripts/demo-users.js';
import { importTenantsFile } from '../../scripts/tenants-import.js';
import { DEMO_PASSWORD, DEMO_USERS, describeDemoUsers } from '../../src/demo-users.js';
import { createTestApp, type TestApp } from '../support/http-app.js';

/** `npm run db:seed`'s demo users: they sign in with the README's password, in their roles; re-seeding changes nothing. */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  await importTenantsFile(path.resolve('prisma/seed/tenants.jsonl'), t.config);
});
afterAll(async () => {
  await t?.close();
});

describe('the demo users', () => {
  it('sign in with the known password: owner, admin and member of acme, and a platform admin', async () => {
    const lines = await seedDemoUsers(t.config);
    expect(lines).toHaveLength(4);
    for (const user of DEMO_USERS) {
      const res = await t.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: DEMO_PASSWORD } });
      expect({ email: user.email, status: res.statusCode }).toEqual({ email: user.email, status: 200 });
      const body = res.json<{ tenant: { slug: string; role: string } | null; platformAdmin?: boolean }>();
      if (user.membership) expect(body.tenant).toMatchObject({ slug: user.membership.tenant, role: user.membership.role });
      else expect(body).toMatchObject({ tenant: null, platformAdmin: true });
    }
  });

  it('re-seeding is idempotent: no duplicate, and a changed password is kept', async () => {
    await seedDemoUsers(t.config);
    await t.owner.query("update users set password_hash = 'changed' where email = 'member@acme.test'");
    const lines = await seedDemoUsers(t.config);
    expect(lines.every((l) => l.includes(' kept '))).toBe(true);
    const { rows } = await t.owner.query<{ n: number }>("select count(*)::int as n from users where email like '%@acme.test' or email = 'platform@tenantry.test'");
    expect(rows[0]!.n).toBe(4);
    const { rows: hashRows } = await t.owner.query<{ password_hash: string }>("select password_hash from users where email = 'member@acme.test'");
    expect(hashRows[0]!.password_hash).toBe('changed');
  });

  it('are listed for the development start-up banner', () => {
    const text = describeDemoUsers('http://127.0.0.1:3000').join('\n');
    for (const user of DEMO_USERS) expect(text).toContain(user.email);
    expect(text).toContain(DEMO_PASSWORD);
  });
});
