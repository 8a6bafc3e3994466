import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { recordHttpRequest } from '../../src/platform/observability/http-metrics.js';
import { metrics } from '../../src/platform/observability/metrics.js';
import { OTHER_TENANT, TenantLabelBudget } from '../../src/platform/observability/tenant-label-budget.js';

/** A deterministic PRNG (mulberry32), so the traffic below is the same on every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Series of the HTTP histogram (its _count lines), grouped by everything but the tenant. */
async function tenantsPerLabelSet(): Promise<Map<string, Set<string>>> {
  const text = await metrics.registry.getSingleMetricAsString('http_request_duration_seconds');
  const groups = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const match = /^http_request_duration_seconds_count\{(.*)\} /.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...match[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const key = `${labels.method} ${labels.route} ${labels.status_class}`;
    if (!groups.has(key)) groups.set(key, new Set());
    groups.get(key)!.add(labels.tenant);
  }
  return groups;
}

describe('the tenant label of the HTTP metrics', () => {
  it('stays within its budget for 10,000 distinct tenants, and labels the heaviest ones', async () => {
    const budget = 50;
    metrics.tenants = new TenantLabelBudget(budget);
    metrics.httpDuration.reset();
    const tenants = Array.from({ length: 10_000 }, () => randomUUID());
    // Zipf-like traffic (s = 1): tenant i gets a share proportional to 1 / (i + 1).
    const weights = tenants.map((_, i) => 1 / (i + 1));
    const total = weights.reduce((a, b) => a + b, 0);
    const cumulative: number[] = [];
    weights.reduce((sum, w, i) => (cumulative[i] = sum + w / total), 0);
    const random = prng(42);
    const pick = (): string => {
      const r = random();
      let lo = 0;
      let hi = cumulative.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cumulative[mid]! < r) lo = mid + 1;
        else hi = mid;
      }
      return tenants[lo]!;
    };
    const routes = [['GET', '/api/v1/usage'], ['POST', '/api/v1/conversations/:id/messages'], ['GET', '/api/v1/me']] as const;
    // Every tenant at least once (10,000 distinct), then 150,000 requests of skewed traffic.
    for (const tenant of tenants) recordHttpRequest('GET', '/api/v1/me', 200, 0.01, tenant);
    for (let i = 0; i < 150_000; i += 1) {
      const [method, route] = routes[i % routes.length]!;
      recordHttpRequest(method, route, i % 50 === 0 ? 500 : 200, 0.01, pick());
    }

    const groups = await tenantsPerLabelSet();
    expect(groups.size).toBeGreaterThanOrEqual(4);
    for (const [labelSet, values] of groups) {
      expect({ labelSet, count: values.size <= budget + 1 }).toEqual({ labelSet, count: true });
    }
    const all = new Set([...groups.values()].flatMap((values) => [...values]));
    expect(all.size).toBeLessThanOrEqual(budget + 1);
    expect(all.has(OTHER_TENANT)).toBe(true);
    // The ten busiest tenants have series of their own.
    for (const tenant of tenants.slice(0, 10)) expect(all.has(tenant)).toBe(true);
  });

  it('stays within both budgets when paid tenants are labelled too', async () => {
    const budget = 20;
    const paidBudget = 30;
    metrics.tenants = new TenantLabelBudget(budget, { paidBudget });
    metrics.httpDuration.reset();
    const random = prng(7);
    const tenants = Array.from({ length: 10_000 }, () => randomUUID());
    // One in ten tenants is on a paid plan (100 of them for 30 paid labels), and the first 50
    // tenants are busy: the busiest compete for their own 20 labels.
    const paid = tenants.filter((_, i) => i % 10 === 3);
    const paidSet = new Set(paid);
    for (const tenant of tenants) {
      if (paidSet.has(tenant)) metrics.tenants.admitPaid(tenant);
      recordHttpRequest('GET', '/api/v1/me', 200, 0.01, tenant);
    }
    for (let i = 0; i < 50_000; i += 1) recordHttpRequest('GET', '/api/v1/usage', 200, 0.01, tenants[Math.floor(random() * 50)]);

    const all = new Set([...(await tenantsPerLabelSet()).values()].flatMap((values) => [...values]));
    expect(all.size).toBeLessThanOrEqual(budget + paidBudget + 1);
    expect(metrics.tenants.admitted).toEqual({ busiest: budget, paid: paidBudget });
    // The first 30 paid tenants to be seen hold the paid labels, busy or not.
    for (const tenant of paid.slice(0, paidBudget)) expect(all.has(tenant)).toBe(true);
    expect(all.has(paid[paidBudget]!)).toBe(false);
  });

  it('labels a paid tenant from its first request, within the paid budget, without taking a busy tenant\'s label', () => {
    const budget = new TenantLabelBudget(1, { paidBudget: 2, minRequests: 5 });
    const [busy, paidA, paidB, paidC] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    expect(budget.admitPaid(paidA)).toBe(true);
    expect(budget.labelFor(paidA)).toBe(paidA);
    for (let i = 0; i < 5; i += 1) budget.labelFor(busy);
    expect(budget.labelFor(busy)).toBe(busy);
    // Already labelled for its traffic: the upgrade costs no paid label.
    expect(budget.admitPaid(busy)).toBe(true);
    expect(budget.admitPaid(paidB)).toBe(true);
    expect(budget.admitPaid(paidC)).toBe(false);
    expect(budget.labelFor(paidC)).toBe(OTHER_TENANT);
    expect(budget.admitted).toEqual({ busiest: 1, paid: 2 });
    // The busy budget is full: a paid tenant beyond its own budget does not get in through traffic either.
    for (let i = 0; i < 10; i += 1) expect(budget.labelFor(paidC)).toBe(OTHER_TENANT);
  });

  it('never labels a tenant before it has enough traffic, nor more tenants than the budget', () => {
    const budget = new TenantLabelBudget(3, { minRequests: 5 });
    expect(budget.labelFor(undefined)).toBe('none');
    const a = randomUUID();
    for (let i = 0; i < 4; i += 1) expect(budget.labelFor(a)).toBe(OTHER_TENANT);
    expect(budget.labelFor(a)).toBe(a);
    for (const t of [randomUUID(), randomUUID(), randomUUID()]) for (let i = 0; i < 5; i += 1) budget.labelFor(t);
    expect(budget.admitted).toEqual({ busiest: 3, paid: 0 });
    // No paid budget (0): a paid plan alone labels nobody.
    expect(budget.admitPaid(randomUUID())).toBe(false);
  });
});
