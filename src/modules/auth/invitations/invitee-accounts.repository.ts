import { Injectable } from '@nestjs/common';
import { TenantDb } from '../../../platform/db/tenant-db.js';

export interface Credentials {
  userId: string;
  passwordHash: string | null;
}

/**
 * The accounts side of an invitation: who has the invited email, and creating a user. Users are
 * platform-level rows; a tenant-facing session sees only itself and its tenant's members, so the
 * lookup by email goes through the SECURITY DEFINER function auth_credentials.
 */
@Injectable()
export class InviteeAccountsRepository {
  constructor(private readonly db: TenantDb) {}

  async credentials(email: string): Promise<Credentials | null> {
    const rows = await this.db.sql<{ user_id: string; password_hash: string | null }>`select user_id, password_hash from auth_credentials(${email})`;
    const row = rows[0];
    return row ? { userId: row.user_id, passwordHash: row.password_hash } : null;
  }

  /** Must run in a context whose userId is `id`: the users policy shows a new row only to itself. */
  async createUser(user: { id: string; email: string; name: string; passwordHash: string }): Promise<void> {
    await this.db.client.user.create({ data: user, select: { id: true } });
  }

  async nameOf(userId: string): Promise<string | null> {
    const user = await this.db.client.user.findFirst({ where: { id: userId }, select: { name: true } });
    return user?.name ?? null;
  }
}
