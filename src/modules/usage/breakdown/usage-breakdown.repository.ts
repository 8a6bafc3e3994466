import { Injectable } from '@nestjs/common';
import { TenantDb } from '../../../platform/db/tenant-db.js';

export interface Consumption {
  messages: number;
  promptTokens: number;
  completionTokens: number;
}

export interface MemberConsumption extends Consumption {
  userId: string;
  /** null once the user is no member any more (their history stays). */
  name: string | null;
  email: string | null;
}

export interface ApiKeyConsumption extends Consumption {
  apiKeyId: string;
  /** null once the key is deleted. */
  name: string | null;
  prefix: string | null;
}

export interface ModelConsumption extends Consumption {
  model: string | null;
}

type Row = Record<string, unknown> & { messages: unknown; prompt_tokens: unknown; completion_tokens: unknown };

const consumption = (row: Row): Consumption => ({
  messages: Number(row.messages),
  promptTokens: Number(row.prompt_tokens),
  completionTokens: Number(row.completion_tokens),
});

/** Sums of usage_attribution over a range of days, by member, API key and model (under RLS: the tenant in context). */
@Injectable()
export class UsageBreakdownRepository {
  constructor(private readonly db: TenantDb) {}

  async byMember(tenantId: string, from: string, to: string): Promise<MemberConsumption[]> {
    const rows = await this.db.sql<Row & { user_id: string; name: string | null; email: string | null }>`
      select a.user_id, u.name, u.email,
             sum(a.messages) as messages, sum(a.prompt_tokens) as prompt_tokens, sum(a.completion_tokens) as completion_tokens
      from usage_attribution a left join users u on u.id = a.user_id
      where a.tenant_id = ${tenantId}::uuid and a.day between ${from}::date and ${to}::date and a.user_id is not null
      group by a.user_id, u.name, u.email
      order by sum(a.prompt_tokens + a.completion_tokens) desc, a.user_id`;
    return rows.map((r) => ({ userId: r.user_id, name: r.name, email: r.email, ...consumption(r) }));
  }

  async byApiKey(tenantId: string, from: string, to: string): Promise<ApiKeyConsumption[]> {
    const rows = await this.db.sql<Row & { api_key_id: string; name: string | null; prefix: string | null }>`
      select a.api_key_id, k.name, k.prefix,
             sum(a.messages) as messages, sum(a.prompt_tokens) as prompt_tokens, sum(a.completion_tokens) as completion_tokens
      from usage_attribution a left join api_keys k on k.tenant_id = a.tenant_id and k.id = a.api_key_id
      where a.tenant_id = ${tenantId}::uuid and a.day between ${from}::date and ${to}::date and a.api_key_id is not null
      group by a.api_key_id, k.name, k.prefix
      order by sum(a.prompt_tokens + a.completion_tokens) desc, a.api_key_id`;
    return rows.map((r) => ({ apiKeyId: r.api_key_id, name: r.name, prefix: r.prefix, ...consumption(r) }));
  }

  async byModel(tenantId: string, from: string, to: string): Promise<ModelConsumption[]> {
    const rows = await this.db.sql<Row & { model: string | null }>`
      select a.model, sum(a.messages) as messages, sum(a.prompt_tokens) as prompt_tokens, sum(a.completion_tokens) as completion_tokens
      from usage_attribution a
      where a.tenant_id = ${tenantId}::uuid and a.day between ${from}::date and ${to}::date
      group by a.model
      order by sum(a.prompt_tokens + a.completion_tokens) desc, a.model`;
    return rows.map((r) => ({ model: r.model, ...consumption(r) }));
  }

  /** What the public widget consumed (acting as no user and no key). */
  async widget(tenantId: string, from: string, to: string): Promise<Consumption> {
    const [row] = await this.db.sql<Row>`
      select coalesce(sum(messages), 0) as messages, coalesce(sum(prompt_tokens), 0) as prompt_tokens, coalesce(sum(completion_tokens), 0) as completion_tokens
      from usage_attribution
      where tenant_id = ${tenantId}::uuid and day between ${from}::date and ${to}::date and user_id is null and api_key_id is null`;
    return consumption(row!);
  }

  /** API calls over the days (metered per tenant only: not attributed to members or keys). */
  async apiCalls(tenantId: string, from: string, to: string): Promise<number> {
    const [row] = await this.db.sql<{ calls: unknown }>`
      select coalesce(sum(amount), 0) as calls from usage_daily
      where tenant_id = ${tenantId}::uuid and metric = 'api_calls' and day between ${from}::date and ${to}::date`;
    return Number(row?.calls ?? 0);
  }
}
