import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { AuditLog } from '../../../platform/audit/audit-log.js';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import type { Statement } from '../../../platform/db/statement.js';
import { TenantDb } from '../../../platform/db/tenant-db.js';
import { type FieldError, HttpError } from '../../../platform/http/app-error.js';
import { decodeCursor, type Page, toPage } from '../../../platform/http/pagination.js';
import { OutboundPolicy, OutboundRefusedError } from '../../../platform/outbound/outbound-policy.js';
import { ChatError } from '../chat.errors.js';
import { BUILTIN_MODELS, isBuiltinModel } from '../providers/builtin-provider.js';
import type { ProviderKind } from '../providers/chat-providers.js';
import { type AssistantChanges, AssistantRepository, type AssistantRow, type PromptRow, type ReplySettingsRow } from './assistant.repository.js';
import type { updateAssistantSchema } from './dto/assistant.dto.js';
import { renderPrompt, unknownPlaceholders, PROMPT_PLACEHOLDERS } from './prompt-template.js';
import { SecretBox } from './secret-box.js';

/** The assistant as the API shows it: never the API key, only whether one is stored. */
export interface AssistantView {
  provider: ProviderKind;
  model: string;
  welcomeMessage: string;
  temperature: number;
  maxTokens: number;
  baseUrl: string | null;
  hasApiKey: boolean;
  widgetEnabled: boolean;
  /** The model writes each conversation's title after its first exchange (tokens from the quota). */
  autoTitles: boolean;
  /** Origins whose pages may call the widget API (docs/adr/0021-embeddable-widget.md). */
  allowedOrigins: string[];
  activePromptVersion: number | null;
  /** null until the configuration was first saved (the defaults apply). */
  updatedAt: Date | null;
}

export interface PromptView extends PromptRow {
  active: boolean;
}

/** Everything a reply needs, resolved: the decrypted key and the rendered system prompt. */
export interface ReplySettings {
  provider: ProviderKind;
  model: string;
  welcome: string;
  temperature: number;
  maxTokens: number;
  baseUrl: string | null;
  autoTitles: boolean;
  /** Decrypted for this call only: never log it, never return it. */
  apiKey?: string;
  systemPrompt?: string;
}

export type AssistantPatch = z.output<typeof updateAssistantSchema>;

/** What a tenant without an assistant_configs row gets (the migration's column defaults). */
export const DEFAULT_ASSISTANT: AssistantRow = {
  provider: 'builtin',
  model: 'mock-1',
  welcomeMessage: 'Hello! How can I help?',
  temperature: 0.7,
  maxTokens: 512,
  baseUrl: null,
  apiKeyEncrypted: null,
  widgetEnabled: false,
  autoTitles: false,
  allowedOrigins: [],
  activePromptVersion: null,
  updatedAt: null,
};

const promptCursor = z.object({ version: z.number().int().min(1) });

/** What the widget checks before it answers: the tenant's status and its widget switch, read with the reply settings. */
export interface WidgetState {
  tenantStatus: ReplySettingsRow['tenantStatus'];
  widgetEnabled: boolean;
  welcome: string;
  allowedOrigins: string[];
}

/**
 * A tenant's assistant: provider, model, welcome message, sampling settings, the provider's base
 * URL and API key (sealed with AES-256-GCM), the widget switch, and versioned system prompt
 * templates (immutable versions; publishing one makes it active, publishing an older one rolls
 * back). Members read it; admins change it; every change is audited, never with the key.
 */
@Injectable()
export class AssistantService {
  /**
   * The settings row read in a context (one request, one tenant), so that a request reads it once:
   * the widget's check, the welcome message and the reply's settings come from the same statement.
   * Keyed by the context's state object, which lives as long as the request's context.
   */
  private readonly readInContext = new WeakMap<object, ReplySettingsRow>();

  constructor(
    private readonly ctx: TenantContext,
    private readonly db: TenantDb,
    private readonly assistants: AssistantRepository,
    private readonly audit: AuditLog,
    private readonly secrets: SecretBox,
    private readonly outbound: OutboundPolicy,
  ) {}

  async get(): Promise<AssistantView> {
    this.ctx.requirePermission('chat:use');
    const tenantId = this.ctx.requireTenantId('reading the assistant');
    const known = this.knownInContext();
    if (known) return toView(known.config ?? DEFAULT_ASSISTANT);
    return toView((await this.assistants.find(tenantId)) ?? DEFAULT_ASSISTANT);
  }

  /**
   * The tenant's status, widget switch and welcome message, in ONE statement that also reads the
   * reply settings (kept for the rest of this context: `get` and `replySettings` then read nothing).
   * Read on every widget request, never cached across requests: a suspended tenant or a widget
   * switched off answers no further widget request, whichever instance made the change.
   */
  async widgetState(): Promise<WidgetState> {
    this.ctx.requirePermission('chat:use');
    const row = await this.settingsRow(this.ctx.requireTenantId('reading the widget state'));
    const config = row.config ?? DEFAULT_ASSISTANT;
    return { tenantStatus: row.tenantStatus, widgetEnabled: config.widgetEnabled, welcome: config.welcomeMessage, allowedOrigins: config.allowedOrigins };
  }

  /** The widget's allowed origins, in one statement (the widget asks when it has no fresh copy of them). */
  async widgetOrigins(): Promise<string[]> {
    this.ctx.requirePermission('chat:use');
    const known = this.knownInContext();
    if (known) return (known.config ?? DEFAULT_ASSISTANT).allowedOrigins;
    return this.assistants.allowedOrigins(this.ctx.requireTenantId('reading the widget origins'));
  }

  /**
   * The statement that reads the settings into this context (what `widgetState`, `replySettings`
   * and `get` then use), to send with other reads in one round trip (TenantDb.batch); undefined
   * when this context has read them already.
   */
  settingsRead(): Statement<void> | undefined {
    this.ctx.requirePermission('chat:use');
    if (this.knownInContext()) return undefined;
    const read = this.assistants.replySettingsRead(this.ctx.requireTenantId('reading the assistant'));
    return { ...read, read: (rows) => this.keepInContext(read.read(rows)) };
  }

  private keepInContext(row: ReplySettingsRow): void {
    const state = this.ctx.current();
    if (state && !state.unitOfWork) this.readInContext.set(state, row);
  }

  private knownInContext(): ReplySettingsRow | undefined {
    const state = this.ctx.current();
    return state ? this.readInContext.get(state) : undefined;
  }

  private async settingsRow(tenantId: string): Promise<ReplySettingsRow> {
    const known = this.knownInContext();
    if (known) return known;
    const row = await this.assistants.replySettings(tenantId);
    this.keepInContext(row);
    return row;
  }

  /**
   * Creates the configuration on first use (upsert). Changing the base URL drops a stored key unless
   * a new one comes with it. A base URL our servers may not call is refused before anything else
   * (its DNS lookup stays outside the transaction); calls check it again at connect time.
   */
  async update(patch: AssistantPatch): Promise<AssistantView> {
    this.ctx.requirePermission('chat:configure');
    const tenantId = this.ctx.requireTenantId('configuring the assistant');
    if (patch.baseUrl) await this.checkBaseUrl(patch.baseUrl);
    const state = this.ctx.current();
    if (state) this.readInContext.delete(state);
    return this.db.transaction(async () => {
      const current = (await this.assistants.find(tenantId)) ?? DEFAULT_ASSISTANT;
      const changes = this.changesOf(tenantId, current, patch);
      validateMerged({ ...current, ...changes }, patch);
      const saved = await this.assistants.upsert(tenantId, changes);
      const changed = Object.keys(changes).map((field) => (field === 'apiKeyEncrypted' ? 'apiKey' : field)).sort();
      if (changed.length > 0) {
        // The origins are no secret, and who opened the widget to which website is worth keeping.
        const data = changes.allowedOrigins ? { changed, allowedOrigins: changes.allowedOrigins } : { changed };
        await this.audit.record({ action: 'assistant.updated', targetType: 'assistant', targetId: tenantId, data });
      }
      return toView(saved);
    });
  }

  async listPrompts(query: { limit: number; cursor?: string }): Promise<Page<PromptView>> {
    this.ctx.requirePermission('chat:configure');
    const tenantId = this.ctx.requireTenantId('listing prompt templates');
    const after = decodeCursor(query.cursor, promptCursor);
    const [rows, config] = await Promise.all([this.assistants.listPrompts(tenantId, query.limit + 1, after?.version), this.assistants.find(tenantId)]);
    const active = config?.activePromptVersion ?? null;
    const page = toPage(rows, query.limit, (row) => ({ version: row.version }));
    return { ...page, data: page.data.map((row) => ({ ...row, active: row.version === active })) };
  }

  /** Saves the next version; it takes effect when published. */
  async createPrompt(template: string): Promise<PromptView> {
    this.ctx.requirePermission('chat:configure');
    const tenantId = this.ctx.requireTenantId('creating a prompt template');
    const unknown = unknownPlaceholders(template);
    if (unknown.length > 0) {
      const allowed = PROMPT_PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ');
      throw HttpError.validation('request body', [{ field: 'template', message: `unknown placeholder(s) ${unknown.join(', ')}; allowed: ${allowed}` }]);
    }
    return this.db.transaction(async () => {
      await this.assistants.lockPrompts(tenantId);
      const version = (await this.assistants.latestPromptVersion(tenantId)) + 1;
      const prompt = await this.assistants.createPrompt(tenantId, version, template, this.ctx.userId ?? null);
      await this.audit.record({ action: 'assistant.prompt_created', targetType: 'prompt_template', targetId: String(version), data: { version } });
      return { ...prompt, active: false };
    });
  }

  /** Makes `version` the active system prompt; publishing an older version is the rollback. */
  async publishPrompt(version: number): Promise<AssistantView> {
    this.ctx.requirePermission('chat:configure');
    const tenantId = this.ctx.requireTenantId('publishing a prompt template');
    return this.db.transaction(async () => {
      if (!(await this.assistants.findPrompt(tenantId, version))) throw ChatError.promptNotFound(version);
      const previous = (await this.assistants.find(tenantId))?.activePromptVersion ?? null;
      const saved = await this.assistants.upsert(tenantId, { activePromptVersion: version });
      await this.audit.record({
        action: 'assistant.prompt_published',
        targetType: 'prompt_template',
        targetId: String(version),
        data: { version, previousVersion: previous },
      });
      return toView(saved);
    });
  }

  /** For the chat service: the settings of one reply, key decrypted and prompt rendered. */
  async replySettings(now = new Date()): Promise<ReplySettings> {
    this.ctx.requirePermission('chat:use');
    const tenantId = this.ctx.requireTenantId('replying');
    const { config, tenantName, activeTemplate } = await this.settingsRow(tenantId);
    const c = config ?? DEFAULT_ASSISTANT;
    return {
      provider: c.provider,
      model: c.model,
      welcome: c.welcomeMessage,
      temperature: c.temperature,
      maxTokens: c.maxTokens,
      baseUrl: c.baseUrl,
      autoTitles: c.autoTitles,
      ...(c.apiKeyEncrypted && { apiKey: this.secrets.open(c.apiKeyEncrypted, tenantId) }),
      ...(activeTemplate !== null && { systemPrompt: renderPrompt(activeTemplate, { tenantName, now }) }),
    };
  }

  private async checkBaseUrl(baseUrl: string): Promise<void> {
    try {
      await this.outbound.checkUrl(baseUrl);
    } catch (error) {
      if (error instanceof OutboundRefusedError) throw ChatError.baseUrlNotAllowed(error.message);
      throw error;
    }
  }

  /** The columns the patch really changes (a value equal to the stored one is no change). */
  private changesOf(tenantId: string, current: AssistantRow, patch: AssistantPatch): AssistantChanges {
    const changes: AssistantChanges = {};
    const plain = ['provider', 'model', 'welcomeMessage', 'temperature', 'maxTokens', 'baseUrl', 'widgetEnabled', 'autoTitles'] as const;
    for (const field of plain) {
      const value = field === 'temperature' && patch.temperature !== undefined ? Math.round(patch.temperature * 100) / 100 : patch[field];
      if (value !== undefined && value !== current[field]) Object.assign(changes, { [field]: value });
    }
    if (patch.allowedOrigins !== undefined && !sameList(patch.allowedOrigins, current.allowedOrigins)) changes.allowedOrigins = patch.allowedOrigins;
    if (patch.apiKey !== undefined) {
      if (patch.apiKey !== null) changes.apiKeyEncrypted = this.secrets.seal(patch.apiKey, tenantId);
      else if (current.apiKeyEncrypted !== null) changes.apiKeyEncrypted = null;
    } else if (changes.baseUrl !== undefined && current.apiKeyEncrypted !== null) {
      // The key was given for the old endpoint: never send it to a new one unless told to.
      changes.apiKeyEncrypted = null;
    }
    return changes;
  }
}

/** Rules on the configuration as it would be saved; errors name the field to fix. */
function validateMerged(merged: AssistantRow, patch: AssistantPatch): void {
  const errors: FieldError[] = [];
  if (merged.provider === 'builtin' && !isBuiltinModel(merged.model)) {
    errors.push({
      field: 'model',
      message: `must be one of ${BUILTIN_MODELS.join(', ')} for the builtin provider${patch.model === undefined ? ` (the current model is '${merged.model}')` : ''}`,
    });
  }
  if (merged.provider === 'openai_compatible' && !merged.baseUrl) {
    errors.push({ field: 'baseUrl', message: 'is required for the openai_compatible provider' });
  }
  if (errors.length > 0) throw HttpError.validation('request body', errors);
}

const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

function toView(row: AssistantRow): AssistantView {
  return {
    provider: row.provider,
    model: row.model,
    welcomeMessage: row.welcomeMessage,
    temperature: row.temperature,
    maxTokens: row.maxTokens,
    baseUrl: row.baseUrl,
    hasApiKey: row.apiKeyEncrypted !== null,
    widgetEnabled: row.widgetEnabled,
    autoTitles: row.autoTitles,
    allowedOrigins: row.allowedOrigins,
    activePromptVersion: row.activePromptVersion,
    updatedAt: row.updatedAt,
  };
}
