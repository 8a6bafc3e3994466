import { createHash } from 'node:crypto';
import type { Prisma } from '../../src/generated/prisma/client.js';

/**
 * Every tenant-owned model (a table with a tenant_id column), and how to make valid rows of it.
 * test/db/rls-isolation.spec.ts runs the whole isolation suite once per entry, and fails when the
 * database holds a tenant table this registry does not cover: a new table gets its entry here, or
 * the build is red. Add the entry with the migration that creates the table.
 */
export interface TenantFixture {
  model: Prisma.ModelName;
  table: string;
  /** How many rows one tenant can hold (1 when tenant_id alone is the key). */
  rowsPerTenant: number;
  /** Valid create data for the tenant's n-th row (0 <= n < rowsPerTenant). */
  data(tenantId: string, n: number): Record<string, unknown>;
  /** The unique `where` of the tenant's n-th row (what findUnique and update take). */
  key(tenantId: string, n: number): Record<string, unknown>;
  /** A valid change to any row of the model. */
  patch: Record<string, unknown>;
  /** Append-only for the tenant role (no UPDATE/DELETE grant): changes are refused outright. */
  appendOnly?: boolean;
  /** Creates the tenant's n-th row, and anything it needs, through the given client. */
  create(client: object, tenantId: string, n: number): Promise<Record<string, unknown>>;
}

/** The operations the isolation suite calls on any model, loosely typed: the registry is dynamic. */
export interface ModelDelegate {
  findMany(args?: object): Promise<Array<Record<string, unknown>>>;
  findFirst(args?: object): Promise<Record<string, unknown> | null>;
  findUnique(args: object): Promise<Record<string, unknown> | null>;
  count(args?: object): Promise<number>;
  aggregate(args: object): Promise<Record<string, unknown>>;
  groupBy(args: object): Promise<Array<Record<string, unknown>>>;
  create(args: object): Promise<Record<string, unknown>>;
  createMany(args: object): Promise<{ count: number }>;
  update(args: object): Promise<Record<string, unknown>>;
  upsert(args: object): Promise<Record<string, unknown>>;
  updateMany(args: object): Promise<{ count: number }>;
  deleteMany(args?: object): Promise<{ count: number }>;
  delete(args: object): Promise<Record<string, unknown>>;
}

/** `client.<model>` of any Prisma client (platform, tenant, or a unit of work's `tx`). */
export function delegateOf(client: object, model: Prisma.ModelName): ModelDelegate {
  const property = model.charAt(0).toLowerCase() + model.slice(1);
  const delegate = (client as Record<string, ModelDelegate | undefined>)[property];
  if (!delegate) throw new Error(`client has no model ${model}`);
  return delegate;
}

type FixtureSpec = Omit<TenantFixture, 'create'> & { create?: TenantFixture['create'] };

function fixture(spec: FixtureSpec): TenantFixture {
  const create: TenantFixture['create'] = (client, tenantId, n) => {
    if (n < 0 || n >= spec.rowsPerTenant) throw new RangeError(`${spec.model} holds ${spec.rowsPerTenant} row(s) per tenant, asked for row ${n}`);
    return delegateOf(client, spec.model).create({ data: spec.data(tenantId, n) });
  };
  return { ...spec, create: spec.create ?? create };
}

export const TENANT_FIXTURES: readonly TenantFixture[] = [
  fixture({
    model: 'TenantSettings',
    table: 'tenant_settings',
    rowsPerTenant: 1, // tenant_id is the primary key
    data: (tenantId): Prisma.TenantSettingsUncheckedCreateInput => ({
      tenantId,
      displayName: `Settings of ${tenantId}`,
      supportEmail: `support+${tenantId}@example.test`,
    }),
    key: (tenantId): Prisma.TenantSettingsWhereUniqueInput => ({ tenantId }),
    patch: { displayName: 'changed by someone else' } satisfies Prisma.TenantSettingsUncheckedUpdateManyInput,
  }),
  fixture({
    model: 'Membership',
    table: 'memberships',
    rowsPerTenant: 3,
    data: (tenantId, n): Prisma.MembershipUncheckedCreateInput => ({ tenantId, userId: fixtureUserId(tenantId, n), role: 'member' }),
    key: (tenantId, n): Prisma.MembershipWhereUniqueInput => ({ tenantId_userId: { tenantId, userId: fixtureUserId(tenantId, n) } }),
    patch: { role: 'admin' } satisfies Prisma.MembershipUncheckedUpdateManyInput,
    // The member's user first; createMany returns no rows, so the users policy (a user is visible
    // to its tenants' members) does not refuse a RETURNING of a user who is nobody's member yet.
    create: async (client, tenantId, n) => {
      await delegateOf(client, 'User').createMany({
        data: [{ id: fixtureUserId(tenantId, n), email: `member${n}.${tenantId}@example.test`, name: `Member ${n}` }],
        skipDuplicates: true,
      });
      return delegateOf(client, 'Membership').create({ data: { tenantId, userId: fixtureUserId(tenantId, n), role: 'member' } });
    },
  }),
  fixture({
    model: 'Invitation',
    table: 'invitations',
    rowsPerTenant: 3,
    data: (tenantId, n): Prisma.InvitationUncheckedCreateInput => ({
      tenantId,
      id: fixtureId(tenantId, 'invitation', n),
      email: `invitee${n}@example.test`,
      role: 'member',
      tokenHash: Buffer.from(`${tenantId}:${n}`),
      expiresAt: new Date(Date.now() + 86_400_000),
    }),
    key: (tenantId, n): Prisma.InvitationWhereUniqueInput => ({ tenantId_id: { tenantId, id: fixtureId(tenantId, 'invitation', n) } }),
    patch: { role: 'admin' } satisfies Prisma.InvitationUncheckedUpdateManyInput,
  }),
  fixture({
    model: 'ApiKey',
    table: 'api_keys',
    rowsPerTenant: 3,
    data: (tenantId, n): Prisma.ApiKeyUncheckedCreateInput => ({
      tenantId,
      id: fixtureId(tenantId, 'api-key', n),
      name: `key ${n}`,
      prefix: `tnry_${n}`,
      keyHash: Buffer.from(`${tenantId}:key:${n}`),
      scopes: ['tenant:read'],
    }),
    key: (tenantId, n): Prisma.ApiKeyWhereUniqueInput => ({ tenantId_id: { tenantId, id: fixtureId(tenantId, 'api-key', n) } }),
    patch: { name: 'renamed by someone else' } satisfies Prisma.ApiKeyUncheckedUpdateManyInput,
  }),
  fixture({
    model: 'AuditEvent',
    table: 'audit_events',
    rowsPerTenant: 3,
    appendOnly: true,
    data: (tenantId, n): Prisma.AuditEventUncheckedCreateInput => ({
      tenantId,
      seq: BigInt(n + 1),
      actorType: 'system',
      action: 'fixture.event',
      createdAt: new Date(),
      prevHash: Buffer.alloc(32),
      hash: Buffer.alloc(32, n + 1),
    }),
    key: (tenantId, n): Prisma.AuditEventWhereUniqueInput => ({ tenantId_seq: { tenantId, seq: BigInt(n + 1) } }),
    patch: { action: 'tampered' } satisfies Prisma.AuditEventUncheckedUpdateManyInput,
  }),
  fixture({
    model: 'TenantExport',
    table: 'tenant_exports',
    rowsPerTenant: 3,
    data: (tenantId, n): Prisma.TenantExportUncheckedCreateInput => ({ tenantId, id: fixtureId(tenantId, 'export', n) }),
    key: (tenantId, n): Prisma.TenantExportWhereUniqueInput => ({ tenantId_id: { tenantId, id: fixtureId(tenantId, 'export', n) } }),
    patch: { status: 'failed' } satisfies Prisma.TenantExportUncheckedUpdateManyInput,
  }),
  fixture({
    model: 'AssistantConfig',
    table: 'assistant_configs',
    rowsPerTenant: 1, // tenant_id is the primary key
    data: (tenantId): Prisma.AssistantConfigUncheckedCreateInput => ({ tenantId, model: 'mock-1', welcomeMessage: `Welcome to ${tenantId}` }),
    key: (tenantId): Prisma.AssistantConfigWhereUniqueInput => ({ tenantId }),
    patch: { welcomeMessage: 'changed by someone else' } satisfies Prisma.AssistantConfigUncheckedUpdateManyInput,
  }),
  fixture({
    model: 'PromptTemplate',
    table: 'prompt_templates',
    rowsPerTenant: 3,
    appendOnly: true, // immutable versions
    data: (tenantId, n): Prisma.PromptTemplateUncheckedCreateInput => ({ tenantId, version: n + 1, template: `You help ${tenantId}, v${n + 1}` }),
    key: (tenantId, n): Prisma.PromptTemplateWhereUniqueInput => ({ tenantId_version: { tenantId, version: n + 1 } }),
    patch: { template: 'tampered' } satisfies Prisma.PromptTemplateUncheckedUpdateManyInput,
  }),
  fixture({
    model: 'Conversation',
    table: 'conversations',
    rowsPerTenant: 3,
    data: (tenantId, n): Prisma.ConversationUncheckedCreateInput => ({ tenantId, id: fixtureId(tenantId, 'conversation', n), channel: 'api', title: `Chat ${n}` }),
    key: (tenantId, n): Prisma.ConversationWhereUniqueInput => ({ tenantId_id: { tenantId, id: fixtureId(tenantId, 'conversation', n) } }),
    patch: { title: 'renamed by someone else' } satisfies Prisma.ConversationUncheckedUpdateManyInput,
  }),
  fixture({
    model: 'Message',
    table: 'messages',
    rowsPerTenant: 3,
    data: (tenantId, n): Prisma.MessageUncheckedCreateInput => ({
      tenantId,
      id: fixtureId(tenantId, 'message', n),
      conversationId: fixtureId(tenantId, 'conversation', 0),
      role: 'user',
      content: `hello ${n}`,
    }),
    key: (tenantId, n): Prisma.MessageWhereUniqueInput => ({ tenantId_id: { tenantId, id: fixtureId(tenantId, 'message', n) } }),
    patch: { content: 'rewritten by someone else' } satisfies Prisma.MessageUncheckedUpdateManyInput,
    // Its conversation first (composite foreign key: same tenant): the Conversation fixture's first
    // row, so seeding both models adds no uncounted conversation.
    create: async (client, tenantId, n) => {
      await delegateOf(client, 'Conversation').createMany({
        data: [{ tenantId, id: fixtureId(tenantId, 'conversation', 0), channel: 'widget' }],
        skipDuplicates: true,
      });
      return delegateOf(client, 'Message').create({
        data: { tenantId, id: fixtureId(tenantId, 'message', n), conversationId: fixtureId(tenantId, 'conversation', 0), role: 'user', content: `hello ${n}` },
      });
    },
  }),
  fixture({
    model: 'UsageCounter',
    table: 'usage_counters',
    rowsPerTenant: 3,
    data: (tenantId, n): Prisma.UsageCounterUncheckedCreateInput => ({ tenantId, metric: 'messages', periodStart: new Date(Date.UTC(2026, n, 1)), used: 5n }),
    key: (tenantId, n): Prisma.UsageCounterWhereUniqueInput => ({
      tenantId_metric_periodStart: { tenantId, metric: 'messages', periodStart: new Date(Date.UTC(2026, n, 1)) },
    }),
    patch: { used: 999n } satisfies Prisma.UsageCounterUncheckedUpdateManyInput,
  }),
  fixture({
    model: 'UsageDaily',
    table: 'usage_daily',
    rowsPerTenant: 3,
    data: (tenantId, n): Prisma.UsageDailyUncheckedCreateInput => ({ tenantId, metric: 'tokens', day: new Date(Date.UTC(2026, 10, n + 1)), amount: 42n }),
    key: (tenantId, n): Prisma.UsageDailyWhereUniqueInput => ({
      tenantId_metric_day: { tenantId, metric: 'tokens', day: new Date(Date.UTC(2026, 10, n + 1)) },
    }),
    patch: { amount: 999n } satisfies Prisma.UsageDailyUncheckedUpdateManyInput,
  }),
  fixture({
    model: 'ApiTrafficDaily',
    table: 'api_traffic_daily',
    rowsPerTenant: 3,
    data: (tenantId, n): Prisma.ApiTrafficDailyUncheckedCreateInput => ({
      tenantId,
      id: fixtureId(tenantId, 'api-traffic-daily', n),
      day: new Date(Date.UTC(2026, 10, n + 1)),
      requests: 10n,
      latencyBuckets: Array.from({ length: 12 }, () => 0n),
    }),
    key: (tenantId, n): Prisma.ApiTrafficDailyWhereUniqueInput => ({ tenantId_id: { tenantId, id: fixtureId(tenantId, 'api-traffic-daily', n) } }),
    patch: { requests: 999n } satisfies Prisma.ApiTrafficDailyUncheckedUpdateManyInput,
  }),
  fixture({
    model: 'UsageAttribution',
    table: 'usage_attribution',
    rowsPerTenant: 3,
    data: (tenantId, n): Prisma.UsageAttributionUncheckedCreateInput => ({
      tenantId,
      id: fixtureId(tenantId, 'usage-attribution', n),
      day: new Date(Date.UTC(2026, 10, n + 1)),
      model: 'mock-1',
      messages: 1n,
      promptTokens: 10n,
      completionTokens: 20n,
    }),
    key: (tenantId, n): Prisma.UsageAttributionWhereUniqueInput => ({ tenantId_id: { tenantId, id: fixtureId(tenantId, 'usage-attribution', n) } }),
    patch: { messages: 999n } satisfies Prisma.UsageAttributionUncheckedUpdateManyInput,
  }),
  fixture({
    model: 'UsageMeterReport',
    table: 'usage_meter_reports',
    rowsPerTenant: 3,
    data: (tenantId, n): Prisma.UsageMeterReportUncheckedCreateInput => ({
      tenantId,
      id: fixtureId(tenantId, 'usage-meter-report', n),
      metric: 'tokens',
      day: new Date(Date.UTC(2026, 10, n + 1)),
      amount: 42n,
    }),
    key: (tenantId, n): Prisma.UsageMeterReportWhereUniqueInput => ({ tenantId_id: { tenantId, id: fixtureId(tenantId, 'usage-meter-report', n) } }),
    patch: { amount: 999n } satisfies Prisma.UsageMeterReportUncheckedUpdateManyInput,
  }),
  fixture({
    model: 'UsageReservation',
    table: 'usage_reservations',
    rowsPerTenant: 3,
    data: (tenantId, n): Prisma.UsageReservationUncheckedCreateInput => ({
      tenantId,
      id: fixtureId(tenantId, 'usage-reservation', n),
      periodStart: new Date(Date.UTC(2026, 10, 1)),
      amounts: { messages: 1, tokens: 100 * (n + 1) },
      expiresAt: new Date(Date.now() + 900_000),
    }),
    key: (tenantId, n): Prisma.UsageReservationWhereUniqueInput => ({ tenantId_id: { tenantId, id: fixtureId(tenantId, 'usage-reservation', n) } }),
    patch: { releasedAt: new Date() } satisfies Prisma.UsageReservationUncheckedUpdateManyInput,
  }),
  fixture({
    model: 'BillingAccount',
    table: 'billing_accounts',
    rowsPerTenant: 1, // tenant_id is the primary key
    data: (tenantId): Prisma.BillingAccountUncheckedCreateInput => ({ tenantId, stripeCustomerId: `cus_fixture${tenantId.replace(/-/g, '')}` }),
    key: (tenantId): Prisma.BillingAccountWhereUniqueInput => ({ tenantId }),
    patch: { subscriptionStatus: 'canceled' } satisfies Prisma.BillingAccountUncheckedUpdateManyInput,
  }),
];

/** Deterministic ids per tenant and row, so `key` can name a row that `data` created. */
function fixtureId(tenantId: string, kind: string, n: number): string {
  const hex = createHash('sha256').update(`${tenantId}:${kind}:${n}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function fixtureUserId(tenantId: string, n: number): string {
  return fixtureId(tenantId, 'user', n);
}

/** The tenant tables the registry covers. */
export const TENANT_TABLES: readonly string[] = TENANT_FIXTURES.map((f) => f.table);

export function fixtureFor(model: Prisma.ModelName): TenantFixture {
  const found = TENANT_FIXTURES.find((f) => f.model === model);
  if (!found) throw new Error(`no tenant fixture for model ${model}`);
  return found;
}
