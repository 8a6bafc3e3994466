import { Injectable } from '@nestjs/common';
import { AccessEpochs } from '../../../platform/cache/access-epochs.js';
import { TenantDb } from '../../../platform/db/tenant-db.js';
import { isRole, type Role } from '../../../platform/security/permissions.js';
import { likeLiteral } from '../../../platform/db/like.js';

export interface MemberView {
  userId: string;
  email: string;
  name: string;
  role: Role;
  joinedAt: Date;
}

/** Keyset position in the members list (newest first). */
export interface MemberPosition {
  joinedAt: Date;
  userId: string;
}

const MEMBER_SELECT = { userId: true, role: true, createdAt: true, user: { select: { email: true, name: true } } } as const;

interface MemberRow {
  userId: string;
  role: string;
  createdAt: Date;
  user: { email: string; name: string };
}

function toView(row: MemberRow): MemberView {
  if (!isRole(row.role)) throw new Error(`membership of ${row.userId} has an unknown role`);
  return { userId: row.userId, email: row.user.email, name: row.user.name, role: row.role, joinedAt: row.createdAt };
}

/** Memberships of the tenant in context (RLS), with their users' email and name. */
@Injectable()
export class MembersRepository {
  constructor(
    private readonly db: TenantDb,
    private readonly epochs: AccessEpochs,
  ) {}

  /**
   * Serializes every membership change of one tenant until the unit of work ends: the owner count
   * read after it stays true until commit, so concurrent demotions cannot leave zero owners.
   */
  async lock(tenantId: string): Promise<void> {
    await this.db.sql`select 1 as locked from pg_advisory_xact_lock(hashtextextended(${`members:${tenantId}`}, 0))`;
  }

  /** Newest first; `q` narrows to members whose name or email contains it (any case, taken literally). */
  async list(tenantId: string, take: number, after?: MemberPosition, q?: string): Promise<MemberView[]> {
    const like = q === undefined ? undefined : likeLiteral(q);
    const rows = await this.db.client.membership.findMany({
      where: {
        tenantId,
        ...(like !== undefined && {
          user: { OR: [{ name: { contains: like, mode: 'insensitive' } }, { email: { contains: like, mode: 'insensitive' } }] },
        }),
        ...(after && {
          OR: [{ createdAt: { lt: after.joinedAt } }, { createdAt: after.joinedAt, userId: { lt: after.userId } }],
        }),
      },
      orderBy: [{ createdAt: 'desc' }, { userId: 'desc' }],
      take,
      select: MEMBER_SELECT,
    });
    return rows.map(toView);
  }

  async find(tenantId: string, userId: string): Promise<MemberView | null> {
    const row = await this.db.client.membership.findFirst({ where: { tenantId, userId }, select: MEMBER_SELECT });
    return row && toView(row);
  }

  async roleOf(tenantId: string, userId: string): Promise<Role | null> {
    const row = await this.db.client.membership.findFirst({ where: { tenantId, userId }, select: { role: true } });
    return row && isRole(row.role) ? row.role : null;
  }

  countOwners(tenantId: string): Promise<number> {
    return this.db.client.membership.count({ where: { tenantId, role: 'owner' } });
  }

  async existsByEmail(tenantId: string, email: string): Promise<boolean> {
    const row = await this.db.client.membership.findFirst({ where: { tenantId, user: { email } }, select: { userId: true } });
    return row !== null;
  }

  // Each membership change is announced after commit (AccessEpochs): cached principals of the
  // tenant (and its API keys, whose scopes are capped by their creator's role) are read again.
  async setRole(tenantId: string, userId: string, role: Role): Promise<void> {
    await this.db.client.membership.updateMany({ where: { tenantId, userId }, data: { role } });
    await this.epochs.changed({ tenantId, userId });
  }

  async delete(tenantId: string, userId: string): Promise<void> {
    await this.db.client.membership.deleteMany({ where: { tenantId, userId } });
    await this.epochs.changed({ tenantId, userId });
  }

  async create(tenantId: string, userId: string, role: Role): Promise<void> {
    await this.db.client.membership.create({ data: { tenantId, userId, role }, select: { userId: true } });
    await this.epochs.changed({ tenantId, userId });
  }
}
