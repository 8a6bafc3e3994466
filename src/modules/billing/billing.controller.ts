import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AllowSuspendedTenant, RequirePermission } from '../../platform/security/decorators.js';
import { BillingService } from './billing.service.js';
import { CheckoutBody, type RedirectView, type SubscriptionView } from './dto/billing.dto.js';

/** The tenant's billing. A suspended tenant can still reach it: paying is how it comes back. */
@ApiTags('billing')
@ApiBearerAuth()
@AllowSuspendedTenant()
@Controller('billing')
export class BillingController {
  constructor(private readonly billing: BillingService) {}

  @Post('checkout')
  @HttpCode(200)
  @RequirePermission('billing:manage')
  checkout(@Body() body: CheckoutBody): Promise<RedirectView> {
    return this.billing.checkout(body.planId);
  }

  @Post('portal')
  @HttpCode(200)
  @RequirePermission('billing:manage')
  portal(): Promise<RedirectView> {
    return this.billing.portal();
  }

  @Get('subscription')
  @RequirePermission('billing:read')
  subscription(): Promise<SubscriptionView> {
    return this.billing.subscription();
  }
}
