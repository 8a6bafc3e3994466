import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { Prisma, PrismaClient } from '../../generated/prisma/client.js';
import { AppConfig } from '../config/config.js';
import { TenantContext } from '../context/tenant-context.js';
import { TenantBoundPool } from './tenant-bound-pool.js';
import type { BatchResults, Row, Statement } from './statement.js';
import { attachPoolErrorLogger } from './pool-errors.js';
import { observePool } from './pool-metrics.js';
import { observeUnitOfWork } from '../observability/unit-of-work-metrics.js';

/** Models whose table has a tenant_id column; touching them needs a tenant in context. */
export const TENANT_MODELS: ReadonlySet<string> = new Set(
  Object.values(Prisma.ModelName).filter((model) => {
    const fields = (Prisma as unknown as Record<string, Record<string, string> | undefined>)[`${model}ScalarFieldEnum`];
    return fields !== undefined && 'tenantId' in fields;
  }),
);

const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

const UNBATCHED: Partial<Record<string, string>> = { findUnique: 'findFirst', findUniqueOrThrow: 'findFirstOrThrow' };

/**
 * A findUnique `where` may name a compound key (`tenantId_id: { tenantId, id }`), which findFirst
 * does not accept: spread it into its fields. Compound keys keep Prisma's default names (fields
 * joined by `_`), which is how this project declares them.
 */
export function toFindFirstArgs(args: unknown): unknown {
  const { where, ...rest } = (args ?? {}) as { where?: Record<string, unknown> };
  if (!where) return args;
  const flat: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(where)) {
    const isCompound =
      key.includes('_') && value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).join('_') === key;
    if (isCompound) Object.assign(flat, value);
    else flat[key] = value;
  }
  return { ...rest, where: flat };
}

function createClients(pool: TenantBoundPool, ctx: TenantContext) {
  const base = new PrismaClient({ adapter: new PrismaPg(pool) });

  // 1. Refuse tenant models without a tenant: an error, never "all rows" (nor silently none).
  const guarded = base.$extends({
    name: 'tenant-guard',
    query: {
      $allModels: {
        $allOperations({ model, operation, args, query }) {
          if (TENANT_MODELS.has(model)) ctx.requireTenantId(`${model}.${operation}`);
          return query(args);
        },
      },
    },
  });

  type Delegates = Record<string, Record<string, (a: unknown) => Promise<unknown>>>;
  // 2. Inside a unit of work, every model operation joins its transaction, even one made through
  //    this client rather than the `tx` handed to the callback (e.g. a nested service call).
  // 3. Outside one, findUnique becomes findFirst: Prisma batches findUnique calls made in the same
  //    tick into one query, which would run in ONE caller's tenant context and answer the others
  //    from it (RLS then hides their rows: they would get null). findFirst is never batched.
  const routed = guarded.$extends({
    name: 'unit-of-work',
    query: {
      $allModels: {
        $allOperations({ model, operation, args, query }) {
          const tx = ctx.current()?.unitOfWork as Delegates | undefined;
          if (tx) return tx[lowerFirst(model)]![operation]!(args);
          const unbatched = UNBATCHED[operation];
          if (unbatched) return (guarded as unknown as Delegates)[lowerFirst(model)]![unbatched]!(toFindFirstArgs(args));
          return query(args);
        },
      },
    },
  });
  return { base, guarded, routed };
}

type Clients = ReturnType<typeof createClients>;
/**
 * The client repositories use. Every operation runs with the context's tenant set in PostgreSQL.
 * Prisma's raw and transaction methods are left out: they would not join a unit of work in
 * progress. Raw SQL goes through `TenantDb.sql`, transactions through `TenantDb.transaction`.
 */
export type TenantClient = Omit<
  Clients['routed'],
  '$queryRaw' | '$executeRaw' | '$queryRawUnsafe' | '$executeRawUnsafe' | '$transaction' | '$extends' | '$connect' | '$disconnect'
>;
/** The client of one unit of work's transaction. */
export type TenantTx = Omit<Clients['guarded'], '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

/**
 * Tenant-scoped database access through the tenant-facing role (RLS applies, always).
 *
 * - `db.client.<model>.<op>()`: one operation, in its own transaction with the tenant set
 *   (pipelined: one round trip), or joined to the unit of work in progress.
 * - `db.transaction(fn)`: a unit of work. One interactive transaction, tenant set once; everything
 *   inside joins it, nested `transaction` calls included; a throw rolls all of it back.
 * - `db.sql\`...\``: the one way to run raw SQL against tenant data.
 *
 * Both `transaction` and `sql` need a scope: a tenant in context, or a context that names no tenant
 * on purpose (`TenantContext.runWithoutTenant`, for user-level work). There app.tenant_id stays
 * unset, every tenant policy compares tenant_id to NULL and matches nothing, for reads and writes,
 * and the extension still refuses tenant models.
 */
@Injectable()
export class TenantDb implements OnModuleDestroy {
  readonly pool: TenantBoundPool;
  readonly client: TenantClient;
  private readonly clients: Clients;

  constructor(
    config: AppConfig,
    private readonly ctx: TenantContext,
  ) {
    this.pool = new TenantBoundPool(
      {
        connectionString: config.env.APP_DATABASE_URL,
        max: config.env.DB_POOL_MAX,
        statement_timeout: config.env.DB_STATEMENT_TIMEOUT_MS || undefined,
        connectionTimeoutMillis: config.env.DB_POOL_TIMEOUT_MS,
        idle_in_transaction_session_timeout: 60_000,
        application_name: 'tenantry-api',
      },
      () => ctx.current(),
    );
    attachPoolErrorLogger(this.pool, 'tenant');
    observePool('tenant', this.pool);
    this.clients = createClients(this.pool, ctx);
    this.client = this.clients.routed;
  }

  async transaction<T>(fn: (tx: TenantTx) => Promise<T>, options?: { isolationLevel?: Prisma.TransactionIsolationLevel }): Promise<T> {
    const state = this.ctx.current();
    if (state?.unitOfWork) return fn(state.unitOfWork as TenantTx);
    this.ctx.requireScope('a unit of work');
    const commitHooks: Array<() => Promise<void>> = [];
    const result = await observeUnitOfWork(() => this.clients.guarded.$transaction(
      (tx) => this.ctx.withUnitOfWork(tx, () => fn(tx), commitHooks),
      { isolationLevel: options?.isolationLevel, timeout: 30_000, maxWait: 10_000 },
    ));
    for (const hook of commitHooks) await hook(); // committed: TenantContext.afterCommit's hooks, in order
    return result;
  }

  /**
   * Raw SQL for the tenant in context, as a tagged template (values become bind parameters).
   * Joins the unit of work in progress; RLS applies exactly as for model operations. In a
   * tenantless context (runWithoutTenant) it runs as the user, or as nobody: no tenant row matches.
   */
  async sql<T = Record<string, unknown>>(strings: TemplateStringsArray, ...values: unknown[]): Promise<T[]> {
    this.ctx.requireScope('raw SQL');
    const runner = (this.ctx.current()?.unitOfWork as TenantTx | undefined) ?? this.clients.guarded;
    return runner.$queryRaw<T[]>(Prisma.sql(strings, ...values));
  }

  /**
   * Statements (`statement`, statement.ts) run in ONE round trip, all or nothing, with the tenant
   * set first in the same implicit transaction (TenantBoundPool.batch): a unit of work without
   * BEGIN and COMMIT, for the hot path (docs/adr/0018). RLS applies exactly as for `sql`. Inside a
   * unit of work in progress they join it, one after the other. Each result is its statement's `read`.
   */
  async batch<const S extends readonly Statement<unknown>[]>(...statements: S): Promise<BatchResults<S>> {
    this.ctx.requireScope('raw SQL');
    const tx = this.ctx.current()?.unitOfWork as TenantTx | undefined;
    if (tx) {
      const results: unknown[] = [];
      for (const s of statements) results.push(s.read(await tx.$queryRawUnsafe<Row[]>(s.text, ...s.values)));
      return results as BatchResults<S>;
    }
    const results = await observeUnitOfWork(() => this.pool.batch(statements));
    return statements.map((s, i) => s.read(results[i]!.rows as Row[])) as BatchResults<S>;
  }

  async onModuleDestroy(): Promise<void> {
    await this.clients.base.$disconnect();
    await this.pool.end();
  }
}
