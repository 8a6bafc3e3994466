import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { TenantLabelBudget } from './tenant-label-budget.js';

/**
 * Every Prometheus metric of the process, in one registry (docs/adr/0019-observability.md). A
 * module-level singleton, not a provider: other code records with one line
 * (`metrics.quotaRejections.inc(...)`) without a constructor change, and several Nest apps in one
 * test process share it as one process would. Served on METRICS_PORT only (metrics-server.ts).
 */
const registry = new Registry();
collectDefaultMetrics({ register: registry });

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SLOW_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export const metrics = {
  registry,
  /** Set at start-up from METRICS_TENANT_LABEL_BUDGET and METRICS_PAID_TENANT_LABEL_BUDGET (observability.module.ts). */
  tenants: new TenantLabelBudget(50, { paidBudget: 100 }),

  // HTTP (its _count is the request count).
  httpDuration: new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route template, status class and tenant (top tenants by traffic; others as "other")',
    labelNames: ['method', 'route', 'status_class', 'tenant'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  }),

  // Database.
  poolConnections: new Gauge({
    name: 'db_pool_connections',
    help: 'Connections of each database pool by state (total, idle, in_use, waiting: clients waiting for one)',
    labelNames: ['pool', 'state'] as const,
    registers: [registry],
  }),
  poolMax: new Gauge({ name: 'db_pool_max_connections', help: 'Configured maximum size of each pool', labelNames: ['pool'] as const, registers: [registry] }),
  unitOfWork: new Histogram({
    name: 'db_unit_of_work_duration_seconds',
    help: 'Duration of a unit of work (one interactive transaction with the tenant set), by outcome',
    labelNames: ['outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  }),
  rlsSelfCheck: new Gauge({ name: 'db_rls_self_check_ok', help: '1 when the start-up row-level security self-check passed', registers: [registry] }),

  // Redis and rate limits.
  redisCommand: new Histogram({
    name: 'redis_command_duration_seconds',
    help: "Latency of the application's own Redis client's commands, by command and outcome",
    labelNames: ['command', 'outcome'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  }),
  rateLimitDecisions: new Counter({
    name: 'rate_limit_decisions_total',
    help: 'Rate-limiter decisions by limiter: allowed, limited, or failing_open (Redis did not answer)',
    labelNames: ['limiter', 'decision'] as const,
    registers: [registry],
  }),

  // Quotas.
  quotaReservations: new Counter({ name: 'quota_reservations_total', help: 'Usage reservations granted, by metric', labelNames: ['metric'] as const, registers: [registry] }),
  quotaRejections: new Counter({
    name: 'quota_rejections_total',
    help: 'Reservations refused with quota_exceeded, by metric and plan',
    labelNames: ['metric', 'plan'] as const,
    registers: [registry],
  }),
  quotaReconciled: new Counter({ name: 'quota_reconciled_reservations_total', help: 'Expired (leaked) reservations given back by the reconciliation job', registers: [registry] }),

  // Chat providers.
  providerDuration: new Histogram({
    name: 'chat_provider_duration_seconds',
    help: 'Model provider call duration (to the last chunk), by model and outcome',
    labelNames: ['model', 'outcome'] as const,
    buckets: SLOW_BUCKETS,
    registers: [registry],
  }),
  providerFirstToken: new Histogram({
    name: 'chat_provider_time_to_first_token_seconds',
    help: 'Time from the provider call to its first streamed token, by model',
    labelNames: ['model'] as const,
    buckets: SLOW_BUCKETS,
    registers: [registry],
  }),
  providerTokens: new Counter({ name: 'chat_provider_tokens_total', help: 'Tokens sent to (in) and received from (out) model providers', labelNames: ['model', 'direction'] as const, registers: [registry] }),
  providerFailures: new Counter({ name: 'chat_provider_failures_total', help: 'Failed provider calls by model and error kind', labelNames: ['model', 'kind'] as const, registers: [registry] }),

  // Jobs.
  jobCounts: new Gauge({ name: 'jobs_queue_jobs', help: 'Jobs per queue and state (waiting, active, delayed, failed), read on scrape (cached briefly)', labelNames: ['queue', 'state'] as const, registers: [registry] }),
  jobDuration: new Histogram({
    name: 'jobs_duration_seconds',
    help: 'Job processing duration by queue and outcome (completed, failed)',
    labelNames: ['queue', 'outcome'] as const,
    buckets: SLOW_BUCKETS,
    registers: [registry],
  }),

  // Readiness (the same checks as GET /health/ready).
  readiness: new Gauge({ name: 'health_readiness', help: 'Readiness as GET /health/ready reports it: 1 for the current status (ok, degraded, unavailable), 0 for the others', labelNames: ['status'] as const, registers: [registry] }),
  healthCheckUp: new Gauge({ name: 'health_check_up', help: 'Readiness checks: 1 up, 0 down', labelNames: ['check'] as const, registers: [registry] }),

  // Stripe.
  stripeWebhooks: new Counter({
    name: 'stripe_webhook_events_total',
    help: 'Stripe webhook events by result: received, duplicate, applied, ignored, failed (an attempt)',
    labelNames: ['result'] as const,
    registers: [registry],
  }),
  stripeInboxAge: new Gauge({ name: 'stripe_inbox_oldest_unapplied_age_seconds', help: 'Age of the oldest Stripe event received but not applied (0: none), read on scrape', registers: [registry] }),
  stripeInboxPending: new Gauge({ name: 'stripe_inbox_unapplied_events', help: 'Stripe events received but not applied yet, read on scrape', registers: [registry] }),
};

// Known label values start at 0, so that rate() and alerts see the first event.
for (const result of ['received', 'duplicate', 'applied', 'ignored', 'failed']) metrics.stripeWebhooks.inc({ result }, 0);

/** 2xx, 4xx, 5xx... */
export function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}

/** Runs `fn` and records its duration and outcome in `histogram` (labels plus `outcome`). */
export async function timed<T>(histogram: Histogram<'outcome'>, fn: () => Promise<T>): Promise<T> {
  const end = histogram.startTimer();
  try {
    const result = await fn();
    end({ outcome: 'ok' });
    return result;
  } catch (error) {
    end({ outcome: 'error' });
    throw error;
  }
}

type ScrapeHook = () => Promise<void> | void;
const scrapeHooks = new Set<ScrapeHook>();

/** Registers a collector run before each scrape (pool gauges, queue depths); returns its removal. */
export function onScrape(hook: ScrapeHook): () => void {
  scrapeHooks.add(hook);
  return () => scrapeHooks.delete(hook);
}

/** The exposition text: runs the scrape hooks (a failing one leaves its gauges as they were), then renders. */
export async function renderMetrics(): Promise<string> {
  await Promise.allSettled([...scrapeHooks].map(async (hook) => hook()));
  return registry.metrics();
}

/** A value read at most once per `ttlMs` (queue depths, the Stripe inbox: scrapes must stay cheap). */
export function cachedFor<T>(ttlMs: number, read: () => Promise<T>): () => Promise<T> {
  let at = 0;
  let value: Promise<T> | undefined;
  return () => {
    const now = Date.now();
    if (!value || now - at >= ttlMs) {
      at = now;
      value = read().catch((error: unknown) => {
        at = 0; // a failure is not cached
        throw error;
      });
    }
    return value;
  };
}
