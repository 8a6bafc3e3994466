import { Body, Controller, HttpCode, Options, Post, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, ApiReturns } from '../../../platform/http/api-contract.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { WidgetRateLimited } from '../../../platform/rate-limit/decorators.js';
import { Public } from '../../../platform/security/decorators.js';
import { StartSessionBody, WidgetChatBody, type WidgetChatResponse, type WidgetSessionResponse } from './dto/widget.dto.js';
import { widgetChatReplySchema, widgetSessionSchema } from './dto/widget.responses.js';
import { WidgetErrorFilter } from './widget-error.filter.js';
import { ChatErrorCode } from '../chat.errors.js';
import { UsageErrorCode } from '../../usage/usage.errors.js';
import { rateLimitHeaders, WidgetErrorCode } from './widget.errors.js';
import { WidgetService } from './widget.service.js';
import { WidgetOrigins } from './widget-origins.js';

/**
 * The seed demo's widget API, unchanged: at the root (not /api/v1, see UNPREFIXED_ROUTES), public,
 * and answering errors as `{"detail": ...}`. Limited per client IP (WIDGET_RATE_PER_IP a minute)
 * and, for /chat, per tenant (chat_per_10s). Cross-origin calls are admitted per tenant
 * (allowedOrigins, WidgetOrigins); the OPTIONS preflights are WidgetPreflightController's.
 */
@ApiTags('widget')
@Public()
@WidgetRateLimited()
@UseFilters(WidgetErrorFilter)
@Controller()
export class WidgetController {
  constructor(
    private readonly widget: WidgetService,
    private readonly origins: WidgetOrigins,
  ) {}

  @ApiReturns(widgetSessionSchema)
  @ApiProblems(WidgetErrorCode.TenantNotFound, WidgetErrorCode.OriginNotAllowed)
  @Post('session')
  @HttpCode(200)
  @ApiOperation({ summary: "Starts a widget session (a conversation) with a tenant's assistant; session_id is a UUID" })
  session(@Body() body: StartSessionBody, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<WidgetSessionResponse> {
    return this.widget.startSession(body.tenant_id, this.origins.callerOf(request, reply));
  }

  @ApiReturns(widgetChatReplySchema)
  @ApiProblems(
    WidgetErrorCode.TenantNotFound,
    WidgetErrorCode.SessionNotFound,
    WidgetErrorCode.SessionTenantMismatch,
    WidgetErrorCode.OriginNotAllowed,
    WidgetErrorCode.RateLimited,
    ChatErrorCode.ProviderFailed,
    UsageErrorCode.QuotaExceeded,
  )
  @Post('chat')
  @HttpCode(200)
  @ApiOperation({ summary: "Sends a message in a widget session; limited per tenant to its limits.chat_per_10s" })
  async chat(@Body() body: WidgetChatBody, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<WidgetChatResponse> {
    const { response, rateLimit } = await this.widget.reply(body, this.origins.callerOf(request, reply), request);
    void reply.headers(rateLimitHeaders(rateLimit));
    return response;
  }
}

/**
 * The CORS preflights of POST /session and POST /chat: no body, so no tenant; answered for any
 * origin without reading anything (WidgetOrigins.preflight), and not counted by the per-IP limit.
 * The POST is where a tenant's allowed origins are enforced. Not in the OpenAPI document.
 */
@Public()
@Controller()
export class WidgetPreflightController {
  constructor(private readonly origins: WidgetOrigins) {}

  @ApiExcludeEndpoint()
  @Options(['session', 'chat'])
  @HttpCode(204)
  preflight(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): void {
    this.origins.preflight(request, reply);
  }
}
