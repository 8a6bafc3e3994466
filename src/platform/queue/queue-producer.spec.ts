import { describe, expect, it } from '@jest/globals';
import type { AppConfig } from '../config/config.js';
import type { RedisClient } from '../redis/redis.module.js';
import { QueueProducer } from './queue-producer.js';

/** QueueProducer's bounds, without a queue (test/e2e/queue-unavailable.spec.ts runs it against an unreachable Redis). */
const producerWith = (status: string) =>
  new QueueProducer({ redis: { status } } as unknown as RedisClient, { env: { QUEUE_SCHEDULE_CHECK_MS: 30_000 } } as unknown as AppConfig);

describe('QueueProducer.run', () => {
  it('passes the result through when Redis answers', async () => {
    await expect(producerWith('ready').run('a test', async () => 42)).resolves.toBe(42);
  });

  it('passes a failure of the call itself through unchanged', async () => {
    await expect(producerWith('ready').run('a test', () => Promise.reject(new Error('job id taken')))).rejects.toThrow('job id taken');
  });

  it('gives up on a call Redis never answers, with 503 queue_unavailable', async () => {
    await expect(producerWith('ready').run('a test', () => new Promise<never>(() => undefined))).rejects.toMatchObject({
      code: 'queue_unavailable',
      status: 503,
      message: expect.stringContaining('no answer from Redis'),
    });
  });

  it('does not even try while the connection is down', async () => {
    let called = false;
    const refused = producerWith('reconnecting').run('a test', async () => {
      called = true;
    });
    await expect(refused).rejects.toMatchObject({ code: 'queue_unavailable', message: expect.stringContaining('Redis is reconnecting') });
    expect(called).toBe(false);
  });
});
