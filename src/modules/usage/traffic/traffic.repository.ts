import { Injectable } from '@nestjs/common';
import { TenantDb } from '../../../platform/db/tenant-db.js';

/** One row's increments, as the TrafficMeter sums them between flushes. */
export interface TrafficIncrement {
  day: string;
  apiKeyId: string | null;
  requests: number;
  clientErrors: number;
  errors: number;
  latencyBuckets: number[];
}

export interface TrafficRow {
  day: string;
  apiKeyId: string | null;
  /** The key's name and prefix (null: no key, or a key deleted since). */
  apiKeyName: string | null;
  apiKeyPrefix: string | null;
  requests: number;
  clientErrors: number;
  errors: number;
  latencyBuckets: number[];
}

/** api_traffic_daily, under RLS (the tenant in context). */
@Injectable()
export class TrafficRepository {
  constructor(private readonly db: TenantDb) {}

  /** Adds the increments of the tenant in context, one upsert per (day, key), in one unit of work. */
  async add(tenantId: string, increments: readonly TrafficIncrement[]): Promise<void> {
    await this.db.transaction(async () => {
      for (const inc of increments) {
        await this.db.sql`
          insert into api_traffic_daily as t (tenant_id, day, api_key_id, requests, client_errors, errors, latency_buckets)
          values (${tenantId}::uuid, ${inc.day}::date, ${inc.apiKeyId}::uuid, ${inc.requests}, ${inc.clientErrors}, ${inc.errors}, ${inc.latencyBuckets}::bigint[])
          on conflict (tenant_id, day, api_key_id) do update set
            requests = t.requests + excluded.requests,
            client_errors = t.client_errors + excluded.client_errors,
            errors = t.errors + excluded.errors,
            latency_buckets = (select array_agg(a + b order by i) from unnest(t.latency_buckets, excluded.latency_buckets) with ordinality as u(a, b, i))`;
      }
    });
  }

  /** The tenant's rows from `from` (a date, inclusive), oldest first, with their keys' names. */
  async since(from: string): Promise<TrafficRow[]> {
    const rows = await this.db.sql<{
      day: string;
      api_key_id: string | null;
      name: string | null;
      prefix: string | null;
      requests: bigint;
      client_errors: bigint;
      errors: bigint;
      latency_buckets: bigint[];
    }>`
      select to_char(t.day, 'YYYY-MM-DD') as day, t.api_key_id, k.name, k.prefix, t.requests, t.client_errors, t.errors, t.latency_buckets
        from api_traffic_daily t left join api_keys k on k.tenant_id = t.tenant_id and k.id = t.api_key_id
       where t.day >= ${from}::date order by t.day, t.api_key_id nulls first`;
    return rows.map((r) => ({
      day: r.day,
      apiKeyId: r.api_key_id,
      apiKeyName: r.name,
      apiKeyPrefix: r.prefix,
      requests: Number(r.requests),
      clientErrors: Number(r.client_errors),
      errors: Number(r.errors),
      latencyBuckets: r.latency_buckets.map(Number),
    }));
  }
}
