import { Injectable } from '@nestjs/common';
import type { Prisma } from '../../../generated/prisma/client.js';
import { PlatformDb } from '../../../platform/db/platform-db.js';
import type { OutboxRow } from '../../../platform/mail/email-outbox.js';
import type { TenantStatus } from '../tenant.repository.js';
import { likeLiteral } from '../../../platform/db/like.js';

/** A tenant as platform administrators see it. */
export interface AdminTenantView {
  id: string;
  slug: string;
  name: string;
  status: TenantStatus;
  plan: string;
  createdAt: Date;
  suspendedAt: Date | null;
  deletionScheduledAt: Date | null;
  memberCount: number;
  /** The earliest owner's email (null when the tenant has no owner left). */
  ownerEmail: string | null;
}

export interface AdminMemberView {
  userId: string;
  email: string;
  name: string;
  role: string;
  joinedAt: Date;
}

export interface AdminSubscriptionView {
  /** Stripe's subscription status, or 'none' when the tenant has no billing account or subscription. */
  status: string;
  stripeCustomerId: string | null;
  stripeSubscriptionId: string | null;
  stripePriceId: string | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  graceUntil: Date | null;
  billingSuspendedAt: Date | null;
}

export interface AdminAuditEventView {
  seq: string;
  id: string;
  actorType: string;
  actorId: string | null;
  /** The acting user's email, when the actor is a user or platform admin that still exists. */
  actorEmail: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  data: unknown;
  createdAt: Date;
}

/** What the tenant detail reads in one go through the platform role (usage comes from the usage module). */
export interface TenantDetailRows {
  tenant: AdminTenantView;
  members: AdminMemberView[];
  subscription: AdminSubscriptionView;
  auditEvents: AdminAuditEventView[];
}

export interface TenantState {
  status: TenantStatus;
  suspendedAt: Date | null;
  deletionScheduledAt: Date | null;
  deletedAt: Date | null;
  plan: string;
}

/** What an administrative action may change on a tenant row. */
export type TenantChange = Partial<Omit<TenantState, 'deletedAt'>>;

export interface TenantFilter {
  q?: string;
  status?: TenantStatus;
  plan?: string;
  /** Keyset position: rows strictly after it in (createdAt desc, id desc) order. */
  after?: { createdAt: Date; id: string };
  take: number;
}

export interface NewTenant {
  slug: string;
  name: string;
  plan: string;
  owner: { userId: string } | { newUser: { id: string; email: string; name: string } };
  /** A set-password link's password_resets row (token hashed), for an owner without a password. */
  ownerReset?: { userId: string; tokenHash: Uint8Array<ArrayBuffer>; expiresAt: Date };
  /** The owner's email (outboxRow), written in the same transaction: sent if and only if the tenant exists. */
  ownerEmail: OutboxRow;
}

const VIEW = {
  id: true,
  slug: true,
  name: true,
  status: true,
  plan: true,
  createdAt: true,
  suspendedAt: true,
  deletionScheduledAt: true,
  _count: { select: { memberships: true } },
  memberships: { where: { role: 'owner' }, orderBy: [{ createdAt: 'asc' }, { userId: 'asc' }], take: 1, select: { user: { select: { email: true } } } },
} as const satisfies Prisma.TenantSelect;

type ViewRow = Prisma.TenantGetPayload<{ select: typeof VIEW }>;

const toView = ({ _count, memberships, ...row }: ViewRow): AdminTenantView => ({
  ...row,
  memberCount: _count.memberships,
  ownerEmail: memberships[0]?.user.email ?? null,
});

/** Actor types whose actor id is a user id. */
const USER_ACTORS = new Set(['user', 'platform_admin']);

/** Queries of one platform transaction (see TenantAdminRepository.transaction). */
export class TenantAdminTx {
  constructor(private readonly tx: Prisma.TransactionClient) {}

  /**
   * The tenant's lifecycle state, its row locked until the transaction ends. FOR NO KEY UPDATE, not
   * FOR UPDATE: the audit event written meanwhile (another connection) takes KEY SHARE on the row
   * for its foreign key, which FOR UPDATE would block until this transaction ends: a deadlock.
   */
  async lock(id: string): Promise<TenantState | null> {
    const rows = await this.tx.$queryRaw<Array<{ id: string }>>`select id from tenants where id = ${id}::uuid for no key update`;
    if (rows.length === 0) return null;
    return this.tx.tenant.findUnique({
      where: { id },
      select: { status: true, suspendedAt: true, deletionScheduledAt: true, deletedAt: true, plan: true },
    });
  }

  async update(id: string, data: TenantChange): Promise<AdminTenantView> {
    return toView(await this.tx.tenant.update({ where: { id }, data, select: VIEW }));
  }
}


/** Every tenant, through the platform role (BYPASSRLS): platform administration only. */
@Injectable()
export class TenantAdminRepository {
  constructor(private readonly platform: PlatformDb) {}

  async list(filter: TenantFilter): Promise<AdminTenantView[]> {
    const and: Prisma.TenantWhereInput[] = [];
    if (filter.q) {
      const q = likeLiteral(filter.q);
      and.push({ OR: [{ slug: { contains: q, mode: 'insensitive' } }, { name: { contains: q, mode: 'insensitive' } }] });
    }
    if (filter.status) and.push({ status: filter.status });
    if (filter.plan) and.push({ plan: filter.plan });
    if (filter.after) {
      const { createdAt, id } = filter.after;
      and.push({ OR: [{ createdAt: { lt: createdAt } }, { createdAt, id: { lt: id } }] });
    }
    const rows = await this.platform.client.tenant.findMany({
      where: { AND: and },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: filter.take,
      select: VIEW,
    });
    return rows.map(toView);
  }

  async findById(id: string): Promise<AdminTenantView | null> {
    const row = await this.platform.client.tenant.findUnique({ where: { id }, select: VIEW });
    return row && toView(row);
  }

  /**
   * The tenant, its first `members` members (oldest first), its billing account and its latest
   * `events` audit events (newest first), with the acting users' emails; null for an unknown id.
   */
  async detail(id: string, limits: { members: number; events: number }): Promise<TenantDetailRows | null> {
    const db = this.platform.client;
    const row = await db.tenant.findUnique({ where: { id }, select: VIEW });
    if (!row) return null;
    const [members, account, events] = await Promise.all([
      db.membership.findMany({
        where: { tenantId: id },
        orderBy: [{ createdAt: 'asc' }, { userId: 'asc' }],
        take: limits.members,
        select: { role: true, createdAt: true, user: { select: { id: true, email: true, name: true } } },
      }),
      db.billingAccount.findUnique({
        where: { tenantId: id },
        select: {
          stripeCustomerId: true,
          stripeSubscriptionId: true,
          stripePriceId: true,
          subscriptionStatus: true,
          currentPeriodEnd: true,
          cancelAtPeriodEnd: true,
          graceUntil: true,
          billingSuspendedAt: true,
        },
      }),
      db.auditEvent.findMany({
        where: { tenantId: id },
        orderBy: { seq: 'desc' },
        take: limits.events,
        select: { seq: true, id: true, actorType: true, actorId: true, action: true, targetType: true, targetId: true, data: true, createdAt: true },
      }),
    ]);
    const actorIds = [...new Set(events.filter((e) => e.actorId && USER_ACTORS.has(e.actorType)).map((e) => e.actorId!))];
    const actors = actorIds.length > 0 ? await db.user.findMany({ where: { id: { in: actorIds } }, select: { id: true, email: true } }) : [];
    const emailOf = new Map(actors.map((a) => [a.id, a.email]));
    return {
      tenant: toView(row),
      members: members.map((m) => ({ userId: m.user.id, email: m.user.email, name: m.user.name, role: m.role, joinedAt: m.createdAt })),
      subscription: {
        status: account?.subscriptionStatus ?? 'none',
        stripeCustomerId: account?.stripeCustomerId ?? null,
        stripeSubscriptionId: account?.stripeSubscriptionId ?? null,
        stripePriceId: account?.stripePriceId ?? null,
        currentPeriodEnd: account?.currentPeriodEnd ?? null,
        cancelAtPeriodEnd: account?.cancelAtPeriodEnd ?? false,
        graceUntil: account?.graceUntil ?? null,
        billingSuspendedAt: account?.billingSuspendedAt ?? null,
      },
      auditEvents: events.map((e) => ({
        ...e,
        seq: e.seq.toString(),
        actorEmail: e.actorId && USER_ACTORS.has(e.actorType) ? (emailOf.get(e.actorId) ?? null) : null,
      })),
    };
  }

  async slugTaken(slug: string): Promise<boolean> {
    return (await this.platform.client.tenant.count({ where: { slug } })) > 0;
  }

  async findUserByEmail(email: string): Promise<{ id: string; hasPassword: boolean } | null> {
    const user = await this.platform.client.user.findUnique({ where: { email }, select: { id: true, passwordHash: true } });
    return user && { id: user.id, hasPassword: user.passwordHash !== null };
  }

  /**
   * The tenant, its settings, the owner (a new user without password if need be), the owner
   * membership, the owner's set-password link and their email, at once.
   */
  async create(input: NewTenant): Promise<{ tenant: AdminTenantView; ownerId: string }> {
    return this.platform.client.$transaction(async (tx) => {
      const ownerId = 'userId' in input.owner ? input.owner.userId : input.owner.newUser.id;
      if ('newUser' in input.owner) {
        await tx.user.create({ data: input.owner.newUser, select: { id: true } });
      }
      if (input.ownerReset) await tx.passwordReset.create({ data: input.ownerReset, select: { id: true } });
      await tx.emailOutbox.createMany({ data: [input.ownerEmail] });
      const tenant = await tx.tenant.create({
        data: {
          slug: input.slug,
          name: input.name,
          plan: input.plan,
          settings: { create: { displayName: input.name } },
          memberships: { create: { userId: ownerId, role: 'owner' } },
        },
        select: VIEW,
      });
      return { tenant: toView(tenant), ownerId };
    });
  }

  /** Runs `fn` in one platform transaction. */
  transaction<T>(fn: (tx: TenantAdminTx) => Promise<T>): Promise<T> {
    return this.platform.client.$transaction((tx) => fn(new TenantAdminTx(tx)), { timeout: 15_000 });
  }
}
