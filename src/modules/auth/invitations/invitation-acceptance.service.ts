import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AuditLog } from '../../../platform/audit/audit-log.js';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { tokenHash } from '../../../platform/crypto/tokens.js';
import { TenantDb } from '../../../platform/db/tenant-db.js';
import { HttpError } from '../../../platform/http/app-error.js';
import { MembersService } from '../../tenant/members/members.service.js';
import { invitationTenantOf } from './invitation-token.js';
import { InvitationsError, InvitationsErrorCode } from './invitations.errors.js';
import { type InvitableRole, InvitationsRepository, type InvitationView } from './invitations.repository.js';
import { InviteeAccountsRepository } from './invitee-accounts.repository.js';
import { InviteeIdentity } from './invitee-identity.js';

export interface AcceptInvitation {
  token: string;
  name?: string;
  password?: string;
  /** The request's Authorization header, if any: an access token of the invited account proves it. */
  authorization?: string;
}

export interface AcceptedInvitation {
  tenantId: string;
  userId: string;
  role: InvitableRole;
}

/** Who joins: an existing account (proved), or a new one to create in the same unit of work. */
type Joiner = { userId: string; created: false } | { userId: string; created: true; name: string; passwordHash: string };

/**
 * Accepting an invitation (a public route: the token is the authorization). The token names its
 * tenant, so the invitation is looked up under that tenant's RLS. An unknown, expired, revoked or
 * used token gets one answer (invitation_invalid). An existing account must prove it is theirs;
 * otherwise the account is created. Then, in one unit of work: the invitation is claimed (single
 * use: of two concurrent accepts exactly one wins), the membership added, the event audited.
 */
@Injectable()
export class InvitationAcceptance {
  constructor(
    private readonly ctx: TenantContext,
    private readonly db: TenantDb,
    private readonly invitations: InvitationsRepository,
    private readonly accounts: InviteeAccountsRepository,
    private readonly identity: InviteeIdentity,
    private readonly members: MembersService,
    private readonly audit: AuditLog,
  ) {}

  async accept(input: AcceptInvitation): Promise<AcceptedInvitation> {
    const tenantId = invitationTenantOf(input.token);
    if (!tenantId) throw InvitationsError.of(InvitationsErrorCode.Invalid);
    const request = this.ctx.current();
    const asTenant = <T>(userId: string | undefined, fn: () => Promise<T>): Promise<T> =>
      this.ctx.run({ requestId: request?.requestId, ip: request?.ip, userAgent: request?.userAgent, tenantId, userId, actor: 'user' }, fn);

    const { invitation, joiner } = await asTenant(undefined, async () => {
      const found = await this.invitations.findAcceptable(tenantId, tokenHash(input.token));
      if (!found) throw InvitationsError.of(InvitationsErrorCode.Invalid);
      return { invitation: found, joiner: await this.joinerFor(found, input) };
    });

    await asTenant(joiner.userId, () =>
      this.db.transaction(async () => {
        if (!(await this.invitations.claim(tenantId, invitation.id))) throw InvitationsError.of(InvitationsErrorCode.Invalid);
        if (joiner.created) await this.createAccount(invitation.email, joiner);
        await this.invitations.setAcceptedBy(tenantId, invitation.id, joiner.userId);
        await this.members.admit(joiner.userId, invitation.role);
        await this.audit.record({
          action: 'invitation.accepted',
          targetType: 'invitation',
          targetId: invitation.id,
          data: { email: invitation.email, role: invitation.role, userId: joiner.userId, newAccount: joiner.created },
        });
      }),
    );
    return { tenantId, userId: joiner.userId, role: invitation.role };
  }

  private async joinerFor(invitation: InvitationView, input: AcceptInvitation): Promise<Joiner> {
    const existing = await this.accounts.credentials(invitation.email);
    if (existing) {
      if (input.authorization) {
        if ((await this.identity.userOfAuthorization(input.authorization)) === existing.userId) return { userId: existing.userId, created: false };
        throw InvitationsError.of(InvitationsErrorCode.InvalidCredentials);
      }
      if (input.password === undefined) throw InvitationsError.of(InvitationsErrorCode.ProofRequired);
      if (!(await this.identity.passwordMatches(existing.passwordHash, input.password))) {
        throw InvitationsError.of(InvitationsErrorCode.InvalidCredentials);
      }
      return { userId: existing.userId, created: false };
    }
    const missing = (['name', 'password'] as const).filter((field) => !input[field]);
    if (missing.length > 0) {
      throw HttpError.validation(
        'request body',
        missing.map((field) => ({ field, message: 'is required to create the invited account' })),
      );
    }
    return { userId: randomUUID(), created: true, name: input.name!, passwordHash: await this.identity.hashNewPassword(input.password!, invitation.email) };
  }

  /** Runs with the new user's id in context: the users policy shows a new row only to itself. */
  private async createAccount(email: string, joiner: Extract<Joiner, { created: true }>): Promise<void> {
    try {
      await this.accounts.createUser({ id: joiner.userId, email, name: joiner.name, passwordHash: joiner.passwordHash });
    } catch (error) {
      // The address registered between the lookup and now: the account exists, so it must be proved.
      if ((error as { code?: unknown }).code === 'P2002') throw InvitationsError.of(InvitationsErrorCode.ProofRequired);
      throw error;
    }
  }
}
