import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, ApiReturns } from '../../platform/http/api-contract.js';
import { AllowSuspendedTenant, RequirePermission } from '../../platform/security/decorators.js';
import { BillingErrorCode } from './billing.errors.js';
import { BillingService } from './billing.service.js';
import { redirectSchema, subscriptionSchema } from './dto/billing.responses.js';
import { CheckoutBody, type RedirectView, type SubscriptionView } from './dto/billing.dto.js';

/** The tenant's billing. A suspended tenant can still reach it: paying is how it comes back. */
@ApiTags('billing')
@AllowSuspendedTenant()
@ApiProblems(BillingErrorCode.NotConfigured, BillingErrorCode.StripeError)
@Controller('billing')
export class BillingController {
  constructor(private readonly billing: BillingService) {}

  @ApiOperation({ summary: 'Start a Stripe Checkout for a plan: where to send the browser' })
  @ApiReturns(redirectSchema)
  @ApiProblems(BillingErrorCode.UnknownPlan, BillingErrorCode.PlanNotPurchasable, BillingErrorCode.SubscriptionExists)
  @Post('checkout')
  @HttpCode(200)
  @RequirePermission('billing:manage')
  checkout(@Body() body: CheckoutBody): Promise<RedirectView> {
    return this.billing.checkout(body.planId);
  }

  @ApiOperation({ summary: "Open Stripe's customer portal: where to send the browser" })
  @ApiReturns(redirectSchema)
  @ApiProblems(BillingErrorCode.NoBillingAccount)
  @Post('portal')
  @HttpCode(200)
  @RequirePermission('billing:manage')
  portal(): Promise<RedirectView> {
    return this.billing.portal();
  }

  @ApiOperation({ summary: "The tenant's plan and subscription status" })
  @ApiReturns(subscriptionSchema)
  @Get('subscription')
  @RequirePermission('billing:read')
  subscription(): Promise<SubscriptionView> {
    return this.billing.subscription();
  }
}
