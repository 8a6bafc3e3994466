import pg from 'pg';
import { isUuid } from '../util/uuid.js';

/** The only statement that tells PostgreSQL which tenant is acting; transaction-local by design. */
export const SET_TENANT_SQL = "select set_config('app.tenant_id', $1, true)";

type TenantOf = () => string | undefined;
type PoolOptions = pg.PoolConfig & { tenantOf: TenantOf };
type Callback = (err: Error | null, result?: pg.QueryResult) => void;

// pg's Query class is public at runtime (pg.Query) but only loosely typed; these are the hooks used.
interface QueryInternals {
  prepare(connection: unknown): void;
  handleDataRow(msg: unknown): void;
  handleCommandComplete(msg: unknown, connection: unknown): void;
}
interface WireConnection {
  parse(msg: { text: string; name?: string; types?: unknown[] }): void;
  bind(msg: { portal?: string; statement?: string; values: unknown[]; valueMapper?: unknown }): void;
  execute(msg: { portal?: string; rows?: number }): void;
}
const BaseQuery = pg.Query as unknown as new (config: unknown, values?: unknown, callback?: Callback) => QueryInternals;

/**
 * One statement, bound to a tenant, in one round trip and one transaction.
 *
 * In PostgreSQL's extended protocol everything sent before a Sync runs in one implicit
 * transaction. This query sends Parse/Bind/Execute of `set_config('app.tenant_id', $1, true)`,
 * then the statement itself, then a single Sync: the tenant is set *in the same transaction* as
 * the statement, without BEGIN/COMMIT. If setting the tenant failed, PostgreSQL skips the
 * statement (error until Sync), so it can never run unbound. The set_config row and command tag
 * are swallowed here; the caller sees only its statement's result.
 */
class TenantBoundQuery extends BaseQuery {
  private bindingPending = true;

  constructor(
    config: unknown,
    values: unknown,
    private readonly tenantId: string,
    callback: Callback,
  ) {
    super(config, values, callback);
  }

  requiresPreparation(): boolean {
    return true; // always the extended protocol: the binding needs it
  }

  override prepare(connection: unknown): void {
    const wire = connection as WireConnection;
    wire.parse({ text: SET_TENANT_SQL, name: '', types: [] });
    wire.bind({ portal: '', statement: '', values: [this.tenantId] });
    wire.execute({ portal: '', rows: 0 });
    super.prepare(connection); // the statement itself, ending with the Sync
  }

  override handleDataRow(msg: unknown): void {
    if (!this.bindingPending) super.handleDataRow(msg);
  }

  override handleCommandComplete(msg: unknown, connection: unknown): void {
    if (this.bindingPending) this.bindingPending = false;
    else super.handleCommandComplete(msg, connection);
  }
}

function isBegin(config: unknown): boolean {
  const text = typeof config === 'string' ? config : (config as { text?: unknown } | null)?.text;
  return typeof text === 'string' && text.trim().toUpperCase() === 'BEGIN';
}

/**
 * A connection whose explicit transactions are bound to the tenant in context: `BEGIN` is sent as
 * `BEGIN; SELECT set_config('app.tenant_id', '<tenant>', true)`, one simple-protocol message.
 * Transaction-local, so the setting can never outlive the transaction on a pooled connection.
 */
class TenantBoundClient extends pg.Client {
  private readonly tenantOf: TenantOf;

  constructor(options: PoolOptions) {
    super(options);
    this.tenantOf = options.tenantOf;
  }

  // pg's overloads are not expressible on a subclass without `any`.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(config: any, values?: any, callback?: any): any {
    const tenantId = isBegin(config) ? this.tenantOf() : undefined;
    if (!tenantId) return super.query(config, values, callback);
    // Spliced into SQL text (simple protocol has no parameters): it must be a uuid, checked here.
    if (!isUuid(tenantId)) throw new Error('refusing to bind a tenant id that is not a uuid');
    const both = super.query(`BEGIN; SELECT set_config('app.tenant_id', '${tenantId}', true)`) as unknown as Promise<pg.QueryResult[]>;
    return both.then((results) => results[0]);
  }
}

/**
 * The tenant-facing connection pool, handed to Prisma's pg adapter. It is where the tenant in
 * context reaches PostgreSQL, for every statement:
 * - inside a transaction (a unit of work, or one Prisma opens itself): bound at BEGIN;
 * - outside one, with a tenant in context: sent as a TenantBoundQuery (tenant set in the same
 *   implicit transaction, one round trip);
 * - with no tenant in context: nothing is set, `app.tenant_id` reads '' and every RLS policy
 *   matches no tenant row. (The Prisma extension refuses tenant models before that.)
 */
export class TenantBoundPool extends pg.Pool {
  private readonly tenantOf: TenantOf;

  constructor(config: pg.PoolConfig, tenantOf: TenantOf) {
    super({ ...config, Client: TenantBoundClient, tenantOf } as unknown as pg.PoolConfig);
    this.tenantOf = tenantOf;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(config: any, values?: any, callback?: any): any {
    const tenantId = typeof values === 'function' || typeof callback === 'function' ? undefined : this.tenantOf();
    if (!tenantId) return super.query(config, values, callback);
    return this.queryAsTenant(tenantId, config, values);
  }

  private async queryAsTenant(tenantId: string, config: unknown, values: unknown): Promise<pg.QueryResult> {
    if (!isUuid(tenantId)) throw new Error('refusing to bind a tenant id that is not a uuid');
    const client = await this.connect();
    try {
      const result = await new Promise<pg.QueryResult>((resolve, reject) => {
        const query = new TenantBoundQuery(config, values, tenantId, (err, res) => (err ? reject(err) : resolve(res!)));
        client.query(query as unknown as pg.QueryConfig);
      });
      client.release();
      return result;
    } catch (error) {
      // An error PostgreSQL reported (it has a SQLSTATE) leaves the connection usable; anything
      // else (I/O, protocol) may not: destroy that connection rather than reuse it.
      const sqlState = (error as { code?: unknown }).code;
      client.release(typeof sqlState === 'string' && /^[0-9A-Z]{5}$/.test(sqlState) ? undefined : (error as Error));
      throw error;
    }
  }
}
