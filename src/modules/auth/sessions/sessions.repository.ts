import { Injectable } from '@nestjs/common';
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
  constructor(private readonly db: TenantDb) {}

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
    return count;
  }

  /** Revokes every session of the user (a password reset signs out everywhere). */
  async revokeAllOfUser(userId: string): Promise<number> {
    const { count } = await this.db.client.refreshToken.updateMany({
      where: { userId, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    return count;
  }
}
