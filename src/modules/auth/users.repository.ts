import { Injectable } from '@nestjs/common';
import { TenantDb } from '../../platform/db/tenant-db.js';
import { sqlText as sql, statement } from '../../platform/db/statement.js';
import type { Role } from '../../platform/security/permissions.js';
import type { TenantStatusName } from '../../platform/security/principal.js';

export interface Credentials {
  userId: string;
  /** null for an account that never set a password (e.g. made by a platform admin). */
  passwordHash: string | null;
  isPlatformAdmin: boolean;
}

export interface UserView {
  id: string;
  email: string;
  name: string;
  isPlatformAdmin: boolean;
}

/** A tenant of the user in context, with their role there (never a deleted tenant). */
export interface MyTenant {
  id: string;
  slug: string;
  name: string;
  status: TenantStatusName;
  role: Role;
}

/**
 * Users as the auth flows see them. Two lookups cross RLS on purpose, through the migration's
 * SECURITY DEFINER functions: credentials by email (sign-in knows no user yet) and the tenants of
 * the user in context (app.user_id). Everything else is the user reading or changing itself.
 */
@Injectable()
export class UsersRepository {
  constructor(private readonly db: TenantDb) {}

  async credentialsByEmail(email: string): Promise<Credentials | undefined> {
    const rows = await this.db.sql<Credentials>`
      select user_id as "userId", password_hash as "passwordHash", is_platform_admin as "isPlatformAdmin" from auth_credentials(${email})`;
    return rows[0];
  }

  /** The tenants of the user in context, oldest membership first. */
  async tenantsOfUser(): Promise<MyTenant[]> {
    return this.db.sql<MyTenant>`
      select tenant_id as id, slug, name, status::text as status, role from auth_my_tenants()`;
  }

  /**
   * The user in context and the tenants they belong to, in ONE statement (GET /me on every page
   * load): what `findSelf` and `tenantsOfUser` return. The user is undefined when RLS hides them.
   */
  async selfAndTenants(userId: string): Promise<{ user: UserView | undefined; tenants: MyTenant[] }> {
    // Sent by pg itself (TenantDb.batch), not through Prisma's client: this runs on every page load.
    const [row] = await this.db.batch(
      statement(
        sql`
      select (select json_build_object('id', u.id, 'email', u.email, 'name', u.name, 'isPlatformAdmin', u.is_platform_admin)
                from users u where u.id = ${userId}::uuid) as "user",
             coalesce((select json_agg(json_build_object('id', m.tenant_id, 'slug', m.slug, 'name', m.name, 'status', m.status::text, 'role', m.role))
                         from auth_my_tenants() m), '[]'::json) as tenants`,
        ([r]) => r as { user: UserView | null; tenants: MyTenant[] },
      ),
    );
    return { user: row.user ?? undefined, tenants: row.tenants };
  }

  /** The user in context (RLS: a user always sees itself). */
  async findSelf(userId: string): Promise<UserView | undefined> {
    const user = await this.db.client.user.findFirst({
      where: { id: userId },
      select: { id: true, email: true, name: true, isPlatformAdmin: true },
    });
    return user ?? undefined;
  }

  /** Runs with app.user_id = id: the insert's RETURNING must see the new row. */
  async create(user: { id: string; email: string; name: string; passwordHash: string }): Promise<void> {
    await this.db.client.user.create({ data: user, select: { id: true } });
  }

  async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    await this.db.client.user.updateMany({ where: { id: userId }, data: { passwordHash } });
  }

  async setName(userId: string, name: string): Promise<void> {
    await this.db.client.user.updateMany({ where: { id: userId }, data: { name } });
  }
}
