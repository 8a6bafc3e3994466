import { type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { perRoute } from '../http/route-memo.js';

export const SIGN_IN_RATE_LIMITED = 'tenantry:sign-in-rate-limited';

/**
 * A public sign-in route (login, signup, password reset): limited per client IP and, when the body
 * names an email, per account (SIGNIN_RATE_PER_IP / SIGNIN_RATE_PER_ACCOUNT a minute). On top of
 * login's own backoff on failed attempts (src/modules/auth/throttle).
 */
export const SignInRateLimited = (): MethodDecorator & ClassDecorator => SetMetadata(SIGN_IN_RATE_LIMITED, true);

export const WIDGET_RATE_LIMITED = 'tenantry:widget-rate-limited';

/**
 * The public widget API (POST /session, POST /chat): limited per client IP (WIDGET_RATE_PER_IP a
 * minute), on top of each tenant's chat_per_10s, so that one visitor cannot use up a tenant's
 * allowance nor create sessions without end.
 */
export const WidgetRateLimited = (): MethodDecorator & ClassDecorator => SetMetadata(WIDGET_RATE_LIMITED, true);

const MARKED = {
  [SIGN_IN_RATE_LIMITED]: perRoute((reflector, targets) => reflector.getAllAndOverride<boolean>(SIGN_IN_RATE_LIMITED, targets) === true),
  [WIDGET_RATE_LIMITED]: perRoute((reflector, targets) => reflector.getAllAndOverride<boolean>(WIDGET_RATE_LIMITED, targets) === true),
};

/** Whether the route `context` runs bears the mark `key` (on its handler or its controller), read once per handler. */
export function routeMarked(reflector: Reflector, context: ExecutionContext, key: keyof typeof MARKED): boolean {
  return MARKED[key](reflector, context);
}
