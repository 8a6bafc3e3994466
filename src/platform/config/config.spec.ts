import { describe, expect, it } from '@jest/globals';
import { AppConfig, ConfigError, loadConfig } from './config.js';

const SECRETS = {
  DATABASE_URL: 'postgresql://owner:owner-pw-7f3a9c@db.internal:5432/tenantry',
  APP_DATABASE_URL: 'postgresql://tenantry_app:app-pw-51be02@db.internal:5432/tenantry',
  PLATFORM_DATABASE_URL: 'postgresql://tenantry_platform:platform-pw-c4d8e1@db.internal:5432/tenantry',
  REDIS_URL: 'redis://:redis-pw-99a0f2@cache.internal:6379/0',
  JWT_SECRET: 'jwt-secret-0123456789abcdef0123456789abcdef',
  CHAT_ENCRYPTION_KEY: Buffer.from('chat-key-0123456789abcdef0123456').toString('base64'),
};

const validEnv = (overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ ...SECRETS, ...overrides });

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

describe('loadConfig', () => {
  it('accepts a complete environment and applies the defaults', () => {
    const config = loadConfig(validEnv());

    expect(config).toBeInstanceOf(AppConfig);
    expect(config.env).toMatchObject({
      NODE_ENV: 'development',
      PORT: 3000,
      JWT_ISSUER: 'tenantry',
      JWT_AUDIENCE: 'tenantry-api',
      BODY_LIMIT_BYTES: 1_048_576,
      TRUST_PROXY: false,
    });
    expect(config.isProduction).toBe(false);
  });

  it('defaults the Stripe inbox sweep: re-queue after 5 minutes, 30 attempts, 30 days of retention', () => {
    expect(loadConfig(validEnv()).env).toMatchObject({
      STRIPE_EVENTS_REQUEUE_AFTER_MINUTES: 5,
      STRIPE_EVENTS_MAX_ATTEMPTS: 30,
      STRIPE_EVENTS_RETENTION_DAYS: 30,
    });
  });

  it("makes a tenant's empty list of widget origins mean any origin outside production, none in production, unless WIDGET_EMPTY_ORIGINS says", () => {
    const production = { NODE_ENV: 'production', SMTP_URL: 'smtp://mail.internal:587' };
    expect(loadConfig(validEnv()).widgetAnyOriginWhenEmpty).toBe(true);
    expect(loadConfig(validEnv(production)).widgetAnyOriginWhenEmpty).toBe(false);
    expect(loadConfig(validEnv({ WIDGET_EMPTY_ORIGINS: 'none' })).widgetAnyOriginWhenEmpty).toBe(false);
    expect(loadConfig(validEnv({ ...production, WIDGET_EMPTY_ORIGINS: 'any' })).widgetAnyOriginWhenEmpty).toBe(true);
    expect(configError(validEnv({ WIDGET_EMPTY_ORIGINS: 'all' })).problems).toEqual([expect.stringMatching(/^WIDGET_EMPTY_ORIGINS /)]);
  });

  it('coerces numbers and booleans from strings', () => {
    const config = loadConfig(validEnv({ PORT: '8080', DB_POOL_MAX: '25', TRUST_PROXY: '1', NODE_ENV: 'production', SMTP_URL: 'smtp://mail.internal:587' }));

    expect(config.env).toMatchObject({ PORT: 8080, DB_POOL_MAX: 25, TRUST_PROXY: true });
    expect(config.isProduction).toBe(true);
  });

  it('reports a missing variable by name', () => {
    const { JWT_SECRET: _omitted, ...env } = validEnv();

    const error = configError(env);

    expect(error.problems).toEqual(['JWT_SECRET is required']);
    expect(error.message).toContain('JWT_SECRET is required');
  });

  it('reports every missing variable at once, and an empty one as missing', () => {
    const error = configError({ REDIS_URL: '', JWT_SECRET: SECRETS.JWT_SECRET });

    expect(error.problems.sort()).toEqual(
      [
        'APP_DATABASE_URL is required',
        'CHAT_ENCRYPTION_KEY is required',
        'DATABASE_URL is required',
        'PLATFORM_DATABASE_URL is required',
        'REDIS_URL is required',
      ].sort(),
    );
  });

  it.each([
    ['JWT_SECRET', 'too-short-secret-value-1234', /^JWT_SECRET must be at least 32 characters$/],
    ['PORT', 'abc', /^PORT .+/],
    ['PORT', '70000', /^PORT .+/],
    ['DATABASE_URL', 'mysql://root:mysql-pw-a1b2c3@db.internal:3306/tenantry', /^DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL$/],
    ['APP_DATABASE_URL', 'not a url with app-pw-51be02 inside', /^APP_DATABASE_URL Invalid URL$/],
    ['REDIS_URL', 'http://:redis-pw-zz9@cache.internal:6379', /^REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL$/],
    ['NODE_ENV', 'staging', /^NODE_ENV .+/],
    ['TRUST_PROXY', 'yes', /^TRUST_PROXY .+/],
    ['BODY_LIMIT_BYTES', '512', /^BODY_LIMIT_BYTES .+/],
    ['CHAT_ENCRYPTION_KEY', Buffer.from('short-key-pw-abc123').toString('base64'), /^CHAT_ENCRYPTION_KEY must be 32 bytes, base64-encoded$/],
    ['STRIPE_EVENTS_RETENTION_DAYS', '2', /^STRIPE_EVENTS_RETENTION_DAYS must be at least 7 \(Stripe redelivers an event for up to 3 days/],
    ['STRIPE_EVENTS_MAX_ATTEMPTS', '5', /^STRIPE_EVENTS_MAX_ATTEMPTS must be at least 10/],
    ['STRIPE_EVENTS_REQUEUE_AFTER_MINUTES', '0', /^STRIPE_EVENTS_REQUEUE_AFTER_MINUTES .+/],
  ])('names %s and the rule for an invalid value, never the value', (name, value, rule) => {
    const error = configError(validEnv({ [name]: value }));

    expect(error.problems.length).toBeGreaterThanOrEqual(1);
    expect(error.problems.some((p) => rule.test(p))).toBe(true);
    for (const problem of error.problems) expect(problem.startsWith(`${name} `)).toBe(true);
    expect(error.message).not.toContain(value);
    // Nor any part of a credential it carried.
    for (const fragment of value.match(/[a-z]+-pw-[a-z0-9]+/g) ?? []) expect(error.message).not.toContain(fragment);
    // Nor the other, valid secrets.
    for (const secret of Object.values(SECRETS)) expect(error.message).not.toContain(secret);
  });

  it('refuses a usage reservation TTL that a provider call with its retries could outlast', () => {
    // (60 000 + 5 000) x (3 + 1) = 260 000 ms.
    const slow = { PROVIDER_TIMEOUT_MS: '60000', PROVIDER_MAX_RETRIES: '3', CHAT_REPLY_DEADLINE_MS: '200000' };

    expect(configError(validEnv({ ...slow, USAGE_RESERVATION_TTL_MS: '260000' })).problems).toEqual([
      'USAGE_RESERVATION_TTL_MS must exceed the longest provider call, (PROVIDER_TIMEOUT_MS + 5000) x (PROVIDER_MAX_RETRIES + 1) = 260000 ms',
    ]);
    expect(loadConfig(validEnv({ ...slow, USAGE_RESERVATION_TTL_MS: '260001' })).env.USAGE_RESERVATION_TTL_MS).toBe(260_001);
    expect(loadConfig(validEnv()).env.USAGE_RESERVATION_TTL_MS).toBe(900_000);
  });

  it('refuses a chat reply deadline that a usage reservation would not outlast', () => {
    expect(configError(validEnv({ CHAT_REPLY_DEADLINE_MS: '900000' })).problems).toEqual([
      'CHAT_REPLY_DEADLINE_MS must be below USAGE_RESERVATION_TTL_MS (900000 ms)',
    ]);
    expect(configError(validEnv({ CHAT_REPLY_DEADLINE_MS: '99' })).problems).toEqual(['CHAT_REPLY_DEADLINE_MS Too small: expected number to be >=100']);
    expect(loadConfig(validEnv({ CHAT_REPLY_DEADLINE_MS: '899999' })).env.CHAT_REPLY_DEADLINE_MS).toBe(899_999);
    expect(loadConfig(validEnv()).env.CHAT_REPLY_DEADLINE_MS).toBe(300_000);
  });
});

describe('AppConfig.describe', () => {
  it('masks every secret and keeps the other values', () => {
    const config = loadConfig(validEnv({ PORT: '4000', LOG_LEVEL: 'warn' }));

    const described = config.describe();

    expect(described).toMatchObject({
      DATABASE_URL: '[secret]',
      APP_DATABASE_URL: '[secret]',
      PLATFORM_DATABASE_URL: '[secret]',
      REDIS_URL: '[secret]',
      JWT_SECRET: '[secret]',
      CHAT_ENCRYPTION_KEY: '[secret]',
      PORT: 4000,
      LOG_LEVEL: 'warn',
      JWT_ISSUER: 'tenantry',
    });
    const printed = JSON.stringify(described);
    for (const secret of Object.values(SECRETS)) expect(printed).not.toContain(secret);
    expect(printed).not.toMatch(/-pw-/);
  });
});

describe('PROVIDER_ALLOWED_PRIVATE_HOSTS (the SSRF guard escape hatch)', () => {
  it('is empty by default: tenants reach public addresses only', () => {
    expect(loadConfig(validEnv()).env.PROVIDER_ALLOWED_PRIVATE_HOSTS).toEqual([]);
    expect(loadConfig(validEnv({ PROVIDER_ALLOWED_PRIVATE_HOSTS: '' })).env.PROVIDER_ALLOWED_PRIVATE_HOSTS).toEqual([]);
  });

  it('reads host names, *.domain, addresses and CIDR ranges, comma-separated, trimmed, lower-cased', () => {
    const config = loadConfig(validEnv({ PROVIDER_ALLOWED_PRIVATE_HOSTS: ' VLLM.internal, *.svc.cluster.local,10.20.0.0/16 ,, 127.0.0.1, fd00::/8' }));

    expect(config.env.PROVIDER_ALLOWED_PRIVATE_HOSTS).toEqual(['vllm.internal', '*.svc.cluster.local', '10.20.0.0/16', '127.0.0.1', 'fd00::/8']);
  });

  it('refuses to start on an entry it cannot read, naming it', () => {
    expect(configError(validEnv({ PROVIDER_ALLOWED_PRIVATE_HOSTS: 'vllm.internal, http://ollama:11434, 10.0.0.0/40' })).problems).toEqual([
      'PROVIDER_ALLOWED_PRIVATE_HOSTS has entries that are neither a host name, *.domain, an IP address nor a CIDR range: http://ollama:11434, 10.0.0.0/40',
    ]);
  });
});
