import { Body, Controller, HttpCode, Post, Res, UseFilters } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, ApiReturns } from '../../../platform/http/api-contract.js';
import type { FastifyReply } from 'fastify';
import { WidgetRateLimited } from '../../../platform/rate-limit/decorators.js';
import { Public } from '../../../platform/security/decorators.js';
import { StartSessionBody, WidgetChatBody, type WidgetChatResponse, type WidgetSessionResponse } from './dto/widget.dto.js';
import { widgetChatReplySchema, widgetSessionSchema } from './dto/widget.responses.js';
import { WidgetErrorFilter } from './widget-error.filter.js';
import { ChatErrorCode } from '../chat.errors.js';
import { UsageErrorCode } from '../../usage/usage.errors.js';
import { rateLimitHeaders, WidgetErrorCode } from './widget.errors.js';
import { WidgetService } from './widget.service.js';

/**
 * The seed demo's widget API, unchanged: at the root (not /api/v1, see UNPREFIXED_ROUTES), public,
 * and answering errors as `{"detail": ...}`. Limited per client IP (WIDGET_RATE_PER_IP a minute)
 * and, for /chat, per tenant (chat_per_10s).
 */
@ApiTags('widget')
@Public()
@WidgetRateLimited()
@UseFilters(WidgetErrorFilter)
@Controller()
export class WidgetController {
  constructor(private readonly widget: WidgetService) {}

  @ApiReturns(widgetSessionSchema)
  @ApiProblems(WidgetErrorCode.TenantNotFound)
  @Post('session')
  @HttpCode(200)
  @ApiOperation({ summary: "Starts a widget session (a conversation) with a tenant's assistant" })
  session(@Body() body: StartSessionBody): Promise<WidgetSessionResponse> {
    return this.widget.startSession(body.tenant_id);
  }

  @ApiReturns(widgetChatReplySchema)
  @ApiProblems(
    WidgetErrorCode.TenantNotFound,
    WidgetErrorCode.SessionNotFound,
    WidgetErrorCode.SessionTenantMismatch,
    WidgetErrorCode.RateLimited,
    ChatErrorCode.ProviderFailed,
    UsageErrorCode.QuotaExceeded,
  )
  @Post('chat')
  @HttpCode(200)
  @ApiOperation({ summary: "Sends a message in a widget session; limited per tenant to its limits.chat_per_10s" })
  async chat(@Body() body: WidgetChatBody, @Res({ passthrough: true }) reply: FastifyReply): Promise<WidgetChatResponse> {
    const { response, rateLimit } = await this.widget.reply(body);
    void reply.headers(rateLimitHeaders(rateLimit));
    return response;
  }
}
