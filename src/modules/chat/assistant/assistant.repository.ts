import { Injectable } from '@nestjs/common';
import type { Prisma } from '../../../generated/prisma/client.js';
import { TenantDb } from '../../../platform/db/tenant-db.js';
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
    const tenant = await this.db.client.tenant.findFirstOrThrow({
      where: { id: tenantId },
      select: { name: true, assistant: { select: { ...CONFIG, activePrompt: { select: { template: true } } } } },
    });
    if (!tenant.assistant) return { tenantName: tenant.name, config: null, activeTemplate: null };
    const { activePrompt, ...config } = tenant.assistant;
    return { tenantName: tenant.name, config: toRow(config), activeTemplate: activePrompt?.template ?? null };
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
