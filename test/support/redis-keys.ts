import { Redis } from 'ioredis';

/**
 * Deletes every key under `prefix` (a test database's QUEUE_PREFIX: its job queues, rate-limit
 * counters and throttles), so that test runs do not pile keys up in the shared Redis. Quietly does
 * nothing when that Redis is unreachable (the Redis-down tests point at a closed port).
 */
export async function purgeRedisPrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 1000, enableOfflineQueue: false, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } catch {
    // unreachable or gone: nothing to clean there
  } finally {
    redis.disconnect();
  }
}
