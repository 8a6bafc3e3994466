import { createRequire } from 'node:module';
import pg from 'pg';
import { isUuid } from '../util/uuid.js';
import { isConnectionLevelError } from './connection-errors.js';
import { ResilientClient, ResilientPool } from './resilient-pool.js';

/**
 * The only statement that tells PostgreSQL who is acting: the tenant (read by every tenant
 * policy) and the user (read by the policies of user-owned tables). Transaction-local by design.
 */
export const SET_ACTOR_SQL = "select set_config('app.tenant_id', $1, true), set_config('app.user_id', $2, true)";

/** Who is acting, from the context; undefined when neither tenant nor user is known. */
export interface Actor {
  tenantId?: string;
  userId?: string;
  /**
   * A context that names no tenant on purpose (TenantContext.runWithoutTenant). Bound even when
   * anonymous, as ('', ''), so its statements never run with whatever a connection last held.
   */
  withoutTenant?: boolean;
}
type ActorOf = () => Actor | undefined;
type PoolOptions = pg.PoolConfig & { actorOf: ActorOf };

/** The actor's ids, validated: they are sent as parameters, or spliced into SQL text at BEGIN. */
function bindingOf(actor: Actor | undefined): [string, string] | undefined {
  if (!actor || (!actor.tenantId && !actor.userId && !actor.withoutTenant)) return undefined;
  const ids: [string, string] = [actor.tenantId ?? '', actor.userId ?? ''];
  if (ids.some((id) => id !== '' && !isUuid(id))) throw new Error('refusing to bind an actor id that is not a uuid');
  return ids;
}
type Callback = (err: Error | null, result?: pg.QueryResult) => void;

// pg's Query class is public at runtime (pg.Query) but only loosely typed; these are the hooks used.
interface QueryInternals {
  prepare(connection: unknown): void;
  handleDataRow(msg: unknown): void;
  handleCommandComplete(msg: unknown, connection: unknown): void;
}
interface WireConnection {
  parse(msg: { text: string; name?: string; types?: unknown[] }): void;
  bind(msg: { portal?: string; statement?: string; values: readonly unknown[]; valueMapper?: unknown }): void;
  describe(msg: { type: 'P' | 'S'; name?: string }): void;
  execute(msg: { portal?: string; rows?: number }): void;
  sync(): void;
}
/** pg's own conversion of JS values to parameters (arrays, dates, buffers, JSON), as pg.Query uses it. */
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils.js') as { prepareValue: (value: unknown) => unknown };
const BaseQuery = pg.Query as unknown as new (config: unknown, values?: unknown, callback?: Callback) => QueryInternals;

/**
 * One statement, bound to a tenant, in one round trip and one transaction.
 *
 * In PostgreSQL's extended protocol everything sent before a Sync runs in one implicit
 * transaction. This query sends Parse/Bind/Execute of SET_ACTOR_SQL,
 * then the statement itself, then a single Sync: the tenant (and user) is set *in the same transaction* as
 * the statement, without BEGIN/COMMIT. If setting the tenant failed, PostgreSQL skips the
 * statement (error until Sync), so it can never run unbound. The set_config row and command tag
 * are swallowed here; the caller sees only its statement's result.
 */
class TenantBoundQuery extends BaseQuery {
  private bindingPending = true;

  constructor(
    config: unknown,
    values: unknown,
    private readonly binding: [string, string],
    callback: Callback,
  ) {
    super(config, values, callback);
  }

  requiresPreparation(): boolean {
    return true; // always the extended protocol: the binding needs it
  }

  override prepare(connection: unknown): void {
    const wire = connection as WireConnection;
    wire.parse({ text: SET_ACTOR_SQL, name: '', types: [] });
    wire.bind({ portal: '', statement: '', values: this.binding });
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

/**
 * Names of the batches' statement texts (texts written in the code: a few dozen). A connection
 * parses a named statement once and then only binds it, so PostgreSQL neither parses nor, once it
 * settles on a generic plan, plans it again on every request. Past MAX_NAMED_STATEMENTS texts (a
 * bug building SQL from data) new ones stay unnamed, parsed every time.
 */
const statementNames = new Map<string, string>();
const MAX_NAMED_STATEMENTS = 500;
function nameOf(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    if (statementNames.size >= MAX_NAMED_STATEMENTS) return '';
    name = `tenantry_batch_${statementNames.size + 1}`;
    statementNames.set(text, name);
  }
  return name;
}

/**
 * Several statements, bound to a tenant, in ONE round trip and one implicit transaction: Parse
 * (once per connection: named statements), Bind, Describe and Execute of SET_ACTOR_SQL, then of
 * each statement, then a single Sync. They run
 * in order; the first error makes PostgreSQL skip the rest until the Sync and roll all of it back,
 * so a batch is all or nothing, like a unit of work, without BEGIN and COMMIT. The callback gets
 * one result per statement (the binding's is dropped).
 */
class TenantBoundBatch extends BaseQuery {
  /** Whether this batch asked the connection to parse a named statement (unknown on the server if the batch failed). */
  parsedNew = false;

  constructor(
    private readonly statements: ReadonlyArray<{ text: string; values: readonly unknown[] }>,
    private readonly binding: [string, string],
    callback: (err: Error | null, results?: pg.QueryResult[]) => void,
  ) {
    super({ text: SET_ACTOR_SQL }, undefined, (err, res) => {
      if (err) return callback(err);
      const all = res as unknown as pg.QueryResult | pg.QueryResult[];
      callback(null, (Array.isArray(all) ? all : [all]).slice(1));
    });
  }

  requiresPreparation(): boolean {
    return true;
  }

  override prepare(connection: unknown): void {
    const wire = connection as WireConnection & { parsedStatements: Record<string, string> };
    for (const { text, values } of [{ text: SET_ACTOR_SQL, values: this.binding }, ...this.statements]) {
      const name = nameOf(text);
      if (name === '' || wire.parsedStatements[name] === undefined) {
        wire.parse({ text, name, types: [] });
        if (name !== '') {
          wire.parsedStatements[name] = text;
          this.parsedNew = true;
        }
      }
      wire.bind({ portal: '', statement: name, values, valueMapper: prepareValue });
      wire.describe({ type: 'P', name: '' });
      wire.execute({ portal: '', rows: 0 });
    }
    wire.sync();
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
class TenantBoundClient extends ResilientClient {
  private readonly actorOf: ActorOf;

  constructor(options: PoolOptions) {
    super(options);
    this.actorOf = options.actorOf;
  }

  // pg's overloads are not expressible on a subclass without `any`.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(config: any, values?: any, callback?: any): any {
    const binding = isBegin(config) ? bindingOf(this.actorOf()) : undefined;
    if (!binding) return super.query(config, values, callback);
    // Simple protocol has no parameters: the ids are spliced in, validated as uuids by bindingOf.
    const [tenantId, userId] = binding;
    const both = super.query(
      `BEGIN; SELECT set_config('app.tenant_id', '${tenantId}', true), set_config('app.user_id', '${userId}', true)`,
    ) as unknown as Promise<pg.QueryResult[]>;
    return both.then((results) => results[0]);
  }
}

/**
 * The tenant-facing connection pool, handed to Prisma's pg adapter. It is where the tenant in
 * context (and the user) reaches PostgreSQL, for every statement:
 * - inside a transaction (a unit of work, or one Prisma opens itself): bound at BEGIN;
 * - outside one, with an actor in context: sent as a TenantBoundQuery (set in the same implicit
 *   transaction, one round trip);
 * - in a tenantless context (runWithoutTenant): the same, with app.tenant_id bound to '' (NULL to
 *   the policies: no tenant row matches, for reads and writes) and app.user_id to the user or '';
 * - with no actor in context: nothing is set, the settings read '' and every RLS policy matches
 *   no tenant- or user-owned row. (The Prisma extension refuses tenant models before that.)
 */
export class TenantBoundPool extends ResilientPool {
  private readonly actorOf: ActorOf;

  constructor(config: pg.PoolConfig, actorOf: ActorOf) {
    super({ ...config, Client: TenantBoundClient, actorOf } as unknown as pg.PoolConfig & { Client: typeof ResilientClient });
    this.actorOf = actorOf;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(config: any, values?: any, callback?: any): any {
    const binding = typeof values === 'function' || typeof callback === 'function' ? undefined : bindingOf(this.actorOf());
    if (!binding) return super.query(config, values, callback);
    return this.queryAsActor(binding, config, values);
  }

  /**
   * The statements as one TenantBoundBatch (one round trip, all or nothing) for the actor in
   * context; refused without one (the statements would run bound to nobody).
   */
  async batch(statements: ReadonlyArray<{ text: string; values: readonly unknown[] }>): Promise<pg.QueryResult[]> {
    const binding = bindingOf(this.actorOf());
    if (!binding) throw new Error('a batch of statements needs a tenant or user in context');
    const client = await this.connect();
    let query: TenantBoundBatch | undefined;
    try {
      const results = await new Promise<pg.QueryResult[]>((resolve, reject) => {
        query = new TenantBoundBatch(statements, binding, (err, res) => (err ? reject(err) : resolve(res!)));
        void client.query(query as unknown as pg.QueryConfig);
      });
      client.release();
      return results;
    } catch (error) {
      // A failed batch that parsed named statements leaves the connection unsure which of them
      // exist on the server: it is closed rather than reused (rare: once warm, nothing is parsed).
      client.release(isConnectionLevelError(error) || query?.parsedNew ? (error as Error) : undefined);
      throw error;
    }
  }

  private async queryAsActor(binding: [string, string], config: unknown, values: unknown): Promise<pg.QueryResult> {
    const client = await this.connect();
    try {
      const result = await new Promise<pg.QueryResult>((resolve, reject) => {
        const query = new TenantBoundQuery(config, values, binding, (err, res) => (err ? reject(err) : resolve(res!)));
        // A Submittable: its callback above settles the promise; query() returns nothing to await here.
        void client.query(query as unknown as pg.QueryConfig);
      });
      client.release();
      return result;
    } catch (error) {
      // A statement error leaves the connection usable; a connection-level one (I/O, protocol, a
      // FATAL such as 57P01 on termination) does not: destroy it rather than reuse it.
      client.release(isConnectionLevelError(error) ? (error as Error) : undefined);
      throw error;
    }
  }
}
