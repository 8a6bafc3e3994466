import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { from, type Observable, switchMap } from 'rxjs';
import { IS_PUBLIC } from '../../../platform/security/decorators.js';
import { ApiRateLimits } from './api-rate-limits.js';

/**
 * Every authenticated API request counts against its tenant's (and API key's) rate limit. Runs
 * after the auth guard, so the tenant is in context. Public routes are exempt: health, the Stripe
 * webhook, the widget (its own chat_per_10s limit) and login (its own IP/account throttle).
 */
@Injectable()
export class ApiRateLimitInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly limits: ApiRateLimits,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return next.handle();
    return from(this.limits.consume()).pipe(
      switchMap(({ headers }) => {
        if (Object.keys(headers).length > 0) void context.switchToHttp().getResponse<FastifyReply>().headers(headers);
        return next.handle();
      }),
    );
  }
}
