import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public } from '../../../platform/security/decorators.js';
import { type PlanView, PlansService } from './plans.service.js';

@ApiTags('billing')
@Controller('billing/plans')
export class PlansController {
  constructor(private readonly plans: PlansService) {}

  /** The plans and their limits; public (a pricing page needs no account), with or without Stripe keys. */
  @Get()
  @Public()
  list(): Promise<PlanView[]> {
    return this.plans.list();
  }
}
