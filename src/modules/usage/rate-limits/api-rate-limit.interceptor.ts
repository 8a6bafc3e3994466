import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { from, type Observable, switchMap } from 'rxjs';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { accessOfRoute } from '../../../platform/security/decorators.js';
import { ApiCallMeter } from './api-call-meter.js';
import { ApiThrottlerGuard } from './api-throttler.guard.js';

/**
 * Every HTTP request passes the API throttlers (ApiThrottlerGuard: per tenant and API key from the
 * plan, per IP and account on sign-in routes); an authenticated request that passes counts as one
 * of its tenant's API calls (ApiCallMeter → usage_counters.api_calls). An interceptor, not a guard,
 * so that it runs after the auth guard: the tenant and key are in TenantContext by then.
 */
@Injectable()
export class ApiRateLimitInterceptor implements NestInterceptor {
  constructor(
    private readonly throttler: ApiThrottlerGuard,
    private readonly meter: ApiCallMeter,
    private readonly ctx: TenantContext,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    return from(this.throttler.canActivate(context)).pipe(
      switchMap(() => {
        const tenantId = this.ctx.current()?.tenantId;
        if (tenantId !== undefined && !accessOfRoute(this.reflector, context).isPublic) this.meter.count(tenantId);
        return next.handle();
      }),
    );
  }
}
