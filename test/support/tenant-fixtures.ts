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
];

/** The tenant tables the registry covers. */
export const TENANT_TABLES: readonly string[] = TENANT_FIXTURES.map((f) => f.table);

export function fixtureFor(model: Prisma.ModelName): TenantFixture {
  const found = TENANT_FIXTURES.find((f) => f.model === model);
  if (!found) throw new Error(`no tenant fixture for model ${model}`);
  return found;
}
