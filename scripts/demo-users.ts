// The demo users of `npm run db:seed` (src/demo-users.ts): an owner, an admin and a member of acme,
// and a platform admin, with a known password. Idempotent: an existing user keeps its password
// (a changed demo password is not reset) and gets its membership and role back.
import { hash } from '@node-rs/argon2';
import pg from 'pg';
import { DEMO_PASSWORD, DEMO_USERS } from '../src/demo-users.js';
import { ARGON2ID } from '../src/modules/auth/passwords/password-hasher.js';
import type { AppConfig } from '../src/platform/config/config.js';

export async function seedDemoUsers(config: AppConfig): Promise<string[]> {
  // The platform role: the seed writes across tenants (BYPASSRLS), like the tenants import.
  const client = new pg.Client({ connectionString: config.env.PLATFORM_DATABASE_URL, application_name: 'tenantry-seed' });
  await client.connect();
  const lines: string[] = [];
  try {
    const passwordHash = await hash(DEMO_PASSWORD, ARGON2ID);
    await client.query('begin');
    for (const user of DEMO_USERS) {
      const { rows } = await client.query<{ id: string; created: boolean }>(
        `insert into users (email, name, password_hash, is_platform_admin) values ($1, $2, $3, $4)
         on conflict (email) do update set is_platform_admin = excluded.is_platform_admin
         returning id, (xmax = 0) as created`,
        [user.email, user.name, passwordHash, user.platformAdmin],
      );
      const { id, created } = rows[0]!;
      if (user.membership) {
        const joined = await client.query(
          `insert into memberships (tenant_id, user_id, role)
           select t.id, $2, $3 from tenants t where t.slug = $1
           on conflict (tenant_id, user_id) do update set role = excluded.role`,
          [user.membership.tenant, id, user.membership.role],
        );
        if (joined.rowCount === 0) throw new Error(`demo tenant ${user.membership.tenant} is missing: import the tenants first`);
      }
      lines.push(`db:seed: user ${user.email} ${created ? 'created' : 'kept'} (${user.membership ? `${user.membership.role} of ${user.membership.tenant}` : 'platform admin'})`);
    }
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
  return lines;
}
