import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/config.js';
import { RedisClient } from '../redis/redis.module.js';
import { RateLimitHealth } from './rate-limit-health.js';
import { countRateLimitDecision } from '../observability/rate-limit-metrics.js';

/** The outcome of one `consume`: what the RateLimit-* and Retry-After headers are made of. */
export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  /** Requests still allowed in the current window after this one. */
  remaining: number;
  /** Seconds until a slot frees up (the oldest counted request leaves the window); at least 1. */
  resetSeconds: number;
  /** Redis did not answer in time: the request was let through uncounted (fail open). */
  failedOpen?: true;
}


/**
 * Sliding-window log, atomic in one Lua script: the key is a sorted set of the requests counted in
 * the last `window` ms (scored by Redis's own clock, so every instance agrees on "now"). Entries
 * older than the window are dropped; a request is counted only if fewer than `limit` remain, so the
 * set never holds more than `limit` entries. Unlike a fixed window, it never lets 2 x limit through
 * around a window boundary: any `window` ms hold at most `limit` allowed requests.
 * `consume` answers { allowed 0|1, remaining, ms until the oldest entry leaves the window }; every
 * script below is built on it.
 */
const WINDOW_LUA = `
local function clock()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function consume(key, limit, window, member, now)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  local allowed = 0
  if count < limit then
    redis.call('ZADD', key, now, member)
    redis.call('PEXPIRE', key, window)
    count = count + 1
    allowed = 1
  end
  local reset = window
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  if oldest[2] then reset = tonumber(oldest[2]) + window - now end
  local remaining = limit - count
  if remaining < 0 then remaining = 0 end
  return allowed, remaining, reset
end
`;

/** KEYS[1] the key; ARGV[1] limit; ARGV[2] window in ms; ARGV[3] a unique member for this request. */
const SLIDING_WINDOW_LUA = `${WINDOW_LUA}
local allowed, remaining, reset = consume(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], clock())
return { allowed, remaining, reset }
`;

/**
 * The same window, counted only if the cache epochs named by KEYS[2..4] (AccessEpochs) still
 * read `ARGV[4]` (joined `all.tenant.user`, 0 for a missing key): the caller's cached principal
 * was stored under exactly those, so it still holds and the request may be counted. Either way it
 * returns the epochs it read, so one round trip serves both the cache check and the limit.
 *   Returns { -1, epochs } when the epochs differ (nothing counted), else
 *   { allowed, remaining, ms until the oldest entry leaves, epochs }.
 */
const SLIDING_WINDOW_UNDER_EPOCHS_LUA = `${WINDOW_LUA}
local e = redis.call('MGET', KEYS[2], KEYS[3], KEYS[4])
local epochs = (e[1] or '0') .. '.' .. (e[2] or '0') .. '.' .. (e[3] or '0')
if epochs ~= ARGV[4] then return { -1, epochs } end
local allowed, remaining, reset = consume(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], clock())
return { allowed, remaining, reset, epochs }
`;

/**
 * Several windows counted in order, stopping at the first that refuses (the ones after it are not
 * counted), and the values of some other keys read beside them (cache epochs): one round trip.
 *   KEYS: the ARGV[1] windows' keys, then the keys to read. ARGV: the number of windows, then for
 *   each its limit, window in ms and unique member.
 *   Returns the values read (false for a missing key), then { allowed, remaining, reset } of each
 *   window counted.
 */
const SLIDING_WINDOWS_LUA = `${WINDOW_LUA}
local n = tonumber(ARGV[1])
local out = {}
if #KEYS > n then
  local values = redis.call('MGET', unpack(KEYS, n + 1))
  for i = 1, #values do out[i] = values[i] end
end
local now = clock()
for i = 1, n do
  local allowed, remaining, reset = consume(KEYS[i], tonumber(ARGV[3 * i - 1]), tonumber(ARGV[3 * i]), ARGV[3 * i + 1], now)
  out[#out + 1] = allowed
  out[#out + 1] = remaining
  out[#out + 1] = reset
  if allowed == 0 then break end
end
return out
`;

/**
 * A member unique to each counted request: this process's random id and a counter. randomBytes on
 * every request was a system call each (about 3 % of a refused request's CPU, docs/adr/0018).
 */
const PROCESS_ID = randomBytes(8).toString('hex');
let counted = 0;
const uniqueMember = (): string => `${PROCESS_ID}:${(counted++).toString(36)}`;

const COMMAND = 'tenantryRateLimitConsume';
type ConsumeCommand = (key: string, limit: number, windowMs: number, member: string) => Promise<[number, number, number]>;
const UNDER_EPOCHS_COMMAND = 'tenantryRateLimitConsumeUnderEpochs';
const WINDOWS_COMMAND = 'tenantryRateLimitConsumeWindows';
type WindowsCommand = (numberOfKeys: number, ...keysAndArgs: Array<string | number>) => Promise<Array<string | number | null>>;

/** One window of `consumeWindows`. */
export interface RateLimitWindow {
  /** The full key (callers name it with its prefix, as `consumeAt`). */
  key: string;
  limit: number;
  windowMs: number;
}
type UnderEpochsCommand = (
  key: string,
  epochAll: string,
  epochTenant: string,
  epochUser: string,
  limit: number,
  windowMs: number,
  member: string,
  expected: string,
) => Promise<[-1, string] | [number, number, number, string]>;

/** What `consumeUnderEpochs` read: the epochs always, the decision only when they matched. */
export interface EpochsAndDecision {
  /** The epochs as Redis holds them now, joined `all.tenant.user` (0 for a missing key). */
  epochs: string;
  /** Undefined when the epochs were not the expected ones: then nothing was counted. */
  decision?: RateLimitDecision;
}

/**
 * A rate limiter shared by every server instance (the counts live in Redis). Generic: callers pick
 * the key (`widget-chat:<tenant id>`, `auth:password-reset:<digest>`), the limit and the window.
 *
 * Redis being down or slow must not take the API down with it: a decision that Redis does not
 * answer within RATE_LIMIT_TIMEOUT_MS (rate-limit-health.ts) lets the request through (fail open), which RateLimitHealth
 * logs and readiness reports.
 */
@Injectable()
export class RateLimiter {
  private readonly prefix: string;

  constructor(
    private readonly redisClient: RedisClient,
    config: AppConfig,
    private readonly health: RateLimitHealth,
  ) {
    // The deployment's Redis namespace (the same prefix as its job queues; tests get one per database).
    this.prefix = `${config.env.QUEUE_PREFIX}:rl:`;
    const redis = redisClient.redis as unknown as Record<string, unknown>;
    if (typeof redis[COMMAND] !== 'function') {
      redisClient.redis.defineCommand(COMMAND, { numberOfKeys: 1, lua: SLIDING_WINDOW_LUA }); // EVALSHA, EVAL on NOSCRIPT
      redisClient.redis.defineCommand(UNDER_EPOCHS_COMMAND, { numberOfKeys: 4, lua: SLIDING_WINDOW_UNDER_EPOCHS_LUA });
      redisClient.redis.defineCommand(WINDOWS_COMMAND, { lua: SLIDING_WINDOWS_LUA }); // the number of keys is the first argument
    }
  }

  /** Redis is connected: a decision may be tried (when not, `consume` fails open at once and reports it). */
  get connected(): boolean {
    return this.redisClient.redis.status === 'ready';
  }

  /** A decision let through uncounted (what a limiter answers when Redis did not). */
  static failedOpen(limit: number, windowMs: number): RateLimitDecision {
    return { allowed: true, limit, remaining: limit, resetSeconds: Math.max(1, Math.ceil(windowMs / 1000)), failedOpen: true };
  }

  /** The full Redis key of a `consume` key (for `consumeWindows`, which takes full keys). */
  fullKey(key: string): string {
    return this.prefix + key;
  }

  /** Counts one request against `key`: at most `limit` requests in any `windowSeconds`. */
  async consume(key: string, limit: number, windowSeconds: number): Promise<RateLimitDecision> {
    if (!(windowSeconds > 0)) throw new RangeError(`windowSeconds must be positive, got ${windowSeconds}`);
    return countRateLimitDecision(key, await this.consumeAt(this.prefix + key, limit, Math.ceil(windowSeconds * 1000), 'rate limiter'));
  }

  /**
   * The same decision on a key the caller names in full (the HTTP throttlers' keys carry their own
   * prefix), reported to RateLimitHealth as `source`.
   */
  async consumeAt(fullKey: string, limit: number, windowMs: number, source: string): Promise<RateLimitDecision> {
    checkWindow(limit, windowMs);
    const redis = this.redisClient.redis;
    const command = (redis as unknown as Record<string, ConsumeCommand>)[COMMAND]!;
    const answer = await this.health.attempt(source, () => command.call(redis, fullKey, limit, windowMs, uniqueMember()), redis.status === 'ready');
    if (answer === undefined) return RateLimiter.failedOpen(limit, windowMs);
    const [allowed, remaining, resetMs] = answer;
    return { allowed: allowed === 1, limit, remaining, resetSeconds: Math.max(1, Math.ceil(resetMs / 1000)) };
  }

  /**
   * One request counted against `fullKey` only if the three epoch keys still hold `expected`
   * (SLIDING_WINDOW_UNDER_EPOCHS_LUA), in ONE round trip; undefined when Redis did not answer
   * (failed open, reported as `source`: the caller goes its usual way, which fails open too).
   */
  async consumeUnderEpochs(
    fullKey: string,
    epochKeys: readonly [string, string, string],
    expected: string,
    limit: number,
    windowMs: number,
    source: string,
  ): Promise<EpochsAndDecision | undefined> {
    checkWindow(limit, windowMs);
    const redis = this.redisClient.redis;
    const command = (redis as unknown as Record<string, UnderEpochsCommand>)[UNDER_EPOCHS_COMMAND]!;
    const member = uniqueMember();
    const answer = await this.health.attempt(source, () => command.call(redis, fullKey, ...epochKeys, limit, windowMs, member, expected), redis.status === 'ready');
    if (answer === undefined) return undefined;
    if (answer.length === 2) return { epochs: answer[1] };
    const [allowed, remaining, resetMs, epochs] = answer;
    return { epochs, decision: { allowed: allowed === 1, limit, remaining, resetSeconds: Math.max(1, Math.ceil(resetMs / 1000)) } };
  }

  /**
   * Counts one request against each window in order, in ONE round trip, stopping at the first
   * refusal (SLIDING_WINDOWS_LUA), and reads `readKeys` beside them. Returns the values read and a
   * decision for each window counted (the last one refused, or all allowed); undefined when Redis
   * did not answer (failed open, reported as `source`).
   */
  async consumeWindows(
    windows: readonly RateLimitWindow[],
    readKeys: readonly string[],
    source: string,
  ): Promise<{ values: Array<string | null>; decisions: RateLimitDecision[] } | undefined> {
    for (const w of windows) checkWindow(w.limit, w.windowMs);
    const redis = this.redisClient.redis;
    const command = (redis as unknown as Record<string, WindowsCommand>)[WINDOWS_COMMAND]!;
    const args = [windows.length, ...windows.flatMap((w) => [w.limit, w.windowMs, uniqueMember()])];
    const keys = [...windows.map((w) => w.key), ...readKeys];
    const answer = await this.health.attempt(source, () => command.call(redis, keys.length, ...keys, ...args), redis.status === 'ready');
    if (answer === undefined) return undefined;
    const values = answer.slice(0, readKeys.length).map((v) => (v === null ? null : String(v)));
    const decisions: RateLimitDecision[] = [];
    for (let i = readKeys.length, w = 0; i + 2 < answer.length && w < windows.length; i += 3, w++) {
      const [allowed, remaining, resetMs] = [Number(answer[i]), Number(answer[i + 1]), Number(answer[i + 2])];
      decisions.push({ allowed: allowed === 1, limit: windows[w]!.limit, remaining, resetSeconds: Math.max(1, Math.ceil(resetMs / 1000)) });
    }
    return { values, decisions };
  }
}

/** A window every decision can count: a non-negative integer limit over a positive number of ms. */
function checkWindow(limit: number, windowMs: number): void {
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
  if (!Number.isInteger(windowMs) || windowMs <= 0) throw new RangeError(`windowMs must be a positive integer, got ${windowMs}`);
}
