import { Controller, Headers, HttpCode, Post } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import { Public } from '../../../platform/security/decorators.js';
import type { WebhookAck } from '../dto/billing.dto.js';
import { KEEP_RAW_BODY, RawBody } from './raw-body.js';
import { StripeWebhookService } from './stripe-webhook.service.js';

/**
 * Stripe calls this (`stripe listen --forward-to localhost:3000/api/v1/billing/webhooks` in
 * development). Public: the signature, not a token, authenticates the caller.
 */
@Controller('billing/webhooks')
export class StripeWebhookController {
  constructor(private readonly webhooks: StripeWebhookService) {}

  @Post()
  @Public()
  @HttpCode(200)
  @RouteConfig(KEEP_RAW_BODY)
  @ApiExcludeEndpoint()
  receive(@RawBody() rawBody: Buffer | undefined, @Headers('stripe-signature') signature: string | undefined): Promise<WebhookAck> {
    return this.webhooks.receive(rawBody, signature);
  }
}
