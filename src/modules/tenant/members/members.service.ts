import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { AuditLog } from '../../../platform/audit/audit-log.js';
import { SeatQuantityJobs } from '../../billing/seats/seat-quantity.jobs.js';
import { UsageService } from '../../usage/usage.service.js';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { TenantDb } from '../../../platform/db/tenant-db.js';
import { decodeCursor, type Page, toPage } from '../../../platform/http/pagination.js';
import { AccessError } from '../../../platform/security/access.errors.js';
import type { Role } from '../../../platform/security/permissions.js';
import { type MemberActor, refuseRemoval, refuseRoleChange } from './member-policy.js';
import { MembersError, MembersErrorCode } from './members.errors.js';
import { MembersRepository, type MemberView } from './members.repository.js';

const positionSchema = z.object({ joinedAt: z.iso.datetime().transform((v) => new Date(v)), userId: z.guid() });

export interface PageQuery {
  limit: number;
  cursor?: string;
}

/**
 * Members of the tenant in context: list, change a role, remove, leave, and admit (for accepted
 * invitations). Every change runs in one unit of work under the tenant's membership lock, reads
 * the acting user's role afresh inside it, checks the rules (member-policy.ts) and is audited.
 */
@Injectable()
export class MembersService {
  constructor(
    private readonly ctx: TenantContext,
    private readonly db: TenantDb,
    private readonly members: MembersRepository,
    private readonly audit: AuditLog,
    private readonly usage: UsageService,
    private readonly seats: SeatQuantityJobs,
  ) {}

  /** Newest first. */
  async list(query: PageQuery & { q?: string | undefined }): Promise<Page<MemberView>> {
    this.ctx.requirePermission('members:read');
    const tenantId = this.ctx.requireTenantId();
    const after = decodeCursor(query.cursor, positionSchema);
    const rows = await this.members.list(tenantId, query.limit + 1, after, query.q);
    return toPage(rows, query.limit, (m) => ({ joinedAt: m.joinedAt.toISOString(), userId: m.userId }));
  }

  async changeRole(userId: string, to: Role): Promise<MemberView> {
    this.ctx.requirePermission('members:manage');
    const tenantId = this.ctx.requireTenantId();
    return this.db.transaction(async () => {
      await this.members.lock(tenantId);
      const actor = await this.actor(tenantId);
      const target = await this.requireMember(tenantId, userId);
      if (target.role === to) return target;
      const refusal = refuseRoleChange(actor, target, to, await this.members.countOwners(tenantId));
      if (refusal) throw MembersError.of(refusal);
      await this.members.setRole(tenantId, userId, to);
      await this.audit.record({ action: 'member.role_changed', targetType: 'user', targetId: userId, data: { from: target.role, to } });
      return { ...target, role: to };
    });
  }

  /** Removes a member; on one's own id this is leaving (audited as member.left). */
  async remove(userId: string): Promise<void> {
    this.ctx.requirePermission('members:manage');
    await this.removeMember(userId);
  }

  /** The acting user leaves the tenant. Any member may, except the last owner. */
  async leave(): Promise<void> {
    this.ctx.requirePermission('members:read');
    const self = this.actingUserId();
    if (!self) throw MembersError.of(MembersErrorCode.NotAUser);
    await this.removeMember(self);
  }

  /**
   * Adds the user in context's tenant with `role`, joining the caller's unit of work. For accepted
   * invitations only: the invitation is the authorization (InvitationsService checked it), so no
   * permission is needed, and an invitation never carries the owner role.
   */
  async admit(userId: string, role: Exclude<Role, 'owner'>): Promise<void> {
    const tenantId = this.ctx.requireTenantId();
    await this.db.transaction(async () => {
      await this.members.lock(tenantId);
      if (await this.members.roleOf(tenantId, userId)) throw MembersError.of(MembersErrorCode.AlreadyMember);
      await this.usage.admitSeats();
      await this.members.create(tenantId, userId, role);
    });
    await this.seats.membersChanged(); // the Stripe seat quantity follows, debounced
  }

  /** Whether someone with this (normalized) email is a member already: inviting them makes no sense. */
  async hasMemberWithEmail(email: string): Promise<boolean> {
    this.ctx.requirePermission('members:invite');
    return this.members.existsByEmail(this.ctx.requireTenantId(), email);
  }

  private async removeMember(userId: string): Promise<void> {
    const tenantId = this.ctx.requireTenantId();
    await this.db.transaction(async () => {
      await this.members.lock(tenantId);
      const actor = await this.actor(tenantId);
      const target = await this.requireMember(tenantId, userId);
      const refusal = refuseRemoval(actor, target, await this.members.countOwners(tenantId));
      if (refusal) throw MembersError.of(refusal);
      await this.members.delete(tenantId, userId);
      const leaving = actor.userId === userId;
      await this.audit.record({
        action: leaving ? 'member.left' : 'member.removed',
        targetType: 'user',
        targetId: userId,
        data: { role: target.role },
      });
    });
    await this.seats.membersChanged(); // the Stripe seat quantity follows, debounced
  }

  private async requireMember(tenantId: string, userId: string): Promise<MemberView> {
    const member = await this.members.find(tenantId, userId);
    if (!member) throw MembersError.of(MembersErrorCode.NotFound);
    return member;
  }

  /** The user acting for themselves; undefined for API keys, jobs and platform administrators. */
  private actingUserId(): string | undefined {
    const state = this.ctx.current();
    return state?.actor === 'user' && !state.apiKeyId ? state.userId : undefined;
  }

  /**
   * Who acts, read inside the lock: the principal was resolved at the start of the request, and a
   * concurrent change may have demoted the actor since. Jobs and platform administrators act with
   * owner rank; an API key never has it (it holds scopes, not a role).
   */
  private async actor(tenantId: string): Promise<MemberActor> {
    const state = this.ctx.current();
    if (state?.actor === 'system' || state?.actor === 'platform_admin') return { isOwner: true };
    const userId = this.actingUserId();
    if (!userId) return { isOwner: false };
    const role = await this.members.roleOf(tenantId, userId);
    if (!role) throw AccessError.unauthenticated('You are no longer a member of this tenant');
    return { userId, isOwner: role === 'owner' };
  }
}
