import { z } from 'zod';
import { KeyringError, type NamedKey, parseKeyring } from '../crypto/keyring.js';
import { TRACES_SAMPLERS } from '../observability/trace-sampler.js';
import { PrivateAllowList } from '../outbound/allow-list.js';

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

/** An unset variable and an empty one (`SMTP_URL=` in .env, `${SMTP_URL:-}` in compose) mean the same. */
const optional = <S extends z.ZodType>(inner: S) => z.preprocess((v) => (v === '' ? undefined : v), inner.optional());

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
  /** How long a request waits for a pooled connection (or a new one to open) before answering 503 database_unavailable. */
  DB_POOL_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
  REDIS_URL: z.string().url().refine((v) => /^rediss?:\/\//.test(v), 'must be a redis:// or rediss:// URL'),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters'),
  JWT_ISSUER: z.string().min(1).default('tenantry'),
  JWT_AUDIENCE: z.string().min(1).default('tenantry-api'),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(3600).default(900),
  /** Idle lifetime of a refresh token: each rotation issues a new one valid this long. */
  REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  /** Lifetime of a password reset link (single use). */
  PASSWORD_RESET_TTL_MINUTES: z.coerce.number().int().min(5).max(1440).default(30),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  TRUST_PROXY: bool.default(false),
  /** Days between a tenant's deletion request and the erasure of its data (fractions allowed, for tests). */
  TENANT_DELETION_GRACE_DAYS: z.coerce.number().min(0).max(365).default(30),
  /** Lifetime of a signed export download link (its key is derived from JWT_SECRET with HKDF). */
  EXPORT_URL_TTL_SECONDS: z.coerce.number().int().min(30).max(7 * 24 * 3600).default(900),
  /** How often each process checks that its job schedules (repeatable jobs) are still in Redis, and writes missing ones again. */
  QUEUE_SCHEDULE_CHECK_MS: z.coerce.number().int().min(1000).max(3_600_000).default(30_000),
  /** Redis key prefix of the job queues (lets several deployments or test runs share one Redis). */
  QUEUE_PREFIX: z.string().regex(/^[\w:-]{1,64}$/).default('tenantry'),
  /** The public base URL of the web app: links in emails (invitations, password resets) start with it. */
  APP_BASE_URL: z
    .string()
    .url()
    .refine((v) => /^https?:\/\//.test(v), 'must be an http:// or https:// URL')
    .default('http://localhost:3000')
    .transform((v) => v.replace(/\/+$/, '')),
  /** Outgoing email (src/platform/mail, docs/adr/0004-email-outbox.md). */
  SMTP_URL: optional(z.string().url().refine((v) => /^smtps?:\/\//.test(v), 'must be an smtp:// or smtps:// URL')),
  /** smtp | file | log; unset: smtp when SMTP_URL is set, else file (production refuses to guess). */
  MAIL_TRANSPORT: optional(z.enum(['smtp', 'file', 'log'])),
  MAIL_FROM: z.string().min(3).default('Tenantry <no-reply@tenantry.local>'),
  MAIL_FILE_DIR: z.string().min(1).default('var/mail'),
  INVITATION_TTL_HOURS: z.coerce.number().int().min(1).max(720).default(72),
  /**
   * AES-256-GCM key for secrets stored per tenant (assistant API keys): 32 bytes, base64. Key id
   * 'k0' of the keyring; this or CHAT_ENCRYPTION_KEYS is required.
   */
  CHAT_ENCRYPTION_KEY: optional(
    z.string().refine((v) => /^[A-Za-z0-9+/_-]+={0,2}$/.test(v) && Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded'),
  ),
  /**
   * The rotatable keyring: `id:base64,id:base64`, the first one current (it seals), the others
   * only open (docs/adr/0014-object-storage-and-key-rotation.md; `npm run secrets:rotate`).
   */
  CHAT_ENCRYPTION_KEYS: optional(
    z.string().superRefine((v, ctx) => {
      try {
        parseKeyring(v);
      } catch (error) {
        if (!(error instanceof KeyringError)) throw error;
        ctx.addIssue({ code: 'custom', message: error.message });
      }
    }),
  ),
  /** Where export archives go (src/platform/storage): a local directory, or an S3-compatible bucket. */
  STORAGE_DRIVER: z.enum(['local', 's3']).default('local'),
  /** The local driver's directory (relative to the working directory). */
  STORAGE_DIR: z.string().min(1).default('var/storage'),
  S3_BUCKET: optional(z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name')),
  /** Unset: AWS's endpoint for S3_REGION; set for MinIO, Ceph, R2 and the like. */
  S3_ENDPOINT: optional(z.string().url().refine((v) => /^https?:\/\//.test(v), 'must be an http:// or https:// URL')),
  S3_REGION: z.string().min(1).default('us-east-1'),
  /** Unset: the AWS SDK's default credential chain (instance role, AWS_* variables, profiles). */
  S3_ACCESS_KEY_ID: optional(z.string().min(1)),
  S3_SECRET_ACCESS_KEY: optional(z.string().min(1)),
  /** Path-style URLs (endpoint/bucket/key): what MinIO and most S3-compatible servers need. */
  S3_FORCE_PATH_STYLE: bool.default(false),
  /** Time-out of a model provider call: until its first byte, then between chunks of a stream. */
  PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /** Retries of a provider call on 5xx, 429 or network errors, before anything was streamed. */
  PROVIDER_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  /**
   * The SSRF guard's escape hatch (docs/adr/0011-outbound-requests.md): comma-separated host names
   * (`vllm.internal`, `*.svc.cluster.local`), IP addresses or CIDR ranges that tenants' model base
   * URLs may reach although they are private. Default: none (only public addresses).
   */
  PROVIDER_ALLOWED_PRIVATE_HOSTS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((entry) => entry.trim().toLowerCase()).filter((entry) => entry !== ''))
    .superRefine((entries, ctx) => {
      const invalid = PrivateAllowList.invalidEntries(entries);
      if (invalid.length > 0) ctx.addIssue({ code: 'custom', message: `has entries that are neither a host name, *.domain, an IP address nor a CIDR range: ${invalid.join(', ')}` });
    }),
  /**
   * How long a usage reservation may stay held before the reconciliation job releases it (its
   * process is presumed dead). Must outlast the longest call: see the rule below.
   */
  USAGE_RESERVATION_TTL_MS: z.coerce.number().int().min(60_000).max(86_400_000).default(900_000),
  /**
   * Total time a chat reply may take, from the user's message to its last chunk (the provider
   * time-out is per chunk, so a stream could otherwise last for ever). Past it the provider call is
   * aborted and the reply stored as failed; the interrupted-replies sweep fails a reply still
   * pending this long (plus a margin) after it began: its process died.
   */
  CHAT_REPLY_DEADLINE_MS: z.coerce.number().int().min(100).max(3_600_000).default(300_000),
  /** Longest chat message accepted, in characters after trimming. */
  MAX_MESSAGE_CHARS: z.coerce.number().int().min(1).max(100_000).default(4000),
  /** Stripe billing (src/modules/billing, docs/adr/0008-stripe-billing.md); unset: billing routes answer 503. */
  STRIPE_SECRET_KEY: optional(z.string().regex(/^(sk|rk)_(test|live)_\w+$/, 'must be a Stripe secret or restricted key (sk_... or rk_...)')),
  /** Signing secret of the webhook endpoint (whsec_...; `stripe listen` prints one). */
  STRIPE_WEBHOOK_SECRET: optional(z.string().regex(/^whsec_\w+$/, 'must be a webhook signing secret (whsec_...)')),
  /** Where the Stripe client sends API calls: unset for api.stripe.com; set for stripe-mock or tests. */
  STRIPE_API_HOST: optional(z.string().min(1)),
  STRIPE_API_PORT: optional(z.coerce.number().int().min(1).max(65535)),
  STRIPE_API_PROTOCOL: optional(z.enum(['https', 'http'])),
  /** Stripe price ids per environment; they override the plans table's stripe_price_id. */
  STRIPE_PRICE_PRO: optional(z.string().regex(/^price_\w+$/, 'must be a Stripe price id (price_...)')),
  STRIPE_PRICE_ENTERPRISE: optional(z.string().regex(/^price_\w+$/, 'must be a Stripe price id (price_...)')),
  /** Where Checkout and the customer portal send the user back; default: APP_BASE_URL + /billing... */
  BILLING_SUCCESS_URL: optional(z.string().url()),
  BILLING_CANCEL_URL: optional(z.string().url()),
  BILLING_PORTAL_RETURN_URL: optional(z.string().url()),
  /** Days a past_due subscription keeps its plan before the tenant is suspended (fractions allowed, for tests). */
  PAST_DUE_GRACE_DAYS: z.coerce.number().min(0).max(90).default(7),
  /** Sign-in routes (login, signup, password reset), per client IP and per account, per minute (docs/adr/0009-rate-limits.md). */
  SIGNIN_RATE_PER_IP: z.coerce.number().int().min(1).max(1_000_000).default(60),
  SIGNIN_RATE_PER_ACCOUNT: z.coerce.number().int().min(1).max(1_000_000).default(10),
  /** How long a rate-limit decision may wait for Redis before letting the request through uncounted (fail open). */
  RATE_LIMIT_TIMEOUT_MS: z.coerce.number().int().min(10).max(5000).default(250),
  /** How often counted API calls are written to usage_counters (a crash loses at most this much of the count). */
  API_CALL_FLUSH_MS: z.coerce.number().int().min(100).max(3_600_000).default(1000),
  /** The public widget API (/session, /chat), per client IP, per minute. */
  WIDGET_RATE_PER_IP: z.coerce.number().int().min(1).max(1_000_000).default(60),
  /**
   * What a tenant's empty list of allowed origins means for the widget API: `any` (every website may
   * call it) or `none` (no cross-origin call). Unset: any outside production, none in production.
   */
  WIDGET_EMPTY_ORIGINS: optional(z.enum(['any', 'none'])),
  /**
   * The Stripe inbox sweep re-queues an unapplied event received this many minutes ago or more
   * (its job was lost, or exhausted its retries). Above the normal latency of the queue.
   */
  STRIPE_EVENTS_REQUEUE_AFTER_MINUTES: z.coerce.number().min(1).max(1440).default(5),
  /** Attempts (inbox `attempts`) after which the sweep stops re-queueing an event and leaves it failed for an admin. */
  STRIPE_EVENTS_MAX_ATTEMPTS: z.coerce.number().int().min(10, 'must be at least 10 (one job\'s retries)').max(1000).default(30),
  /** Days applied or ignored Stripe events stay in the inbox; above Stripe's 3-day redelivery window. */
  STRIPE_EVENTS_RETENTION_DAYS: z.coerce
    .number()
    .int()
    .min(7, "must be at least 7 (Stripe redelivers an event for up to 3 days; the inbox must still know it)")
    .max(3650)
    .default(30),
  /** true: this API process also runs the job processors; false: API only (run `npm run worker` beside it). */
  WORKER_ENABLED: bool.default(true),
  /** File the worker process renews every 10 s while healthy (its container healthcheck reads it). */
  WORKER_HEARTBEAT_FILE: z.string().min(1).default('/tmp/tenantry-worker.heartbeat'),
  /** Port of the Prometheus endpoint (GET /metrics), never the public PORT; 0: no metrics server (docs/adr/0019-observability.md). */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /** Interface the metrics server binds to (an internal one in production). */
  METRICS_HOST: z.string().min(1).default('0.0.0.0'),
  /** At most this many tenants get a `tenant` label of their own in the HTTP metrics (the busiest); the rest are `other`. */
  METRICS_TENANT_LABEL_BUDGET: z.coerce.number().int().min(0).max(10_000).default(50),
  /** At most this many tenants on paid plans get a `tenant` label whatever their traffic, on top of the busiest ones. */
  METRICS_PAID_TENANT_LABEL_BUDGET: z.coerce.number().int().min(0).max(10_000).default(100),
  /** OpenTelemetry traces go to this OTLP/HTTP endpoint (e.g. http://otel-collector:4318); unset: tracing off, at no cost. */
  OTEL_EXPORTER_OTLP_ENDPOINT: optional(z.string().url()),
  /**
   * Which traces are kept (OpenTelemetry's standard variable); unset: every one (parentbased_always_on).
   * Production: parentbased_traceidratio with OTEL_TRACES_SAMPLER_ARG=0.1 (docs/adr/0019-observability.md).
   */
  OTEL_TRACES_SAMPLER: optional(z.enum(TRACES_SAMPLERS)),
  /** The ratio of the *traceidratio samplers (0..1); default 1. */
  OTEL_TRACES_SAMPLER_ARG: optional(z.coerce.number().min(0).max(1)),
  /** The built web app served at / (default <working directory>/web/dist); absent: / says it is not built. */
  WEB_DIST_DIR: optional(z.string().min(1)),
  /** The refresh cookie's Secure flag; unset: on in production only (plain http on 127.0.0.1 in development). */
  AUTH_COOKIE_SECURE: optional(bool),
  /** How often a reply in progress stores its text so far (a page reloaded mid-reply reads it). */
  CHAT_REPLY_FLUSH_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
}).superRefine((env, issues) => {
  if (env.MAIL_TRANSPORT === 'smtp' && !env.SMTP_URL) {
    issues.addIssue({ code: 'custom', path: ['SMTP_URL'], message: 'is required when MAIL_TRANSPORT=smtp' });
  }
  if (env.NODE_ENV === 'production' && !env.SMTP_URL && !env.MAIL_TRANSPORT) {
    issues.addIssue({ code: 'custom', path: ['SMTP_URL'], message: 'is required in production (or set MAIL_TRANSPORT=file explicitly)' });
  }
  if (env.NODE_ENV === 'production' && env.MAIL_TRANSPORT === 'log') {
    // The log transport writes whole bodies, and with them single-use links, into the logs.
    issues.addIssue({ code: 'custom', path: ['MAIL_TRANSPORT'], message: 'log is for development: it writes email bodies and their single-use links to the logs; use smtp or file in production' });
  }
  if (env.STRIPE_SECRET_KEY && !env.STRIPE_WEBHOOK_SECRET) {
    issues.addIssue({ code: 'custom', path: ['STRIPE_WEBHOOK_SECRET'], message: 'is required when STRIPE_SECRET_KEY is set (without it no subscription change would ever be applied)' });
  }
  // Every attempt may wait PROVIDER_TIMEOUT_MS, and up to 5 s (the provider's cap) before the next:
  // a reservation that expired while its call could still be running would be released under it.
  const longestCall = (env.PROVIDER_TIMEOUT_MS + 5_000) * (env.PROVIDER_MAX_RETRIES + 1);
  if (env.USAGE_RESERVATION_TTL_MS <= longestCall) {
    issues.addIssue({
      code: 'custom',
      path: ['USAGE_RESERVATION_TTL_MS'],
      message: `must exceed the longest provider call, (PROVIDER_TIMEOUT_MS + 5000) x (PROVIDER_MAX_RETRIES + 1) = ${longestCall} ms`,
    });
  }
  // A reply's outcome is recorded at its deadline at the latest: its reservation must still be held then.
  if (env.CHAT_REPLY_DEADLINE_MS >= env.USAGE_RESERVATION_TTL_MS) {
    issues.addIssue({
      code: 'custom',
      path: ['CHAT_REPLY_DEADLINE_MS'],
      message: `must be below USAGE_RESERVATION_TTL_MS (${env.USAGE_RESERVATION_TTL_MS} ms)`,
    });
  }
  if (env.NODE_ENV === 'production' && env.STRIPE_API_PROTOCOL === 'http') {
    issues.addIssue({ code: 'custom', path: ['STRIPE_API_PROTOCOL'], message: 'must not be http in production (it would send the secret key in clear)' });
  }
  if (env.STORAGE_DRIVER === 's3' && !env.S3_BUCKET) {
    issues.addIssue({ code: 'custom', path: ['S3_BUCKET'], message: 'is required when STORAGE_DRIVER=s3' });
  }
  if (Boolean(env.S3_ACCESS_KEY_ID) !== Boolean(env.S3_SECRET_ACCESS_KEY)) {
    issues.addIssue({ code: 'custom', path: [env.S3_ACCESS_KEY_ID ? 'S3_SECRET_ACCESS_KEY' : 'S3_ACCESS_KEY_ID'], message: 'is required with the other S3 credential (or set neither)' });
  }
  if (env.CHAT_ENCRYPTION_KEYS !== undefined && env.CHAT_ENCRYPTION_KEY !== undefined) {
    try {
      parseKeyring(env.CHAT_ENCRYPTION_KEYS, env.CHAT_ENCRYPTION_KEY);
    } catch (error) {
      if (!(error instanceof KeyringError)) throw error;
      issues.addIssue({ code: 'custom', path: ['CHAT_ENCRYPTION_KEYS'], message: error.message });
    }
  }
}).refine((env) => Boolean(env.CHAT_ENCRYPTION_KEY || env.CHAT_ENCRYPTION_KEYS), {
  // Checked even when other variables are wrong, so that every missing one is reported at once.
  when: () => true,
  path: ['CHAT_ENCRYPTION_KEY'],
  message: 'or CHAT_ENCRYPTION_KEYS is required',
});

export type Env = z.infer<typeof schema>;

/** Every variable the configuration reads (documented key by key in .env.example and the README). */
export const CONFIG_KEYS: readonly string[] = Object.keys(schema.shape);

/** Names of variables whose values must never be logged or echoed. */
const SECRETS = new Set<keyof Env>(['DATABASE_URL', 'APP_DATABASE_URL', 'PLATFORM_DATABASE_URL', 'REDIS_URL', 'JWT_SECRET', 'SMTP_URL', 'CHAT_ENCRYPTION_KEY', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'CHAT_ENCRYPTION_KEYS', 'S3_SECRET_ACCESS_KEY']);

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

  /** How email leaves: SMTP when configured, else files (development and tests). */
  get mailTransport(): 'smtp' | 'file' | 'log' {
    return this.env.MAIL_TRANSPORT ?? (this.env.SMTP_URL ? 'smtp' : 'file');
  }

  /** Whether a tenant with no allowed origins listed takes widget calls from any website (WIDGET_EMPTY_ORIGINS). */
  get widgetAnyOriginWhenEmpty(): boolean {
    return (this.env.WIDGET_EMPTY_ORIGINS ?? (this.isProduction ? 'none' : 'any')) === 'any';
  }

  /** The keyring of stored tenant secrets, current key first (CHAT_ENCRYPTION_KEYS, then CHAT_ENCRYPTION_KEY as 'k0'). */
  get chatEncryptionKeys(): NamedKey[] {
    return parseKeyring(this.env.CHAT_ENCRYPTION_KEYS, this.env.CHAT_ENCRYPTION_KEY);
  }

  /** The configuration with secrets masked, safe to log. */
  describe(): Record<string, unknown> {
    return Object.fromEntries(
      Object.entries(this.env).map(([k, v]) => [k, SECRETS.has(k as keyof Env) ? '[secret]' : v]),
    );
  }
}
