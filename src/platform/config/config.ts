import { z } from 'zod';

/**
 * The one typed configuration object, read from the environment and validated once at start-up.
 * A missing or invalid variable stops the process with a message that names it; values marked
 * secret are never printed (see describeConfig).
 */
const postgresUrl = z
  .string()
  .url()
  .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// or postgresql:// URL');

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Owner connection: migrations only. */
  DATABASE_URL: postgresUrl,
  /** Tenant-facing role: not superuser, not BYPASSRLS, owns no table. */
  APP_DATABASE_URL: postgresUrl,
  /** Platform role (BYPASSRLS): platform administration and analytics only. */
  PLATFORM_DATABASE_URL: postgresUrl,
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(15000),
  REDIS_URL: z.string().url().refine((v) => /^rediss?:\/\//.test(v), 'must be a redis:// or rediss:// URL'),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters'),
  JWT_ISSUER: z.string().min(1).default('tenantry'),
  JWT_AUDIENCE: z.string().min(1).default('tenantry-api'),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(3600).default(900),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  TRUST_PROXY: bool.default(false),
  /** Redis key prefix of the job queues (lets several deployments or test runs share one Redis). */
  QUEUE_PREFIX: z.string().regex(/^[\w:-]{1,64}$/).default('tenantry'),
});

export type Env = z.infer<typeof schema>;

/** Names of variables whose values must never be logged or echoed. */
const SECRETS = new Set<keyof Env>(['DATABASE_URL', 'APP_DATABASE_URL', 'PLATFORM_DATABASE_URL', 'REDIS_URL', 'JWT_SECRET']);

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    // Name the variable and the rule, never the value (it may be a secret).
    const problems = parsed.error.issues.map((issue) => {
      const name = issue.path.join('.') || '(root)';
      const missing = source[name] === undefined || source[name] === '';
      return missing ? `${name} is required` : `${name} ${issue.message}`;
    });
    throw new ConfigError([...new Set(problems)]); // an empty value fails several rules: say "required" once
  }
  return new AppConfig(parsed.data);
}

/** The validated configuration. Injected everywhere as `AppConfig`. */
export class AppConfig {
  constructor(readonly env: Readonly<Env>) {}

  get isProduction(): boolean {
    return this.env.NODE_ENV === 'production';
  }

  /** The configuration with secrets masked, safe to log. */
  describe(): Record<string, unknown> {
    return Object.fromEntries(
      Object.entries(this.env).map(([k, v]) => [k, SECRETS.has(k as keyof Env) ? '[secret]' : v]),
    );
  }
}
