import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, ApiReturns } from '../../../platform/http/api-contract.js';
import type { Page } from '../../../platform/http/pagination.js';
import { QueueErrorCode } from '../../../platform/queue/queue.errors.js';
import { PlatformAdminOnly } from '../../../platform/security/decorators.js';
import { BillingErrorCode } from '../billing.errors.js';
import type { InboxEventView } from '../inbox/stripe-inbox.repository.js';
import { ListStripeEventsQuery, StripeEventIdParam } from './dto/stripe-events-admin.dto.js';
import { resentStripeEventSchema, stripeInboxEventPageSchema } from './dto/stripe-events-admin.responses.js';
import { type ResentStripeEventView, StripeEventsAdminService } from './stripe-events-admin.service.js';

/** The Stripe webhook inbox, for platform admins: failed events and their resend. */
@ApiTags('admin')
@PlatformAdminOnly()
@Controller('admin/stripe/events')
export class StripeEventsAdminController {
  constructor(private readonly events: StripeEventsAdminService) {}

  /** `?status=` (default failed), newest first. */
  @ApiOperation({ summary: 'Stripe inbox events in a status (default: failed), newest first' })
  @ApiReturns(stripeInboxEventPageSchema)
  @Get()
  list(@Query() query: ListStripeEventsQuery): Promise<Page<InboxEventView>> {
    return this.events.list(query);
  }

  @ApiOperation({ summary: 'Resend a failed Stripe event: its job runs again, as on a redelivery' })
  @ApiReturns(resentStripeEventSchema)
  @ApiProblems(BillingErrorCode.StripeEventNotFound, BillingErrorCode.StripeEventNotFailed, QueueErrorCode.QueueUnavailable)
  @Post(':id/retry')
  @HttpCode(200)
  retry(@Param() params: StripeEventIdParam): Promise<ResentStripeEventView> {
    return this.events.resend(params.id);
  }
}
