import { SetMetadata } from '@nestjs/common';

export const SIGN_IN_RATE_LIMITED = 'tenantry:sign-in-rate-limited';

/**
 * A public sign-in route (login, signup, password reset): limited per client IP and, when the body
 * names an email, per account (SIGNIN_RATE_PER_IP / SIGNIN_RATE_PER_ACCOUNT a minute). On top of
 * login's own backoff on failed attempts (src/modules/auth/throttle).
 */
export const SignInRateLimited = (): MethodDecorator & ClassDecorator => SetMetadata(SIGN_IN_RATE_LIMITED, true);
