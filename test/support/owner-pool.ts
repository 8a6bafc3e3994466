import { Redis } from 'ioredis';
import pg from 'pg';

/**
 * A pool on the database owner (bypasses RLS) for tests to arrange and inspect data. Changing
 * access by hand (a membership, a tenant's status or plan, a session, a user's platform flag) is a
 * change made outside the application: like any such tool, it must announce itself, or instances
 * serve their cached principals until the entries expire (docs/adr/0018-hot-path.md). This pool
 * does it for the tests: after every UPDATE, DELETE or INSERT INTO memberships it bumps the global
 * epoch of the application's caches (`<QUEUE_PREFIX>:epoch:all`).
 */
export function ownerPool(connectionString: string, env: { REDIS_URL: string; QUEUE_PREFIX: string }, options: pg.PoolConfig = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString, max: 2, ...options });
  pool.on('error', () => undefined);
  const redis = new Redis(env.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 1000, enableOfflineQueue: false, retryStrategy: () => null });
  redis.on('error', () => undefined);
  let connected: Promise<void> | undefined;
  const announce = async () => {
    try {
      await (connected ??= redis.connect());
      await redis.incr(`${env.QUEUE_PREFIX}:epoch:all`);
    } catch {
      // Redis unreachable (the Redis-down tests): the application reads no epochs and caches nothing then
    }
  };
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  const changesAccess = (config: unknown) => {
    const text = typeof config === 'string' ? config : (config as { text?: unknown } | null)?.text;
    return typeof text === 'string' && /^\s*(update|delete|insert\s+into\s+memberships)\b/i.test(text);
  };
  (pool as unknown as { query: (...args: unknown[]) => Promise<unknown> }).query = async (...args: unknown[]) => {
    const result = await query(...args);
    if (changesAccess(args[0])) await announce();
    return result;
  };
  const end = pool.end.bind(pool);
  pool.end = (async () => {
    redis.disconnect();
    await end();
  });
  return pool;
}
