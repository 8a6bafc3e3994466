import { Injectable } from '@nestjs/common';
import type { Prisma } from '../../../generated/prisma/client.js';
import { TenantDb } from '../../../platform/db/tenant-db.js';
import { type Statement, sqlText as sql, statement } from '../../../platform/db/statement.js';
import type { ProviderKind } from '../providers/chat-providers.js';

/** A tenant's assistant_configs row, with plain types (the sealed key stays sealed here). */
export interface AssistantRow {
  provider: ProviderKind;
  model: string;
  welcomeMessage: string;
  temperature: number;
  maxTokens: number;
  baseUrl: string | null;
  apiKeyEncrypted: Uint8Array<ArrayBuffer> | null;
  widgetEnabled: boolean;
  /** Opt-in: the model writes each conversation's title after its first exchange. */
  autoTitles: boolean;
  /** Serialized origins allowed to call the widget API (normalised by the API). */
  allowedOrigins: string[];
  activePromptVersion: number | null;
  updatedAt: Date | null;
}

export type AssistantChanges = Partial<Omit<AssistantRow, 'updatedAt' | 'activePromptVersion'>>;

export interface PromptRow {
  version: number;
  template: string;
  createdBy: string | null;
  createdAt: Date;
}

/** What a reply needs in one read: the configuration, the tenant's name and the active template. */
export interface ReplySettingsRow {
  config: AssistantRow | null;
  tenantName: string;
  tenantStatus: 'active' | 'suspended' | 'deleted';
  activeTemplate: string | null;
}

const CONFIG = {
  provider: true,
  model: true,
  welcomeMessage: true,
  temperature: true,
  maxTokens: true,
  baseUrl: true,
  apiKeyEncrypted: true,
  widgetEnabled: true,
  autoTitles: true,
  allowedOrigins: true,
  activePromptVersion: true,
  updatedAt: true,
} as const;

const PROMPT = { version: true, template: true, createdBy: true, createdAt: true } as const;

type ConfigRecord = Prisma.AssistantConfigGetPayload<{ select: typeof CONFIG }>;

const toRow = (r: ConfigRecord): AssistantRow => ({ ...r, provider: r.provider as ProviderKind, temperature: r.temperature.toNumber() });

@Injectable()
export class AssistantRepository {
  constructor(private readonly db: TenantDb) {}

  async find(tenantId: string): Promise<AssistantRow | null> {
    const row = await this.db.client.assistantConfig.findFirst({ where: { tenantId }, select: CONFIG });
    return row && toRow(row);
  }

  async upsert(tenantId: string, changes: AssistantChanges & { activePromptVersion?: number }): Promise<AssistantRow> {
    const row = await this.db.client.assistantConfig.upsert({
      where: { tenantId },
      create: { tenantId, ...changes },
      update: changes,
      select: CONFIG,
    });
    return toRow(row);
  }

  async replySettings(tenantId: string): Promise<ReplySettingsRow> {
    const [row] = await this.db.batch(this.replySettingsRead(tenantId));
    return row;
  }

  /** `replySettings` as a statement, to read with the conversation in one round trip (TenantDb.batch). */
  replySettingsRead(tenantId: string): Statement<ReplySettingsRow> {
    // ONE statement (Prisma's nested select made three): every reply and widget request runs it.
    return statement(
      sql`
      select t.name as "tenantName", t.status::text as "tenantStatus",
             a.provider, a.model, a.welcome_message as "welcomeMessage", a.temperature::float8 as temperature,
             a.max_tokens as "maxTokens", a.base_url as "baseUrl", a.api_key_encrypted as "apiKeyEncrypted",
             a.widget_enabled as "widgetEnabled", a.auto_titles as "autoTitles", a.allowed_origins as "allowedOrigins",
             a.active_prompt_version as "activePromptVersion", a.updated_at as "updatedAt", p.template as "activeTemplate"
        from tenants t
        left join assistant_configs a on a.tenant_id = t.id
        left join prompt_templates p on p.tenant_id = a.tenant_id and p.version = a.active_prompt_version
       where t.id = ${tenantId}::uuid`,
      (rows) => {
        const row = rows[0] as (Omit<AssistantRow, 'provider'> & { provider: ProviderKind | null; tenantName: string; tenantStatus: ReplySettingsRow['tenantStatus']; activeTemplate: string | null }) | undefined;
        if (!row) return { tenantName: '', tenantStatus: 'deleted', config: null, activeTemplate: null }; // erased meanwhile
        const { tenantName, tenantStatus, activeTemplate, provider, ...config } = row;
        const base = { tenantName, tenantStatus };
        if (provider === null) return { ...base, config: null, activeTemplate: null };
        return { ...base, config: { ...config, updatedAt: config.updatedAt === null ? null : new Date(config.updatedAt), provider }, activeTemplate };
      },
    );
  }

  /** The widget's allowed origins alone (a widget request checks them before counting it against the tenant's limit). */
  async allowedOrigins(tenantId: string): Promise<string[]> {
    const [row] = await this.db.sql<{ allowedOrigins: string[] }>`select allowed_origins as "allowedOrigins" from assistant_configs where tenant_id = ${tenantId}::uuid`;
    return row?.allowedOrigins ?? [];
  }

  /** Serializes version numbering per tenant for the rest of the unit of work. */
  async lockPrompts(tenantId: string): Promise<void> {
    await this.db.sql`select 1 as locked from pg_advisory_xact_lock(hashtextextended(${`prompt_templates:${tenantId}`}, 0))`;
  }

  async latestPromptVersion(tenantId: string): Promise<number> {
    const { _max } = await this.db.client.promptTemplate.aggregate({ where: { tenantId }, _max: { version: true } });
    return _max.version ?? 0;
  }

  createPrompt(tenantId: string, version: number, template: string, createdBy: string | null): Promise<PromptRow> {
    return this.db.client.promptTemplate.create({ data: { tenantId, version, template, createdBy }, select: PROMPT });
  }

  findPrompt(tenantId: string, version: number): Promise<PromptRow | null> {
    return this.db.client.promptTemplate.findFirst({ where: { tenantId, version }, select: PROMPT });
  }

  /** Newest first; `before` is the last version of the previous page. */
  listPrompts(tenantId: string, limit: number, before?: number): Promise<PromptRow[]> {
    return this.db.client.promptTemplate.findMany({
      where: { tenantId, ...(before !== undefined && { version: { lt: before } }) },
      orderBy: { version: 'desc' },
      take: limit,
      select: PROMPT,
    });
  }
}
