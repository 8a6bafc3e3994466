import { randomBytes, randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import { AuditLog, type AuditEntry } from '../../../platform/audit/audit-log.js';
import { AccessEpochs } from '../../../platform/cache/access-epochs.js';
import { AppConfig } from '../../../platform/config/config.js';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { decodeCursor, type Page, toPage } from '../../../platform/http/pagination.js';
import { EmailOutbox, outboxRow } from '../../../platform/mail/email-outbox.js';
import { SetPasswordLinks } from '../../auth/password-reset/set-password-links.js';
import { type UsageReport, UsageService } from '../../usage/usage.service.js';
import { TenantJobs } from '../jobs/tenant-jobs.js';
import { erasureDueAt } from '../lifecycle/erasure-schedule.js';
import { TenantError, TenantErrorCode } from '../tenant.errors.js';
import type { CreateTenantInput, ListTenantsQuery, Plan } from './dto/tenant-admin.dto.js';
import {
  type AdminTenantView,
  TenantAdminRepository,
  type TenantChange,
  type TenantDetailRows,
  type TenantState,
} from './tenant-admin.repository.js';
import { requirePlatformAdmin } from './platform-admin.js';

const cursorSchema = z.object({ createdAt: z.iso.datetime().transform((s) => new Date(s)), id: z.guid() });

export interface CreatedTenantView extends AdminTenantView {
  owner: { userId: string; email: string; /** Sent a set-password link (a new user, or one who never set a password). */ invited: boolean };
}

/** The tenant detail page: the first members shown, and the latest audit events. */
export const DETAIL_MEMBERS = 50;
export const DETAIL_EVENTS = 20;

export interface TenantDetailView extends TenantDetailRows {
  /** This period's use against the plan's limits (the usage module's own report). */
  usage: UsageReport;
}

/** What a lifecycle action does to a tenant in a given state; nothing at all when it is already there. */
interface Transition {
  data?: TenantChange;
  entry?: AuditEntry;
  /** Runs before the change commits (scheduling a job that re-checks the tenant when it runs). */
  beforeCommit?: () => Promise<unknown>;
  /** Runs once the change has committed (removing a job that would otherwise do nothing anyway). */
  afterCommit?: () => Promise<unknown>;
}

/**
 * Platform administration of tenants: across every tenant, through the platform role. Every
 * change is recorded in the affected tenant's audit log with the actor `platform_admin`, in the
 * same platform transaction as the change (a failed audit write rolls the change back), and in
 * the application log.
 */
@Injectable()
export class TenantAdminService {
  private readonly logger = new Logger(TenantAdminService.name);

  constructor(
    private readonly ctx: TenantContext,
    private readonly config: AppConfig,
    private readonly tenants: TenantAdminRepository,
    private readonly jobs: TenantJobs,
    private readonly audit: AuditLog,
    private readonly outbox: EmailOutbox,
    private readonly links: SetPasswordLinks,
    private readonly usage: UsageService,
    private readonly epochs: AccessEpochs,
  ) {}

  async list(query: ListTenantsQuery): Promise<Page<AdminTenantView>> {
    requirePlatformAdmin(this.ctx);
    const after = decodeCursor(query.cursor, cursorSchema);
    const rows = await this.tenants.list({ q: query.q, status: query.status, plan: query.plan, after, take: query.limit + 1 });
    return toPage(rows, query.limit, (row) => ({ createdAt: row.createdAt.toISOString(), id: row.id }));
  }

  /**
   * One tenant as the console shows it: the tenant, its first members, its subscription and latest
   * audit events (through the platform role), and this period's usage. The usage is the usage
   * module's own report, read in a context for that tenant alone (RLS-bound to it, with only
   * usage:read), so limits, seats and the period are computed exactly as the tenant sees them.
   */
  async detail(id: string): Promise<TenantDetailView> {
    requirePlatformAdmin(this.ctx);
    const rows = await this.tenants.detail(id, { members: DETAIL_MEMBERS, events: DETAIL_EVENTS });
    if (!rows) throw TenantError.notFound();
    const usage = await this.ctx.run({ ...this.ctx.current(), tenantId: id, actor: 'platform_admin', roles: [], permissions: ['usage:read'] }, () =>
      this.usage.report(),
    );
    return { ...rows, usage };
  }

  /**
   * A new tenant with its settings and owner. An existing user with that email becomes the owner
   * and is told so (no token: they sign in as usual). Otherwise a user without a password is created
   * and emailed a single-use, expiring set-password link (the password reset machinery: the token
   * stored hashed, valid INVITATION_TTL_HOURS, leading to the web app's reset page); an existing
   * user who never set a password gets a fresh link the same way. User, tenant, membership, link
   * and email are written in one transaction: all or nothing.
   */
  async create(input: CreateTenantInput): Promise<CreatedTenantView> {
    requirePlatformAdmin(this.ctx);
    if (input.slug && (await this.tenants.slugTaken(input.slug))) throw slugTaken(input.slug);
    const slug = input.slug ?? (await this.freeSlug(input.name));
    const existing = await this.tenants.findUserByEmail(input.ownerEmail);
    const ownerId = existing?.id ?? randomUUID();
    const owner = existing ? { userId: existing.id } : { newUser: { id: ownerId, email: input.ownerEmail, name: input.ownerEmail.split('@')[0]! } };
    const link = existing?.hasPassword ? undefined : this.links.create(ownerId, this.config.env.INVITATION_TTL_HOURS * 3_600_000);
    const ownerEmail = outboxRow(
      link
        ? {
            to: input.ownerEmail,
            template: 'invitation',
            data: {
              tenantName: input.name,
              inviterName: 'The Tenantry team',
              role: 'owner',
              acceptUrl: link.url,
              expiresAt: link.expiresAt.toISOString(),
            },
          }
        : { to: input.ownerEmail, template: 'owner_added', data: { tenantName: input.name, signInUrl: `${this.config.env.APP_BASE_URL}/login` } },
    );
    const { tenant } = await this.tenants
      .create({ slug, name: input.name, plan: input.plan, owner, ownerReset: link?.reset, ownerEmail })
      .catch(async (error: unknown) => {
        if ((error as { code?: unknown }).code === 'P2002' && (await this.tenants.slugTaken(slug))) throw slugTaken(slug);
        throw error;
      });
    this.outbox.nudge();
    await this.recordAsAdmin(tenant.id, {
      action: 'tenant.created',
      targetType: 'tenant',
      targetId: tenant.id,
      data: { slug, name: input.name, plan: input.plan, ownerId, ownerInvited: link !== undefined },
    });
    return { ...tenant, owner: { userId: ownerId, email: input.ownerEmail, invited: link !== undefined } };
  }

  /** Suspends an active tenant: its users and keys get 403 tenant_suspended, except billing and export. */
  suspend(id: string, reason: string): Promise<AdminTenantView> {
    return this.transition(id, (state) => {
      if (state.status === 'deleted') throw invalid('A deleted tenant cannot be suspended; resume it first');
      if (state.status === 'suspended') return undefined;
      return {
        data: { status: 'suspended', suspendedAt: new Date() },
        entry: { action: 'tenant.suspended', targetType: 'tenant', targetId: id, data: { reason } },
      };
    });
  }

  /**
   * Resumes a suspended tenant, or cancels a scheduled deletion (before the erasure job has
   * started), restoring the status the tenant had before: suspended if it was, else active.
   */
  resume(id: string, reason: string): Promise<AdminTenantView> {
    return this.transition(id, (state) => {
      if (state.deletedAt) throw new TenantError(TenantErrorCode.ErasureInProgress, 'The erasure of this tenant has started; it cannot be resumed');
      if (state.status === 'active') return undefined;
      if (state.status === 'deleted') {
        const restored = state.suspendedAt ? 'suspended' : 'active';
        return {
          data: { status: restored, deletionScheduledAt: null },
          entry: {
            action: 'tenant.resumed',
            targetType: 'tenant',
            targetId: id,
            data: { from: 'deleted', to: restored, cancelledDeletionDueAt: state.deletionScheduledAt?.toISOString(), reason },
          },
          afterCommit: () => this.jobs.cancelErasure(id),
        };
      }
      return {
        data: { status: 'active', suspendedAt: null },
        entry: { action: 'tenant.resumed', targetType: 'tenant', targetId: id, data: { from: 'suspended', to: 'active', reason } },
      };
    });
  }

  changePlan(id: string, plan: Plan, reason: string): Promise<AdminTenantView> {
    return this.transition(id, (state) =>
      state.plan === plan
        ? undefined
        : { data: { plan }, entry: { action: 'tenant.plan_changed', targetType: 'tenant', targetId: id, data: { from: state.plan, to: plan, reason } } },
    );
  }

  /**
   * Schedules the erasure, as the owner's DELETE /tenant does. Already deleted: the date stands and
   * the job is (re)scheduled for it, so repeating the call repairs a lost job.
   */
  scheduleDeletion(id: string, reason: string): Promise<AdminTenantView> {
    return this.transition(id, (state) => {
      if (state.deletedAt) return undefined;
      if (state.status === 'deleted' && state.deletionScheduledAt) {
        const dueAt = state.deletionScheduledAt;
        return { beforeCommit: () => this.jobs.scheduleErasure(id, dueAt) };
      }
      const dueAt = erasureDueAt(this.config);
      return {
        data: { status: 'deleted', deletionScheduledAt: dueAt },
        entry: { action: 'tenant.deletion_scheduled', targetType: 'tenant', targetId: id, data: { deletionScheduledAt: dueAt.toISOString(), reason } },
        beforeCommit: () => this.jobs.scheduleErasure(id, dueAt),
      };
    });
  }

  /** Locks the tenant, applies what `decide` says for its current state, audits it, commits. */
  private async transition(id: string, decide: (state: TenantState) => Transition | undefined): Promise<AdminTenantView> {
    requirePlatformAdmin(this.ctx);
    let afterCommit: Transition['afterCommit'];
    const changed = await this.tenants.transaction(async (tx) => {
      const state = await tx.lock(id);
      if (!state) throw TenantError.notFound();
      const transition = decide(state);
      if (!transition) return undefined;
      await transition.beforeCommit?.();
      const updated = transition.data ? await tx.update(id, transition.data) : undefined;
      if (transition.entry) await this.recordAsAdmin(id, transition.entry);
      afterCommit = transition.afterCommit;
      return updated;
    });
    await afterCommit?.();
    // Committed (through the platform role, outside any tenant unit of work): status and plan are
    // cached per instance, so announce the change before answering.
    if (changed) await this.epochs.changed({ tenantId: id });
    const view = changed ?? (await this.tenants.findById(id));
    if (!view) throw TenantError.notFound();
    return view;
  }

  /** Writes the event in the affected tenant's log, with the actor platform_admin (the admin's user id). */
  private async recordAsAdmin(tenantId: string, entry: AuditEntry): Promise<void> {
    const current = this.ctx.current();
    await this.ctx.run({ ...current, tenantId, actor: 'platform_admin' }, () => this.audit.record(entry, { tenantId }));
    this.logger.log({ adminUserId: current?.userId, tenantId, action: entry.action, data: entry.data }, 'platform admin action');
  }

  /** A slug from the name, with a random suffix when it is taken. */
  private async freeSlug(name: string): Promise<string> {
    const base = slugify(name);
    if (!(await this.tenants.slugTaken(base))) return base;
    for (;;) {
      const candidate = `${base.slice(0, 54)}-${randomBytes(3).toString('hex')}`;
      if (!(await this.tenants.slugTaken(candidate))) return candidate;
    }
  }
}

export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 54)
    .replace(/^-+|-+$/g, '');
  return slug || 'tenant';
}

const invalid = (detail: string): TenantError => new TenantError(TenantErrorCode.InvalidTransition, detail);
const slugTaken = (slug: string): TenantError => new TenantError(TenantErrorCode.SlugTaken, `The slug '${slug}' is taken`, { slug });
