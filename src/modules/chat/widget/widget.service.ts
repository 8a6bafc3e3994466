import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { TenantConfigCache } from '../../../platform/cache/tenant-config-cache.js';
import { AppConfig } from '../../../platform/config/config.js';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { HttpError } from '../../../platform/http/app-error.js';
import { type RateLimitDecision, RateLimiter } from '../../../platform/rate-limit/rate-limiter.js';
import { AssistantService } from '../assistant/assistant.service.js';
import { ChatError, ChatErrorCode } from '../chat.errors.js';
import { ChatService } from '../conversations/chat.service.js';
import type { WidgetChatResponse, WidgetSessionResponse } from './dto/widget.dto.js';
import { WidgetSessionIds } from './session-id.js';
import { type WidgetCaller, WidgetOrigins } from './widget-origins.js';
import { WidgetError } from './widget.errors.js';
import { WidgetRepository, type WidgetTenantRow } from './widget.repository.js';
import { widgetChatSchema } from './dto/widget.dto.js';
import { sendWidgetError } from './widget-error.filter.js';
import { AccessEpochs } from '../../../platform/cache/access-epochs.js';
import { countRateLimitDecision } from '../../../platform/observability/rate-limit-metrics.js';
import { throttleRecordOf } from '../../../platform/rate-limit/sliding-window-throttler-storage.js';
import { EdgeAdmission } from '../../../platform/security/edge-admission.js';
import { RATE_WINDOW_MS, throttleKeyOf } from '../../usage/rate-limits/api-rate-limits.js';
import { rateLimitRefusal } from '../../usage/rate-limits/api-throttler.guard.js';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * How long a slug's tenant id and chat limit are kept in memory. Only those: the tenant's status
 * and widget switch are read on every request (AssistantService.widgetState), so this delays
 * nothing but a change of limits.chat_per_10s, by at most this long.
 */
export const WIDGET_TENANT_TTL_MS = 5_000;
const MAX_CACHED_SLUGS = 10_000;
/**
 * Widget /chat requests of one tenant in progress at once in this process; the next ones wait
 * their turn (at most WIDGET_TENANT_QUEUE of them), and past that are refused with 429 at once,
 * before Redis or SQL. The per-tenant limit counts requests over 10 s, so a flood's allowed burst
 * would otherwise run all together and take the CPU from every other tenant (bench:fairness,
 * docs/adr/0018); in turn, a tenant's burst waits behind itself, not in front of the others.
 */
export const WIDGET_TENANT_CONCURRENCY = 8;
export const WIDGET_TENANT_QUEUE = 64;

/** limits.chat_per_10s of a tenant that has none in tenants.limit_overrides. */
export const DEFAULT_CHAT_PER_10S = 10;
export const CHAT_WINDOW_SECONDS = 10;

const chatLimit = z.number().int().min(0);

interface WidgetGate {
  widgetEnabled: boolean;
  allowedOrigins: string[];
}

/**
 * The seed demo's public widget API on top of ChatService: a session is a conversation on the
 * 'widget' channel, stored under RLS like any other. The widget acts for the tenant as no user,
 * with chat:use only: it reaches the conversations started by no user (ConversationsService).
 *
 * Only active tenants whose assistant has widget_enabled answer; any other slug is "Unknown
 * tenant" (404), so the widget does not reveal which tenants exist with the widget off.
 * A session id is a UUID that is also the conversation's id, bound to its tenant by a MAC
 * (WidgetSessionIds): a session used with another tenant's slug is refused from the id alone.
 * A cross-origin call is admitted only from the tenant's allowed origins (WidgetOrigins, ADR 0021).
 * POST /chat is limited per tenant to limits.chat_per_10s requests in any 10 s (RateLimiter,
 * Redis, shared by every instance); the check comes after the cheap refusals (origin, malformed or
 * foreign session) and before any SQL while the slug's tenant is in memory (WIDGET_TENANT_TTL_MS):
 * a refused request costs one Redis call. Then ONE round trip reads the tenant's status, the widget
 * switch, the allowed origins and the reply settings, on every request, with the conversation and
 * its history (ChatService's turn, which asks this service to admit it; docs/adr/0018).
 */
@Injectable()
export class WidgetService {
  private readonly slugs = new Map<string, { tenant: WidgetTenantRow; until: number }>();
  private readonly turns = new Map<string, { running: number; waiting: Array<() => void> }>();
  /** Per tenant id: its widget switch and allowed origins as last read in this process (admitOrigin). */
  private readonly gates = new Map<string, WidgetGate>();

  constructor(
    private readonly ctx: TenantContext,
    private readonly config: AppConfig,
    private readonly tenants: WidgetRepository,
    private readonly chat: ChatService,
    private readonly assistant: AssistantService,
    private readonly limiter: RateLimiter,
    private readonly sessionIds: WidgetSessionIds,
    private readonly origins: WidgetOrigins,
    private readonly tenantConfig: TenantConfigCache,
    private readonly edge: EdgeAdmission,
    private readonly epochs: AccessEpochs,
  ) {
    edge.useRouteEdge('POST /chat', (request, reply) => this.atEdge(request, reply));
  }

  /**
   * POST /chat before Nest's pipeline (EdgeAdmission's preHandler, the body parsed): when every
   * check before the limits can be decided from memory and passes (the body, the slug's tenant,
   * the origin, the session id, the message, room in the tenant's queue), ONE Redis round trip
   * counts the request against the `widget-ip` throttler and then the tenant's chat_per_10s
   * (stopping at the first refusal, as the usual path does) and reads the tenant's epochs. A
   * refusal is answered here, as the usual path answers it; otherwise what was counted and read is
   * kept for the throttler and `replyAs`, which count nothing again. Anything not decided from
   * memory goes the usual way (three round trips), which answers it exactly.
   */
  private async atEdge(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const parsed = widgetChatSchema.safeParse(request.body);
    if (!parsed.success) return undefined;
    const input = parsed.data;
    const cached = this.slugs.get(input.tenant_id);
    if (cached === undefined || cached.until <= Date.now()) return undefined;
    const tenant = cached.tenant;
    const crossOrigin = this.origins.crossOriginOf(request);
    if (crossOrigin !== null) {
      const known = this.gates.get(tenant.id);
      if (!known?.widgetEnabled || !this.origins.allows(known.allowedOrigins, crossOrigin)) return undefined;
    }
    if (this.sessionIds.check(input.session_id, tenant.id) !== 'ours') return undefined;
    const message = input.message.trim();
    if (message.length === 0 || message.length > this.config.env.MAX_MESSAGE_CHARS) return undefined;
    if ((this.turns.get(tenant.id)?.waiting.length ?? 0) >= WIDGET_TENANT_QUEUE) return undefined;

    const windows = [
      { name: 'widget-ip', key: throttleKeyOf(this.config, 'widget-ip', request.ip), limit: this.config.env.WIDGET_RATE_PER_IP, windowMs: RATE_WINDOW_MS },
      { name: 'widget-chat', key: this.limiter.fullKey(chatKeyOf(tenant.id)), limit: chatLimitOf(tenant), windowMs: CHAT_WINDOW_SECONDS * 1000 },
    ];
    if (!this.limiter.connected) return undefined; // the usual path fails open, and reports it once
    const scope = { tenantId: tenant.id };
    const answer = await this.limiter.consumeWindows(windows, this.epochs.keysOf(scope).slice(0, 2), 'widget edge');
    if (answer === undefined) {
      // Redis did not answer in time (reported once): both limits let this request through
      // uncounted, rather than the usual path waiting for Redis again.
      this.edge.keep(request, { counted: windows.map((w) => ({ key: w.key, decision: countRateLimitDecision(w.name, RateLimiter.failedOpen(w.limit, w.windowMs)) })) });
      return undefined;
    }
    const counted = answer.decisions.map((decision, i) => ({ key: windows[i]!.key, decision: countRateLimitDecision(windows[i]!.name, decision) }));
    this.edge.keep(request, { stamp: this.epochs.stampOf(scope, answer.values), counted });
    const last = counted.at(-1);
    if (last === undefined || last.decision.allowed) return undefined;
    if (counted.length === 1) {
      // The address's own limit, which the throttler counts before the route runs (no Origin answer).
      sendWidgetError(reply, rateLimitRefusal('widget-ip', last.decision.limit, throttleRecordOf(last.decision)));
    } else {
      this.origins.callerOf(request, reply).decide(true);
      sendWidgetError(reply, WidgetError.rateLimited(last.decision));
    }
    return reply;
  }

  async startSession(slug: string, caller: WidgetCaller): Promise<WidgetSessionResponse> {
    const tenant = await this.tenantOf(slug);
    return this.asWidget(tenant, async () => {
      const { welcome } = await this.requireWidgetEnabled(tenant, caller);
      const sessionId = this.sessionIds.issue(tenant.id);
      await this.chat.startConversation('widget', sessionId);
      return { session_id: sessionId, tenant: { id: tenant.slug, name: tenant.name, welcome } };
    });
  }

  /**
   * The reply, and the rate-limit state for the response headers. Refusals come cheapest first: the
   * origin (from memory when it is allowed), the session id (no query at all), the message, the
   * tenant's turn and limit (Redis); then the one statement that reads the tenant's state.
   */
  async reply(
    input: { tenant_id: string; session_id: string; message: string },
    caller: WidgetCaller,
    request: object = {},
  ): Promise<{ response: WidgetChatResponse; rateLimit: RateLimitDecision }> {
    const tenant = await this.tenantOf(input.tenant_id);
    return this.asWidget(tenant, async () => {
      await this.admitOrigin(tenant, caller);
      const session = this.sessionIds.check(input.session_id, tenant.id);
      if (session === 'malformed') throw WidgetError.sessionNotFound();
      if (session === 'other_tenant') throw WidgetError.sessionTenantMismatch();
      const message = this.checkedMessage(input.message);

      await this.takeTurn(tenant);
      try {
        return await this.replyAs(tenant, caller, input.session_id, message, request);
      } finally {
        this.endTurn(tenant.id);
      }
    });
  }

  /** Waits for one of the tenant's WIDGET_TENANT_CONCURRENCY places in this process; 429 when too many already wait. */
  private async takeTurn(tenant: WidgetTenantRow): Promise<void> {
    const turns = this.turns.get(tenant.id) ?? { running: 0, waiting: [] };
    this.turns.set(tenant.id, turns);
    if (turns.running < WIDGET_TENANT_CONCURRENCY) {
      turns.running++;
      return;
    }
    if (turns.waiting.length >= WIDGET_TENANT_QUEUE) throw WidgetError.rateLimited({ allowed: false, limit: chatLimitOf(tenant), remaining: 0, resetSeconds: 1 });
    await new Promise<void>((resolve) => turns.waiting.push(resolve)); // the place is handed over by endTurn
  }

  private endTurn(tenantId: string): void {
    const turns = this.turns.get(tenantId);
    if (!turns) return;
    const next = turns.waiting.shift();
    if (next) return next(); // the place passes to the next waiting request: running stays the same
    turns.running--;
    if (turns.running === 0) this.turns.delete(tenantId);
  }

  private async replyAs(
    tenant: WidgetTenantRow,
    caller: WidgetCaller,
    sessionId: string,
    message: string,
    request: object,
  ): Promise<{ response: WidgetChatResponse; rateLimit: RateLimitDecision }> {
    // The tenant's epochs, read beside the limit, let the plan limits come from the tenant
    // configuration cache (no round trip when warm; exact across instances, docs/adr/0018).
    // Counted at the edge already (with the epochs, in one round trip), or now.
    const atEdge = this.edge.countedAt(request, this.limiter.fullKey(chatKeyOf(tenant.id)));
    const [rateLimit] = await Promise.all([
      atEdge ?? this.limiter.consume(chatKeyOf(tenant.id), chatLimitOf(tenant), CHAT_WINDOW_SECONDS),
      this.tenantConfig.stamp(tenant.id, atEdge && this.edge.stampOf(request)), // without a stamp (Redis down) the limits are read from SQL
    ]);
    if (!rateLimit.allowed) throw WidgetError.rateLimited(rateLimit);

    // The session id is the conversation's id (session-id.ts); RLS keeps the lookup in this tenant.
    // The tenant's state is checked in the turn, on the settings read with the conversation.
    const admit = () => this.requireWidgetEnabled(tenant, caller);
    const result = await this.chat.reply(sessionId, message, admit).catch((error: unknown) => {
      throw error instanceof ChatError && error.code === ChatErrorCode.ConversationNotFound ? WidgetError.sessionNotFound() : error;
    });
    return {
      response: { tenant_id: tenant.slug, session_id: sessionId, reply: result.reply, model: result.model, mock: result.mock },
      rateLimit,
    };
  }

  /**
   * Refuses a cross-origin call from a website the tenant did not list, before the call is
   * counted against the tenant's limit. From memory when the origin was allowed at the tenant's
   * last read in this process; otherwise (never read, or not allowed then) it reads the tenant's
   * state now, in the statement the request makes anyway (kept in the context: it is not made twice).
   */
  private async admitOrigin(tenant: WidgetTenantRow, caller: WidgetCaller): Promise<void> {
    if (caller.crossOrigin === null) return;
    const known = this.gates.get(tenant.id);
    if (known?.widgetEnabled && this.origins.allows(known.allowedOrigins, caller.crossOrigin)) return caller.decide(true);
    await this.requireWidgetEnabled(tenant, caller);
  }

  /** The slug's tenant, from memory when read in the last WIDGET_TENANT_TTL_MS; its status is checked later, on every request. */
  private async tenantOf(slug: string): Promise<WidgetTenantRow> {
    const now = Date.now();
    const cached = this.slugs.get(slug);
    if (cached && cached.until > now) return cached.tenant;
    const tenant = await this.tenants.findTenantBySlug(slug);
    if (!tenant || tenant.status !== 'active') {
      this.slugs.delete(slug);
      throw WidgetError.tenantNotFound();
    }
    if (this.slugs.size >= MAX_CACHED_SLUGS) {
      for (const [key, entry] of this.slugs) if (entry.until <= now) this.slugs.delete(key);
      if (this.slugs.size >= MAX_CACHED_SLUGS) this.slugs.clear();
    }
    this.slugs.set(slug, { tenant, until: now + WIDGET_TENANT_TTL_MS });
    return tenant;
  }

  /** Runs `fn` as the tenant's public widget: the tenant in context, no user, chat:use only. */
  private asWidget<T>(tenant: WidgetTenantRow, fn: () => Promise<T>): Promise<T> {
    const request = this.ctx.current();
    return this.ctx.run({ tenantId: tenant.id, channel: 'widget', permissions: ['chat:use'], ip: request?.ip, userAgent: request?.userAgent }, fn);
  }

  /**
   * Read on every request, in the statement that also reads the reply settings (nothing else reads
   * them again): the tenant's status, its widget switch, then the caller's origin against the list
   * as it is now. Remembers the switch and the list for admitOrigin.
   */
  private async requireWidgetEnabled(tenant: WidgetTenantRow, caller: WidgetCaller): Promise<{ welcome: string }> {
    const state = await this.assistant.widgetState();
    this.remember(tenant.id, { widgetEnabled: state.tenantStatus === 'active' && state.widgetEnabled, allowedOrigins: state.allowedOrigins });
    if (state.tenantStatus !== 'active' || !state.widgetEnabled) throw WidgetError.tenantNotFound();
    if (caller.crossOrigin !== null) {
      const allowed = this.origins.allows(state.allowedOrigins, caller.crossOrigin);
      caller.decide(allowed);
      if (!allowed) throw WidgetError.originNotAllowed();
    }
    return state;
  }

  private remember(tenantId: string, gate: WidgetGate): void {
    if (this.gates.size >= MAX_CACHED_SLUGS && !this.gates.has(tenantId)) this.gates.clear();
    this.gates.set(tenantId, gate);
  }

  private checkedMessage(message: string): string {
    const trimmed = message.trim();
    const max = this.config.env.MAX_MESSAGE_CHARS;
    if (trimmed.length === 0) throw HttpError.validation('request body', [{ field: 'message', message: 'must not be empty' }]);
    if (trimmed.length > max) throw HttpError.validation('request body', [{ field: 'message', message: `must be at most ${max} characters` }]);
    return trimmed;
  }
}

/** The tenant's chat_per_10s window (a RateLimiter key). */
function chatKeyOf(tenantId: string): string {
  return `widget-chat:${tenantId}`;
}

/** tenants.limit_overrides.chat_per_10s, or the default when absent or malformed. */
function chatLimitOf(tenant: WidgetTenantRow): number {
  const overrides = tenant.limitOverrides as Record<string, unknown> | null;
  const parsed = chatLimit.safeParse(overrides?.chat_per_10s);
  return parsed.success ? parsed.data : DEFAULT_CHAT_PER_10S;
}
