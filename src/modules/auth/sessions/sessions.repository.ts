import { Injectable } from '@nestjs/common';
import { AccessEpochs } from '../../../platform/cache/access-epochs.js';
import { TenantDb } from '../../../platform/db/tenant-db.js';

export interface SessionRow {
  id: string;
  userId: string;
  familyId: string;
  /** null: a platform session (a platform admin signed in to no tenant). */
  activeTenantId: string | null;
  expiresAt: Date;
  rotatedAt: Date | null;
  revokedAt: Date | null;
}

export interface NewSession {
  userId: string;
  familyId: string;
  activeTenantId: string | null;
  tokenHash: Uint8Array<ArrayBuffer>;
  expiresAt: Date;
  ip?: string;
  userAgent?: string;
}

/** An open session (a refresh-token family whose current token is still valid). */
export interface OpenSession {
  /** The family id: the `sid` of its access tokens. */
  id: string;
  activeTenantId: string | null;
  ip: string | null;
  userAgent: string | null;
  createdAt: Date;
  /** When its current refresh token was issued (sign-in, the last refresh or tenant switch). */
  lastUsedAt: Date;
  expiresAt: Date;
}

const SESSION_SELECT = {
  id: true,
  userId: true,
  familyId: true,
  activeTenantId: true,
  expiresAt: true,
  rotatedAt: true,
  revokedAt: true,
} as const;

/**
 * Refresh tokens: one row per token, a family per sign-in. User-owned: every statement runs with
 * app.user_id set, and RLS shows only that user's rows.
 */
@Injectable()
export class SessionsRepository {
  constructor(
    private readonly db: TenantDb,
    private readonly epochs: AccessEpochs,
  ) {}

  async create(session: NewSession): Promise<void> {
    await this.db.client.refreshToken.create({ data: session, select: { id: true } });
  }

  async findByHash(tokenHash: Uint8Array<ArrayBuffer>): Promise<SessionRow | undefined> {
    return (await this.db.client.refreshToken.findFirst({ where: { tokenHash }, select: SESSION_SELECT })) ?? undefined;
  }

  /** The family's current token: the one neither rotated nor revoked (at most one by construction). */
  async findCurrent(userId: string, familyId: string): Promise<SessionRow | undefined> {
    const row = await this.db.client.refreshToken.findFirst({
      where: { userId, familyId, rotatedAt: null, revokedAt: null, expiresAt: { gt: new Date() } },
      select: SESSION_SELECT,
    });
    return row ?? undefined;
  }

  /**
   * Marks the token rotated, if nobody did first: a conditional UPDATE, so of two concurrent
   * rotations of one token exactly one gets true (the other waits for the row lock, then finds
   * rotated_at set).
   */
  async claim(id: string): Promise<boolean> {
    const { count } = await this.db.client.refreshToken.updateMany({
      where: { id, rotatedAt: null, revokedAt: null },
      data: { rotatedAt: new Date() },
    });
    return count === 1;
  }

  /** Revokes every token of the family, the newest included. */
  async revokeFamily(userId: string, familyId: string): Promise<number> {
    const { count } = await this.db.client.refreshToken.updateMany({
      where: { userId, familyId, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    await this.epochs.changed({ userId }); // cached principals of the session read again, on every instance
    return count;
  }

  /** Revokes every session of the user (a password reset signs out everywhere). */
  async revokeAllOfUser(userId: string): Promise<number> {
    const { count } = await this.db.client.refreshToken.updateMany({
      where: { userId, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    await this.epochs.changed({ userId });
    return count;
  }

  /**
   * The user's open sessions: each family's current token (neither rotated nor revoked, not
   * expired), with when the family began (its first token) and when it was last refreshed.
   */
  async listOpen(userId: string): Promise<OpenSession[]> {
    return this.db.sql<OpenSession>`
      select cur.family_id as id, cur.active_tenant_id as "activeTenantId", cur.ip, cur.user_agent as "userAgent",
             (select min(f.created_at) from refresh_tokens f where f.user_id = cur.user_id and f.family_id = cur.family_id) as "createdAt",
             cur.created_at as "lastUsedAt", cur.expires_at as "expiresAt"
      from refresh_tokens cur
      where cur.user_id = ${userId}::uuid and cur.rotated_at is null and cur.revoked_at is null and cur.expires_at > now()
      order by cur.created_at desc`;
  }

  /** Revokes every session of the user but one (a password change keeps the session that made it). */
  async revokeAllOfUserExcept(userId: string, keepFamilyId: string | undefined): Promise<number> {
    const { count } = await this.db.client.refreshToken.updateMany({
      where: { userId, revokedAt: null, ...(keepFamilyId && { familyId: { not: keepFamilyId } }) },
      data: { revokedAt: new Date() },
    });
    await this.epochs.changed({ userId });
    return count;
  }
}
