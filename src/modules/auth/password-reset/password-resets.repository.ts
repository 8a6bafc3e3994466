import { Injectable } from '@nestjs/common';
import { TenantDb } from '../../../platform/db/tenant-db.js';

export interface ResetRow {
  id: string;
  expiresAt: Date;
  usedAt: Date | null;
}

/** Password resets: user-owned rows (RLS on app.user_id), looked up by the token's hash. */
@Injectable()
export class PasswordResetsRepository {
  constructor(private readonly db: TenantDb) {}

  async create(reset: { userId: string; tokenHash: Uint8Array<ArrayBuffer>; expiresAt: Date }): Promise<void> {
    await this.db.client.passwordReset.create({ data: reset, select: { id: true } });
  }

  async findByHash(tokenHash: Uint8Array<ArrayBuffer>): Promise<ResetRow | undefined> {
    const row = await this.db.client.passwordReset.findFirst({ where: { tokenHash }, select: { id: true, expiresAt: true, usedAt: true } });
    return row ?? undefined;
  }

  /** Uses the reset if it is still unused and unexpired: of two concurrent uses, one wins. */
  async consume(id: string): Promise<boolean> {
    const now = new Date();
    const { count } = await this.db.client.passwordReset.updateMany({
      where: { id, usedAt: null, expiresAt: { gt: now } },
      data: { usedAt: now },
    });
    return count === 1;
  }

  /** Every other open reset of the user dies with the one used. */
  async consumeAllOfUser(userId: string): Promise<void> {
    await this.db.client.passwordReset.updateMany({ where: { userId, usedAt: null }, data: { usedAt: new Date() } });
  }
}
