import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { AuditLog } from '../../../platform/audit/audit-log.js';
import { AppConfig } from '../../../platform/config/config.js';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { tokenHash } from '../../../platform/crypto/tokens.js';
import { TenantDb } from '../../../platform/db/tenant-db.js';
import { decodeCursor, type Page, toPage } from '../../../platform/http/pagination.js';
import { EmailOutbox } from '../../../platform/mail/email-outbox.js';
import { MembersService } from '../../tenant/members/members.service.js';
import { newInvitationToken } from './invitation-token.js';
import { InvitationsError, InvitationsErrorCode } from './invitations.errors.js';
import { type InvitableRole, InvitationsRepository, type InvitationView } from './invitations.repository.js';
import { InviteeAccountsRepository } from './invitee-accounts.repository.js';
import { UsageService } from '../../usage/usage.service.js';

const positionSchema = z.object({ createdAt: z.iso.datetime().transform((v) => new Date(v)), id: z.guid() });

export interface PageQuery {
  limit: number;
  cursor?: string;
}

/**
 * Invitations of the tenant in context: create (and email), list, revoke. One open invitation per
 * address: inviting the same address again replaces (revokes) the open one, so the newest link is
 * the only one that works. Accepting is InvitationAcceptance's.
 */
@Injectable()
export class InvitationsService {
  constructor(
    private readonly ctx: TenantContext,
    private readonly db: TenantDb,
    private readonly config: AppConfig,
    private readonly invitations: InvitationsRepository,
    private readonly accounts: InviteeAccountsRepository,
    private readonly members: MembersService,
    private readonly outbox: EmailOutbox,
    private readonly audit: AuditLog,
    private readonly usage: UsageService,
  ) {}

  async create(input: { email: string; role: InvitableRole }): Promise<InvitationView> {
    this.ctx.requirePermission('members:invite');
    const tenantId = this.ctx.requireTenantId();
    const inviter = this.actingUserId();
    return this.db.transaction(async () => {
      await this.invitations.lockEmail(tenantId, input.email);
      if (await this.members.hasMemberWithEmail(input.email)) throw InvitationsError.of(InvitationsErrorCode.AlreadyMember);
      for (const id of await this.invitations.revokeOpenFor(tenantId, input.email)) {
        await this.audit.record({ action: 'invitation.revoked', targetType: 'invitation', targetId: id, data: { email: input.email, reason: 'replaced' } });
      }
      // An open invitation holds a seat: refuse (402 quota_exceeded) when the plan has none left.
      await this.usage.admitSeats();
      const token = newInvitationToken(tenantId);
      const invitation = await this.invitations.create(tenantId, {
        email: input.email,
        role: input.role,
        tokenHash: tokenHash(token),
        invitedBy: inviter ?? null,
        expiresAt: new Date(Date.now() + this.config.env.INVITATION_TTL_HOURS * 3_600_000),
      });
      // In the same unit of work: the email exists if and only if the invitation does.
      await this.outbox.enqueue({
        to: input.email,
        template: 'invitation',
        data: {
          tenantName: await this.invitations.tenantName(tenantId),
          inviterName: (inviter && (await this.accounts.nameOf(inviter))) || 'An administrator',
          role: input.role,
          acceptUrl: `${this.config.env.APP_BASE_URL}/accept-invitation?token=${encodeURIComponent(token)}`,
          expiresAt: invitation.expiresAt.toISOString(),
        },
      });
      await this.audit.record({ action: 'invitation.created', targetType: 'invitation', targetId: invitation.id, data: { email: input.email, role: input.role } });
      return invitation;
    });
  }

  /** Invitations that can still be accepted, newest first. */
  async list(query: PageQuery): Promise<Page<InvitationView>> {
    this.ctx.requirePermission('members:invite');
    const tenantId = this.ctx.requireTenantId();
    const after = decodeCursor(query.cursor, positionSchema);
    const rows = await this.invitations.listAcceptable(tenantId, query.limit + 1, after);
    return toPage(rows, query.limit, (i) => ({ createdAt: i.createdAt.toISOString(), id: i.id }));
  }

  /** 404 for an id that is not an open invitation of this tenant (another tenant's included). */
  async revoke(id: string): Promise<void> {
    this.ctx.requirePermission('members:invite');
    const tenantId = this.ctx.requireTenantId();
    await this.db.transaction(async () => {
      const revoked = await this.invitations.revoke(tenantId, id);
      if (!revoked) throw InvitationsError.of(InvitationsErrorCode.NotFound);
      await this.audit.record({ action: 'invitation.revoked', targetType: 'invitation', targetId: id, data: { email: revoked.email, reason: 'revoked' } });
    });
  }

  private actingUserId(): string | undefined {
    const state = this.ctx.current();
    return state?.actor === 'user' && !state.apiKeyId ? state.userId : undefined;
  }
}
