import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiReturns } from '../../../platform/http/api-contract.js';
import { Public } from '../../../platform/security/decorators.js';
import { planListSchema } from '../dto/billing.responses.js';
import { type PlanView, PlansService } from './plans.service.js';

@ApiTags('billing')
@Controller('billing/plans')
export class PlansController {
  constructor(private readonly plans: PlansService) {}

  /** The plans and their limits; public (a pricing page needs no account), with or without Stripe keys. */
  @ApiOperation({ summary: 'The plans and their limits (public)' })
  @ApiReturns(planListSchema)
  @Get()
  @Public()
  list(): Promise<PlanView[]> {
    return this.plans.list();
  }
}
