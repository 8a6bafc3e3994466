import { Injectable } from '@nestjs/common';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import type { DayTraffic, TrafficReport } from './dto/traffic.dto.js';
import { LATENCY_BUCKETS, quantileOf } from './latency-histogram.js';
import { type TrafficRow, TrafficRepository } from './traffic.repository.js';

const DAY_MS = 86_400_000;
const dayOf = (at: number): string => new Date(at).toISOString().slice(0, 10);

interface Totals {
  requests: number;
  clientErrors: number;
  errors: number;
  buckets: number[];
}

const empty = (): Totals => ({ requests: 0, clientErrors: 0, errors: 0, buckets: Array.from({ length: LATENCY_BUCKETS }, () => 0) });

function add(totals: Totals, row: TrafficRow): void {
  totals.requests += row.requests;
  totals.clientErrors += row.clientErrors;
  totals.errors += row.errors;
  row.latencyBuckets.forEach((count, i) => (totals.buckets[i]! += count));
}

const rate = (part: number, whole: number): number => (whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 10_000);

function dayView(day: string, t: Totals): DayTraffic {
  return { day, requests: t.requests, errorRate: rate(t.errors, t.requests), clientErrorRate: rate(t.clientErrors, t.requests), p95LatencyMs: quantileOf(t.buckets, 0.95) };
}

/** The tenant's own API traffic (GET /usage/traffic), from the api_traffic_daily rollup. */
@Injectable()
export class TrafficService {
  constructor(
    private readonly ctx: TenantContext,
    private readonly traffic: TrafficRepository,
  ) {}

  async report(days: number, now = Date.now()): Promise<TrafficReport> {
    this.ctx.requirePermission('usage:read');
    const from = dayOf(now - (days - 1) * DAY_MS);
    const rows = await this.traffic.since(from);
    const perDay = new Map<string, Totals>();
    const perKey = new Map<string | null, { name: string | null; prefix: string | null; all: Totals; days: Map<string, Totals> }>();
    for (const row of rows) {
      if (!perDay.has(row.day)) perDay.set(row.day, empty());
      add(perDay.get(row.day)!, row);
      if (!perKey.has(row.apiKeyId)) perKey.set(row.apiKeyId, { name: row.apiKeyName, prefix: row.apiKeyPrefix, all: empty(), days: new Map() });
      const key = perKey.get(row.apiKeyId)!;
      add(key.all, row);
      if (!key.days.has(row.day)) key.days.set(row.day, empty());
      add(key.days.get(row.day)!, row);
    }
    return {
      from,
      to: dayOf(now),
      daily: [...perDay].map(([day, t]) => dayView(day, t)),
      apiKeys: [...perKey]
        .map(([apiKeyId, key]) => ({
          apiKeyId,
          name: key.name,
          prefix: key.prefix,
          requests: key.all.requests,
          errorRate: rate(key.all.errors, key.all.requests),
          p95LatencyMs: quantileOf(key.all.buckets, 0.95),
          daily: [...key.days].map(([day, t]) => dayView(day, t)),
        }))
        .sort((a, b) => b.requests - a.requests),
    };
  }
}
