import { Injectable } from '@nestjs/common';
import { TenantDb } from '../../../platform/db/tenant-db.js';
import type { INVITABLE_ROLES } from './dto/invitations.dto.js';

export type InvitableRole = (typeof INVITABLE_ROLES)[number];

/** What the API shows of an invitation: never its token (nor its hash). */
export interface InvitationView {
  id: string;
  email: string;
  role: InvitableRole;
  invitedBy: string | null;
  createdAt: Date;
  expiresAt: Date;
}

export interface InvitationPosition {
  createdAt: Date;
  id: string;
}

export interface NewInvitation {
  email: string;
  role: InvitableRole;
  tokenHash: Uint8Array<ArrayBuffer>;
  invitedBy: string | null;
  expiresAt: Date;
}

const VIEW = { id: true, email: true, role: true, invitedBy: true, createdAt: true, expiresAt: true } as const;

/** Open: neither accepted nor revoked (the unique index allows one per email); acceptable: and not expired. */
const open = { acceptedAt: null, revokedAt: null } as const;

function toView(row: { id: string; email: string; role: string; invitedBy: string | null; createdAt: Date; expiresAt: Date }): InvitationView {
  return { ...row, role: row.role as InvitableRole };
}

/** Invitations of the tenant in context (RLS). */
@Injectable()
export class InvitationsRepository {
  constructor(private readonly db: TenantDb) {}

  /** Serializes invitation changes for one address of one tenant until the unit of work ends. */
  async lockEmail(tenantId: string, email: string): Promise<void> {
    await this.db.sql`select 1 as locked from pg_advisory_xact_lock(hashtextextended(${`invitations:${tenantId}:${email}`}, 0))`;
  }

  async create(tenantId: string, invitation: NewInvitation): Promise<InvitationView> {
    return toView(await this.db.client.invitation.create({ data: { tenantId, ...invitation }, select: VIEW }));
  }

  /** Revokes the open invitation(s) for `email`; returns their ids. */
  async revokeOpenFor(tenantId: string, email: string): Promise<string[]> {
    const rows = await this.db.client.invitation.findMany({ where: { tenantId, email, ...open }, select: { id: true } });
    if (rows.length > 0) {
      await this.db.client.invitation.updateMany({ where: { tenantId, id: { in: rows.map((r) => r.id) }, ...open }, data: { revokedAt: new Date() } });
    }
    return rows.map((r) => r.id);
  }

  /** Revokes an open invitation; what it was, or null when there is no open invitation with this id. */
  async revoke(tenantId: string, id: string): Promise<{ email: string; role: string } | null> {
    const row = await this.db.client.invitation.findFirst({ where: { tenantId, id, ...open }, select: { email: true, role: true } });
    if (!row) return null;
    const { count } = await this.db.client.invitation.updateMany({ where: { tenantId, id, ...open }, data: { revokedAt: new Date() } });
    return count === 1 ? row : null;
  }

  /** Acceptable invitations (open and not expired), newest first. */
  async listAcceptable(tenantId: string, take: number, after?: InvitationPosition): Promise<InvitationView[]> {
    const rows = await this.db.client.invitation.findMany({
      where: {
        tenantId,
        ...open,
        expiresAt: { gt: new Date() },
        ...(after && { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take,
      select: VIEW,
    });
    return rows.map(toView);
  }

  /** The acceptable invitation with this token hash; never one into a deleted tenant. */
  async findAcceptable(tenantId: string, tokenHash: Uint8Array<ArrayBuffer>): Promise<InvitationView | null> {
    const row = await this.db.client.invitation.findFirst({
      where: { tenantId, tokenHash, ...open, expiresAt: { gt: new Date() }, tenant: { status: { not: 'deleted' } } },
      select: VIEW,
    });
    return row && toView(row);
  }

  /**
   * Marks the invitation accepted if it still is acceptable: single use. A concurrent accept waits
   * on the row lock and then finds it accepted (false).
   */
  async claim(tenantId: string, id: string): Promise<boolean> {
    const now = new Date();
    const { count } = await this.db.client.invitation.updateMany({
      where: { tenantId, id, ...open, expiresAt: { gt: now } },
      data: { acceptedAt: now },
    });
    return count === 1;
  }

  async setAcceptedBy(tenantId: string, id: string, userId: string): Promise<void> {
    await this.db.client.invitation.updateMany({ where: { tenantId, id }, data: { acceptedBy: userId } });
  }

  async tenantName(tenantId: string): Promise<string> {
    const tenant = await this.db.client.tenant.findFirst({ where: { id: tenantId }, select: { name: true } });
    return tenant?.name ?? 'your team';
  }
}
