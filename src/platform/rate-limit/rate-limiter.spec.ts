import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { testDatabaseUrls, testEnv } from '../../../test/support/database.js';
import { loadConfig } from '../config/config.js';
import { RedisClient } from '../redis/redis.module.js';
import { RateLimitHealth } from './rate-limit-health.js';
import { RateLimiter } from './rate-limiter.js';

/** Real Redis (TEST_REDIS_URL or the local one); each run counts under its own key prefix. */
function configFor(redisUrl?: string) {
  return loadConfig(
    testEnv(testDatabaseUrls('rate_limit_unused'), {
      QUEUE_PREFIX: `test:rl-spec:${randomBytes(4).toString('hex')}`,
      ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
    }),
  );
}

async function connected(client: RedisClient): Promise<RedisClient> {
  if (client.redis.status !== 'ready') await new Promise((resolve) => client.redis.once('ready', resolve));
  return client;
}

const clients: RedisClient[] = [];
async function limiter(config = configFor()): Promise<RateLimiter> {
  const client = new RedisClient(config);
  clients.push(client);
  return new RateLimiter(await connected(client), config, new RateLimitHealth(config));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const key = () => `spec:${randomBytes(6).toString('hex')}`;

afterAll(async () => {
  await Promise.all(clients.map((c) => c.onModuleDestroy()));
});

describe('RateLimiter (Redis sliding window)', () => {
  let rl: RateLimiter;
  beforeAll(async () => {
    rl = await limiter();
  });

  it('allows `limit` requests per window, counting down, then refuses with the time until a slot frees', async () => {
    const k = key();
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await rl.consume(k, 3, 10));
    expect(decisions.map((d) => [d.allowed, d.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
    ]);
    const refused = decisions[3]!;
    expect(refused).toMatchObject({ limit: 3 });
    expect(refused.failedOpen).toBeUndefined();
    expect(refused.resetSeconds).toBeGreaterThanOrEqual(1);
    expect(refused.resetSeconds).toBeLessThanOrEqual(10);
  });

  it('counts each key separately', async () => {
    const [a, b] = [key(), key()];
    expect((await rl.consume(a, 1, 10)).allowed).toBe(true);
    expect((await rl.consume(a, 1, 10)).allowed).toBe(false);
    expect((await rl.consume(b, 1, 10)).allowed).toBe(true);
  });

  it('a limit of 0 refuses everything', async () => {
    expect(await rl.consume(key(), 0, 10)).toMatchObject({ allowed: false, remaining: 0 });
  });

  it('frees slots as requests leave the window (sliding, not fixed)', async () => {
    const k = key();
    expect((await rl.consume(k, 2, 1)).allowed).toBe(true);
    expect((await rl.consume(k, 2, 1)).allowed).toBe(true);
    expect((await rl.consume(k, 2, 1)).allowed).toBe(false);
    await sleep(1100);
    expect(await rl.consume(k, 2, 1)).toMatchObject({ allowed: true, remaining: 1 });
  });

  it('is atomic and shared across instances: concurrent requests through two limiters never exceed the limit', async () => {
    const config = configFor();
    const [one, two] = [await limiter(config), await limiter(config)];
    const k = key();
    const decisions = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? one : two).consume(k, 7, 10)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(7);
    expect(decisions.filter((d) => !d.allowed)).toHaveLength(23);
  });

  it('refuses nonsense limits and windows', async () => {
    await expect(rl.consume(key(), -1, 10)).rejects.toThrow(RangeError);
    await expect(rl.consume(key(), 1.5, 10)).rejects.toThrow(RangeError);
    await expect(rl.consume(key(), 1, 0)).rejects.toThrow(RangeError);
  });
});

describe('RateLimiter when Redis is unavailable: fails open, logs once, never stalls', () => {
  let warn: ReturnType<typeof jest.spyOn>;
  beforeAll(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockClear());
  afterAll(() => warn.mockRestore());

  it('lets requests through, uncounted, when nothing listens on the Redis port', async () => {
    const port = await closedPort();
    const config = configFor(`redis://127.0.0.1:${port}`);
    const client = new RedisClient(config);
    clients.push(client);
    const rl = new RateLimiter(client, config, new RateLimitHealth());
    const decisions = [await rl.consume(key(), 1, 10), await rl.consume(key(), 1, 10)];
    expect(decisions).toEqual([
      { allowed: true, limit: 1, remaining: 1, resetSeconds: 10, failedOpen: true },
      { allowed: true, limit: 1, remaining: 1, resetSeconds: 10, failedOpen: true },
    ]);
    expect(warn).toHaveBeenCalledTimes(1); // not one warning per request
  });

  it('gives up waiting on a Redis that accepts commands but never answers', async () => {
    const silent = await silentRedis();
    const config = configFor(`redis://127.0.0.1:${silent.port}`);
    const client = new RedisClient(config);
    try {
      const rl = new RateLimiter(await connected(client), config, new RateLimitHealth());
      expect(await rl.consume(key(), 5, 10)).toMatchObject({ allowed: true, failedOpen: true });
      expect(silent.received().toLowerCase()).toMatch(/\beval(sha)?\b/); // it really asked, and got no answer
      expect(warn).toHaveBeenCalledWith(expect.anything(), expect.stringContaining('no answer within'));
    } finally {
      await client.onModuleDestroy();
      await silent.close();
    }
  });
});

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Speaks just enough RESP to pass ioredis's connection set-up (INFO, CLIENT ...), and never answers scripts. */
async function silentRedis(): Promise<{ port: number; received: () => string; close: () => Promise<void> }> {
  let received = '';
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('data', (chunk) => {
      const text = chunk.toString('latin1');
      received += text;
      // One reply per command in the chunk (RESP arrays: `*<n>`, then `$<len>` + name first).
      for (const [, name] of text.matchAll(/\*\d+\r\n\$\d+\r\n([A-Za-z]+)\r\n/g)) {
        if (/^info$/i.test(name!)) {
          const info = '# Server\r\nredis_version:7.2.0\r\nloading:0\r\n';
          socket.write(`$${Buffer.byteLength(info)}\r\n${info}\r\n`);
        } else if (!/^eval/i.test(name!)) {
          socket.write('+OK\r\n'); // CLIENT SETINFO and the like
        }
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    received: () => received,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
